/**
 * What activities need from the outside world, assembled in ONE place (`createDeps`) for the
 * worker, the CLI and the tests: the task registry, the model registry and gateway (with the
 * simulator's URL when one runs in-process), the artifact store, the data and runs directories.
 * Nothing below reads the process environment: the caller hands `env` in.
 */
import path from 'node:path';
import { createGateway } from '../llm/gateway';
import { loadRegistry, type ModelRegistry } from '../llm/registry';
import type { ModelGateway } from '../llm/types';
import { homeLayout, packageVersion } from '../paths';
import type { ArtifactStore } from '../store/artifacts';
import type { ObjectStore } from '../store/objects';
import { openStore } from '../store/open';
import { builtinTasks, type TaskRegistry } from '../tasks/registry';

export { builtinTasks, type TaskRegistry };

export interface ActivityDeps {
  gateway: ModelGateway;
  /** Model specs (no keys): for validating experiment configs in the worker. */
  registry: ModelRegistry;
  tasks: TaskRegistry;
  store: ArtifactStore;
  /** Where reports are published (`<experiment id>/report/<file>`) when the store is shared (S3). */
  runs?: ObjectStore;
  datasetsDir: string;
  /** Where runs (and their reports) live: <home>/runs. */
  runsDir: string;
  /** The lsl version recorded with each experiment. */
  version: string;
}

export interface DepsOptions {
  /** LSL_HOME: runs, the response cache and artifacts live below it. */
  home: string;
  /** Where API keys, `${VAR}` placeholders and the LSL_* overrides are read (the worker's environment). */
  env: NodeJS.ProcessEnv;
  /** A user model registry file on top of the shipped one. */
  modelsFile?: string;
  datasetsDir: string;
  /** An artifact store to use instead of <home>/artifacts (tests share one between workers). */
  store?: ArtifactStore;
  /** The model simulator's URL, for the registry's `${LSL_SIM_URL}` (an in-process simulator). */
  simUrl?: string;
  tasks?: TaskRegistry;
}

export function createDeps(o: DepsOptions): ActivityDeps & { gateway: ReturnType<typeof createGateway> } {
  const env = o.simUrl ? { ...o.env, LSL_SIM_URL: o.simUrl } : o.env;
  const layout = homeLayout(o.home, env);
  const registry = loadRegistry(o.modelsFile, env);
  // LSL_STORE: a directory or s3://bucket/prefix for artifacts, cache, call claims and reports; default in <home>.
  const shared = openStore(env.LSL_STORE || undefined, { home: o.home, env });
  return {
    gateway: createGateway({ registry, cache: shared.responses, claims: shared.claims, env }),
    registry,
    tasks: o.tasks ?? builtinTasks,
    store: o.store ?? shared.artifacts,
    ...(shared.shared ? { runs: shared.runs } : {}),
    datasetsDir: path.resolve(o.datasetsDir),
    runsDir: layout.runs,
    version: packageVersion(),
  };
}
