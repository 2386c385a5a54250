/** Writing per-example results as a JSONL artifact, so workflow payloads only carry its key. */
import type { ActivityDeps } from './deps';

export function createResultActivities(deps: ActivityDeps) {
  return {
    async storeJsonl(input: { rows: unknown[] }): Promise<string> {
      return deps.store.put(input.rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    },
    async storeJson(input: { value: unknown }): Promise<string> {
      return deps.store.putJson(input.value);
    },
    async loadJson(input: { key: string }): Promise<unknown> {
      return deps.store.getJson(input.key);
    },
  };
}
