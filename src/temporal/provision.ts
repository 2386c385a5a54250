/**
 * Finds (or builds) the official Temporal CLI, which carries the dev server and the Web UI.
 * Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the project's cache, then building it with
 * `go install` into the cache. (`@temporalio/testing` can also download it; see server.ts,
 * which tries that before building.) A running server at TEMPORAL_ADDRESS needs no binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEMPORAL_CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go install';
export interface FoundCli { path: string; source: CliSource }

export function cacheRoot(): string {
  const base = process.env.LSL_CACHE_HOME ?? process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'lsl');
}

export function cachedCliPath(): string {
  return path.join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** Finds a Temporal CLI without building anything; undefined when there is none yet. */
export function findTemporalCli(): FoundCli | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const inPath = onPath('temporal');
  if (inPath) return { path: inPath, source: 'PATH' };
  const cached = cachedCliPath();
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

export const NO_SERVER_HELP =
  'No Temporal server available. Ways to get one: set TEMPORAL_ADDRESS to a running server; ' +
  'set TEMPORAL_CLI_PATH to a Temporal CLI binary; put `temporal` on PATH; run `npm run provision` ' +
  `(builds ${TEMPORAL_CLI_MODULE} with Go into ${path.dirname(cachedCliPath())}); ` +
  'or allow @temporalio/testing to download it (needs internet).';

/** Builds the CLI with `go install` into the cache. Takes minutes; prints Go's output to stderr. */
export function buildTemporalCli(log: (line: string) => void = (l) => process.stderr.write(l + '\n')): FoundCli {
  const go = onPath('go');
  if (!go) throw new Error(`cannot build the Temporal CLI: \`go\` is not on PATH. ${NO_SERVER_HELP}`);
  const target = cachedCliPath();
  const gobin = fs.mkdtempSync(path.join(os.tmpdir(), 'lsl-gobin-'));
  log(`building ${TEMPORAL_CLI_MODULE} with ${go} (takes a few minutes, once)...`);
  const res = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${res.status}). ${NO_SERVER_HELP}`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Copy then rename so a concurrent reader never sees a half-written binary.
  const tmp = `${target}.${process.pid}.tmp`;
  fs.copyFileSync(path.join(gobin, 'temporal'), tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, target);
  fs.rmSync(gobin, { recursive: true, force: true });
  return { path: target, source: 'go install' };
}

export function cliVersion(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
}
