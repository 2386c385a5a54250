/** Real activity dependencies for in-process test workers: the shipped registry (plus `modelsFile`), a temp home (response cache, artifacts). */
import { createDeps } from '../../src/activities';
import { testDatasetsDir } from './cli';

export function testDeps(dir: string, env: NodeJS.ProcessEnv = {}, modelsFile?: string): ReturnType<typeof createDeps> {
  // The user's LSL_MODELS never leaks into a test's registry.
  return createDeps({ home: dir, env: { ...process.env, ...env, LSL_MODELS: undefined }, modelsFile, datasetsDir: testDatasetsDir() });
}
