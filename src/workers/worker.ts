/**
 * Builds the lsl worker: all workflows and activities on one task queue, plus an activity-only
 * worker on the own queue of each rate-limited model (model-queues.ts). Used by `lsl worker`,
 * the embedded CLI mode and tests.
 */
import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createDeps } from '../activities/deps';
import { datasetsDir, lslHome } from '../paths';
import { openStore, type LslStore } from '../store/open';
import { createModelQueueWorkers } from './model-queues';
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

/** The workers of one lsl worker process, run and shut down together. */
export interface LslWorker {
  /** Every queue polled: the base queue first, then the models' own queues. */
  readonly taskQueues: string[];
  run(): Promise<void>;
  shutdown(): void;
  getState(): State;
}

export async function createLslWorker(opts: WorkerOptions): Promise<LslWorker> {
  // LSL_WORKFLOW_BUNDLE: a bundle built once (tests) instead of webpack at every start.
  const bundle = opts.workflowBundlePath ?? process.env.LSL_WORKFLOW_BUNDLE;
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const slots = opts.maxConcurrentActivities ?? 200;
  const activities = createActivities(opts.deps);
  const main = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue,
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: require.resolve('../workflows') }),
    activities,
    maxConcurrentActivityTaskExecutions: slots,
  });
  const models = await createModelQueueWorkers({
    connection: opts.connection, namespace: opts.namespace, baseQueue: taskQueue, registry: opts.deps.registry, activities, workerSlots: slots,
  });
  const all = [main, ...models];
  const shutdown = () => {
    for (const w of all) if (w.getState() === 'RUNNING') w.shutdown();
  };
  return {
    taskQueues: all.map((w) => w.options.taskQueue),
    // One worker failing stops the others, so no queue is left half-served.
    run: () => Promise.all(all.map((w) => w.run().catch((err) => {
      shutdown();
      throw err;
    }))).then(() => undefined),
    shutdown,
    getState: () => main.getState(),
  };
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
