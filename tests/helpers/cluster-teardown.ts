import fs from 'node:fs';
import { STARTED_MARKER, clusterScript } from './cluster';

/** Stops the production-style cluster if a test of this run started it (tests/helpers/cluster.ts). */
export default async function clusterTeardown(): Promise<void> {
  if (fs.existsSync(STARTED_MARKER)) {
    await clusterScript(['down'], 120_000);
    fs.rmSync(STARTED_MARKER, { force: true });
  }
}
