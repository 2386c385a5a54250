/**
 * The simulator's index of known instances: every question of the configured tasks, keyed by
 * the start of its normalized text, so a request can be matched to the instance it contains
 * wherever the question sits in the message (probed at every word start).
 */
import fs from 'node:fs';
import path from 'node:path';
import { getTask, TASK_NAMES } from '../tasks/registry';
import type { DataSplit, Task, TaskExample } from '../tasks/types';
import { normalizeText, normalizeWithMap } from './text';
import { WORLDS, worldKindFor, type InstanceFacts, type SimInstance, type WorldKind } from './world';

/** Questions are keyed by their first KEY_LEN normalized chars (all of them when shorter). */
const KEY_LEN = 60;
/** A cheap first filter: the first PREFIX_LEN chars of every question, checked before the full keys. */
const PREFIX_LEN = 12;

interface Entry {
  instance: SimInstance;
  norm: string;
}

export interface InstanceMatch {
  instance: SimInstance;
  /** The question's span in the raw text that was searched. */
  start: number;
  end: number;
}

function isAlnum(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  return /[\p{L}\p{N}]/u.test(c);
}

export class InstanceIndex {
  private readonly byKey = new Map<string, Entry[]>();
  private readonly keyLengths = new Set<number>();
  private readonly prefixes = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly factsMemo = new Map<SimInstance, InstanceFacts>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds an instance; a question already indexed (same normalized text) keeps its first owner. */
  add(instance: SimInstance): boolean {
    const norm = normalizeText(instance.example.question);
    if (norm.length === 0 || this.seen.has(norm)) return false;
    this.seen.add(norm);
    const key = norm.slice(0, KEY_LEN);
    this.keyLengths.add(key.length);
    this.prefixes.add(norm.slice(0, PREFIX_LEN));
    const list = this.byKey.get(key);
    if (list) list.push({ instance, norm });
    else this.byKey.set(key, [{ instance, norm }]);
    this.count++;
    return true;
  }

  /**
   * The known instance whose question occurs in `text`. With several (few-shot demos before
   * the real question), the one starting last wins, then the longest.
   */
  find(text: string): InstanceMatch | null {
    if (this.count === 0) return null;
    const { norm, map } = normalizeWithMap(text);
    const lengths = [...this.keyLengths].sort((a, b) => b - a);
    const shortest = lengths[lengths.length - 1];
    let best: { entry: Entry; at: number } | null = null;
    for (let i = 0; i < norm.length; i++) {
      // A question starts at a word start or a symbol, never inside a word.
      if (i > 0 && isAlnum(norm[i]) && isAlnum(norm[i - 1])) continue;
      if (!this.prefixes.has(norm.slice(i, i + PREFIX_LEN)) && !(shortest < PREFIX_LEN && this.hasShortPrefix(norm, i))) continue;
      for (const len of lengths) {
        if (i + len > norm.length) continue;
        const list = this.byKey.get(norm.slice(i, i + len));
        if (!list) continue;
        for (const entry of list) {
          if (!norm.startsWith(entry.norm, i)) continue;
          if (!best || i > best.at || (i === best.at && entry.norm.length > best.entry.norm.length)) best = { entry, at: i };
        }
      }
    }
    if (!best) return null;
    const start = map[best.at];
    const end = map[best.at + best.entry.norm.length - 1] + 1;
    return { instance: best.entry.instance, start, end };
  }

  /** For questions shorter than PREFIX_LEN: whether one starts at `i`. */
  private hasShortPrefix(norm: string, i: number): boolean {
    for (const len of this.keyLengths) if (len < PREFIX_LEN && this.byKey.has(norm.slice(i, i + len))) return true;
    return false;
  }

  /** Difficulty and traps of an instance, computed once. */
  facts(instance: SimInstance): InstanceFacts {
    let f = this.factsMemo.get(instance);
    if (!f) {
      f = WORLDS[instance.kind].analyze(instance);
      this.factsMemo.set(instance, f);
    }
    return f;
  }
}

/** Examples given directly (tests, or a JSONL task the registry does not know). */
export interface ExtraExamples {
  task: string;
  kind: WorldKind;
  examples: TaskExample[];
}

function filesPresent(task: Task, datasetsDir: string): boolean {
  return task.files.every((f) => fs.existsSync(path.join(datasetsDir, f)));
}

/** Task names whose module exists and whose files are present: the default world. */
export function availableTasks(datasetsDir: string): string[] {
  const out: string[] = [];
  for (const name of TASK_NAMES) {
    let task: Task;
    try {
      task = getTask(name);
    } catch {
      continue; // module not written yet, or not loadable: not part of the default world
    }
    if (task && filesPresent(task, datasetsDir)) out.push(name);
  }
  return out;
}

/** Loads the named tasks (both pools) and extra examples into a new index. */
export async function buildInstanceIndex(datasetsDir: string, taskNames: readonly string[], extra: readonly ExtraExamples[] = []): Promise<InstanceIndex> {
  const index = new InstanceIndex();
  for (const name of taskNames) {
    const task = getTask(name);
    const pools: DataSplit[] = task.separatePools ? ['train', 'test'] : ['test'];
    for (const pool of pools) {
      let examples: TaskExample[];
      try {
        examples = await task.load(datasetsDir, pool);
      } catch (err) {
        throw new Error(`simulator: loading task '${name}' pool '${pool}' from ${datasetsDir} failed: ${(err as Error).message}`);
      }
      for (const example of examples) index.add({ task: name, kind: worldKindFor(task, example), example });
    }
  }
  for (const e of extra) for (const example of e.examples) index.add({ task: e.task, kind: e.kind, example });
  return index;
}
