/** Where lsl keeps its state: LSL_HOME (default ./.lsl) holds runs, the response cache and artifacts. */
import fs from 'node:fs';
import path from 'node:path';

export function lslHome(): string {
  return path.resolve(process.env.LSL_HOME ?? '.lsl');
}

export function datasetsDir(): string {
  return path.resolve(process.env.LSL_DATASETS_DIR ?? path.join(__dirname, '..', '..', 'shared', 'datasets'));
}

export const homePaths = {
  artifacts: () => process.env.LSL_ARTIFACTS_DIR ?? path.join(lslHome(), 'artifacts'),
  responseCache: () => process.env.LSL_CACHE_DIR ?? path.join(lslHome(), 'cache', 'responses'),
  runs: () => path.join(lslHome(), 'runs'),
};

/** lsl's version: the nearest package.json above this module. */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
