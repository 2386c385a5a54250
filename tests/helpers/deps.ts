/** Real activity dependencies for in-process test workers: the shipped registry, a gateway on a temp cache, a temp artifact store. */
import path from 'node:path';
import type { ActivityDeps } from '../../src/activities';
import { createGateway } from '../../src/llm/gateway';
import { loadRegistry } from '../../src/llm/registry';
import { packageVersion } from '../../src/paths';
import { LocalArtifactStore } from '../../src/store/artifacts';
import { testDatasetsDir } from './cli';

export function testDeps(dir: string, env: NodeJS.ProcessEnv = {}, modelsFile?: string): ActivityDeps & { gateway: ReturnType<typeof createGateway> } {
  const registry = loadRegistry(modelsFile, { ...process.env, ...env, LSL_MODELS: undefined });
  return {
    gateway: createGateway({ registry, cacheDir: path.join(dir, 'cache'), env: { ...process.env, ...env } }),
    registry,
    store: new LocalArtifactStore(path.join(dir, 'artifacts')),
    datasetsDir: testDatasetsDir(),
    runsDir: path.join(dir, 'runs'),
    version: packageVersion(),
  };
}
