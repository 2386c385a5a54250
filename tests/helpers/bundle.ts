/** The workflow code bundled once (webpack), so workers started by tests skip bundling at their start. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Bundles `workflowsPath` (default: lsl's workflows) into `dir`; returns the bundle's path. */
export async function writeWorkflowBundle(dir: string, workflowsPath = require.resolve('../../src/workflows')): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) } as never,
  });
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
  return bundlePath;
}
