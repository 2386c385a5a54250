/** Builds the lsl worker: all workflows, all activities, one task queue. Used by `lsl worker`, the embedded CLI mode and tests. */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createDeps } from '../activities/deps';
import { datasetsDir, lslHome } from '../paths';
import { openStore, type LslStore } from '../store/open';
import { TASK_QUEUE } from './names';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  deps: ActivityDeps;
  /** A pre-built workflow bundle (tests build one per suite); otherwise bundled from source. */
  workflowBundlePath?: string;
  maxConcurrentActivities?: number;
}

export async function createLslWorker(opts: WorkerOptions): Promise<Worker> {
  // LSL_WORKFLOW_BUNDLE: a bundle built once (tests) instead of webpack at every start.
  const bundle = opts.workflowBundlePath ?? process.env.LSL_WORKFLOW_BUNDLE;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 200,
  });
}

/**
 * The production dependencies, from this process's environment (LSL_HOME, LSL_MODELS,
 * LSL_DATASETS_DIR); `simUrl` when the CLI runs the simulator in-process.
 */
export function defaultDeps(opts: { simUrl?: string } = {}) {
  return createDeps({ home: lslHome(), env: process.env, modelsFile: process.env.LSL_MODELS || undefined, datasetsDir: datasetsDir(), simUrl: opts.simUrl });
}

/** The store named by LSL_STORE (s3://bucket/prefix, or a directory), else LSL_HOME's local default. */
export function defaultStore(): LslStore {
  return openStore(process.env.LSL_STORE || undefined, { home: lslHome() });
}
