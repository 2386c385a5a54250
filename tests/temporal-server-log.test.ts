/**
 * The embedded dev server's own log lines go to a file in the run directory, never to the
 * user's terminal: the wrapper sends a binary's stdout and stderr to the file and keeps its
 * PID (exec), and a real dev server started with `logFile` runs, answers and stops.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from '../src/temporal/provision';
import { loggingWrapper, startTemporal } from '../src/temporal/server';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lsl-server-log-'quoted' "));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the wrapper sends the binary's stdout and stderr to the file (appended), passes every argument, keeps its PID", () => {
  const fake = path.join(tmp, 'fake temporal');
  fs.writeFileSync(fake, '#!/bin/sh\necho "out: $1|$2|$$"\necho "level=ERROR msg=\\"Persistent store operation failure\\"" >&2\n', { mode: 0o755 });
  const logFile = path.join(tmp, 'run dir', 'temporal-server.log');
  const wrapper = loggingWrapper(fake, logFile);
  const first = spawnSync(wrapper, ['start-dev', "it's two words"], { encoding: 'utf8' });
  expect(first.status).toBe(0);
  expect(first.stdout).toBe('');
  expect(first.stderr).toBe('');
  spawnSync(wrapper, ['again'], { encoding: 'utf8' });
  const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
  expect(lines[0]).toBe(`out: start-dev|it's two words|${first.pid}`);
  expect(lines[1]).toContain('Persistent store operation failure');
  expect(lines[2]).toMatch(/^out: again\|\|/);
  expect(lines).toHaveLength(4);
});

test('a real dev server started with logFile runs, answers and stops, with its log file in the run directory', async () => {
  if (process.env.TEMPORAL_ADDRESS) return; // a shared server: nothing is started here
  expect(findTemporalCli()).toBeDefined(); // the suite's setup provides one (npm run provision)
  const logFile = path.join(tmp, 'run', 'temporal-server.log');
  const server = await startTemporal({ dbFilename: path.join(tmp, 'run', 'temporal.db'), logFile });
  try {
    const connection = await Connection.connect({ address: server.address });
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/\d+\.\d+/);
    await connection.close();
  } finally {
    await server.shutdown();
  }
  expect(fs.existsSync(logFile)).toBe(true);
});
