/**
 * The production-style cluster (scripts/cluster.sh: Temporal on PostgreSQL, the Web UI, MinIO)
 * for the tests that need it: started once (the script skips what already runs; the suite's
 * teardown stops it again if a test started it), its environment handed to workers and the CLI.
 * When it cannot come up, the test fails with how to get it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './cli';

export const CLUSTER_SCRIPT = path.join(REPO, 'scripts', 'cluster.sh');

export interface ClusterEnv {
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  LSL_STORE: string;
  LSL_S3_ENDPOINT: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
}

const HOW_TO =
  'The production-style cluster did not come up. Get it with `bash scripts/cluster.sh up` (builds the Temporal ' +
  'server, its sql tool, the UI server and MinIO with Go once, into ~/.cache/lsl/cluster, and needs PostgreSQL: ' +
  '`apt-get install postgresql-15`); `scripts/cluster.sh status` shows which piece is down, its logs are in ' +
  '/var/tmp/lsl-cluster-<uid>/.';

/** A marker: this suite started the cluster, so its teardown stops it. */
export const STARTED_MARKER = path.join(os.tmpdir(), `lsl-cluster-started-by-tests-${process.getuid?.() ?? 0}`);

export function clusterScript(args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [CLUSTER_SCRIPT, ...args], { cwd: REPO, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function parseEnv(text: string): ClusterEnv {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2];
  return env as unknown as ClusterEnv;
}

/** Brings the cluster up (or finds it up) and returns the environment its clients need. */
export async function useCluster(): Promise<ClusterEnv> {
  const status = await clusterScript(['status'], 60_000);
  if (status.code !== 0) {
    // Provisioning may build binaries (minutes, once); starting takes seconds.
    const up = await clusterScript(['up'], 40 * 60_000);
    if (up.code !== 0) throw new Error(`${HOW_TO}\n${up.stderr.slice(-2000)}`);
    fs.writeFileSync(STARTED_MARKER, String(Date.now()));
  }
  return parseEnv((await clusterScript(['env'], 30_000)).stdout);
}

/** Kills the Temporal server with SIGKILL and starts it again on the same database. */
export async function restartTemporal(): Promise<void> {
  const r = await clusterScript(['restart-temporal'], 180_000);
  if (r.code !== 0) throw new Error(`restarting the Temporal server failed:\n${r.stderr}`);
}
