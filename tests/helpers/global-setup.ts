/**
 * Starts ONE real Temporal dev server for the whole suite (or uses TEMPORAL_ADDRESS) and bundles
 * the workflow code once. Test files get both through environment variables and start their own
 * workers with tests/helpers/temporal.ts. No server means the suite fails, naming the ways to get one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTemporal, type TemporalServer } from '../../src/temporal/server';
import { writeWorkflowBundle } from './bundle';
import { startSuiteLlama } from './llama';

declare global {
  var __lslTemporal: TemporalServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Developer convenience for iterating on pure tests; a test that needs Temporal then fails loudly.
  if (process.env.LSL_TEST_NO_TEMPORAL === '1') return;
  // The real model (llama.cpp + SmolLM2-135M), first: when it cannot be had, nothing is left running.
  await startSuiteLlama();
  const server = await startTemporal({ log: (l) => process.stderr.write(`[temporal] ${l}\n`) });
  globalThis.__lslTemporal = server;
  process.env.LSL_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.LSL_TEST_TEMPORAL_NAMESPACE = server.namespace;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-test-'));
  process.env.LSL_TEST_WORKFLOW_BUNDLE = await writeWorkflowBundle(dir);
  process.env.LSL_TEST_TMP = dir;
}
