/** Reading task data inside activities (workflows never touch the disk). */
import type { DataSplit, TaskExample } from '../tasks/types';
import type { ActivityDeps } from './deps';

const indexes = new Map<string, Map<string, TaskExample>>();

/** Looks an example up by id in a task's data split, indexing the split once per process. */
export async function findExample(deps: ActivityDeps, taskName: string, split: DataSplit, id: string): Promise<TaskExample> {
  const key = `${deps.datasetsDir}\0${taskName}\0${split}`;
  let index = indexes.get(key);
  if (!index) {
    const examples = await deps.tasks.get(taskName).load(deps.datasetsDir, split);
    index = new Map(examples.map((e) => [e.id, e]));
    indexes.set(key, index);
  }
  const ex = index.get(id);
  if (!ex) throw new Error(`example '${id}' not found in ${taskName}/${split}`);
  return ex;
}

export function createExampleActivities(deps: ActivityDeps) {
  return {
    /** Ids of a data split in file order, the first `limit` when given. */
    async listExampleIds(input: { task: string; pool: DataSplit; limit?: number }): Promise<string[]> {
      const examples = await deps.tasks.get(input.task).load(deps.datasetsDir, input.pool);
      const ids = examples.map((e) => e.id);
      return input.limit !== undefined ? ids.slice(0, input.limit) : ids;
    },
  };
}
