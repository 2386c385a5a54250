/** Where lsl keeps its state: LSL_HOME (default ./.lsl) holds runs, the response cache and artifacts. */
import fs from 'node:fs';
import path from 'node:path';

export function lslHome(): string {
  return path.resolve(process.env.LSL_HOME ?? '.lsl');
}

export function datasetsDir(): string {
  return path.resolve(process.env.LSL_DATASETS_DIR ?? path.join(__dirname, '..', '..', 'shared', 'datasets'));
}

/** The directories below a home, with the environment's overrides (pure: the caller passes `env`). */
export function homeLayout(home: string, env: NodeJS.ProcessEnv): { artifacts: string; responseCache: string; runs: string } {
  return {
    artifacts: env.LSL_ARTIFACTS_DIR ?? path.join(home, 'artifacts'),
    responseCache: env.LSL_CACHE_DIR ?? path.join(home, 'cache', 'responses'),
    runs: path.join(home, 'runs'),
  };
}

/** The CLI's view: this process's home and overrides. */
export const homePaths = {
  artifacts: () => homeLayout(lslHome(), process.env).artifacts,
  responseCache: () => homeLayout(lslHome(), process.env).responseCache,
  runs: () => homeLayout(lslHome(), process.env).runs,
};

/** lsl's version: the nearest package.json above this module. */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return (JSON.parse(fs.readFileSync(p, 'utf8')) as { version: string }).version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
