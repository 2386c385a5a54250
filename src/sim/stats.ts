/** What the simulator has served, per model: calls by kind, tokens, faults. */
import { ALL_FAULT_KINDS, type AnyFaultKind } from './faults';

export type CallKind = 'task' | 'reflection' | 'merge' | 'evolution' | 'teaching' | 'unknown';

export interface ModelStats {
  /** Every chat request for this model, faulted or not. */
  calls: number;
  taskCalls: number;
  /** Reflection calls, merges included. */
  reflectionCalls: number;
  mergeCalls: number;
  /** Per-problem instruction requests (a teacher asked to write an instruction for one problem). */
  teachingCalls: number;
  unknownCalls: number;
  /** Tokens of the completions actually sent (faults that send no completion add none). */
  promptTokens: number;
  completionTokens: number;
  /** Hidden reasoning tokens of reasoning profiles (part of completionTokens). */
  reasoningTokens: number;
  /** Faults served, by kind. */
  faults: Record<AnyFaultKind, number>;
  /** Requests refused as a real endpoint would (context length exceeded, a parameter a reasoning model refuses). */
  errors: number;
  /** Completions stopped at the token limit (finish_reason length). */
  cutOff: number;
}

export interface SimStats {
  models: Record<string, ModelStats>;
  totals: ModelStats;
  /** Requests refused before reaching a model (bad JSON, unknown model, unknown path). */
  rejected: number;
  /** Instances the simulator recognises, and the tasks they come from. */
  instances: number;
  tasks: string[];
}

function emptyStats(): ModelStats {
  return {
    calls: 0, taskCalls: 0, reflectionCalls: 0, mergeCalls: 0, teachingCalls: 0, unknownCalls: 0,
    promptTokens: 0, completionTokens: 0, reasoningTokens: 0,
    faults: Object.fromEntries(ALL_FAULT_KINDS.map((k) => [k, 0])) as Record<AnyFaultKind, number>,
    errors: 0, cutOff: 0,
  };
}

export class StatsBook {
  private models = new Map<string, ModelStats>();
  private rejected = 0;

  constructor(private readonly world: { instances: number; tasks: string[] }) {}

  private of(model: string): ModelStats {
    let s = this.models.get(model);
    if (!s) {
      s = emptyStats();
      this.models.set(model, s);
    }
    return s;
  }

  /**
   * Counts a call and returns its number for this model (from 1). Its kind is counted once known
   * (`kind`): a call refused before it is read (a bad key, an outage) is a call of no kind.
   */
  call(model: string, kind?: CallKind): number {
    const s = this.of(model);
    s.calls++;
    if (kind) this.kind(model, kind);
    return s.calls;
  }

  kind(model: string, kind: CallKind): void {
    const s = this.of(model);
    if (kind === 'task') s.taskCalls++;
    else if (kind === 'unknown') s.unknownCalls++;
    else if (kind === 'teaching') s.teachingCalls++;
    else {
      s.reflectionCalls++;
      if (kind === 'merge') s.mergeCalls++;
    }
  }

  tokens(model: string, prompt: number, completion: number, reasoning = 0): void {
    const s = this.of(model);
    s.promptTokens += prompt;
    s.completionTokens += completion;
    s.reasoningTokens += reasoning;
  }

  cutOff(model: string): void {
    this.of(model).cutOff++;
  }

  fault(model: string, kind: AnyFaultKind): void {
    this.of(model).faults[kind]++;
  }

  error(model: string): void {
    this.of(model).errors++;
  }

  reject(): void {
    this.rejected++;
  }

  reset(): void {
    this.models.clear();
    this.rejected = 0;
  }

  snapshot(): SimStats {
    const models: Record<string, ModelStats> = {};
    const totals = emptyStats();
    for (const [name, s] of [...this.models].sort(([a], [b]) => a.localeCompare(b))) {
      models[name] = { ...s, faults: { ...s.faults } };
      for (const k of ['calls', 'taskCalls', 'reflectionCalls', 'mergeCalls', 'teachingCalls', 'unknownCalls', 'promptTokens', 'completionTokens', 'reasoningTokens', 'errors', 'cutOff'] as const) totals[k] += s[k];
      for (const k of ALL_FAULT_KINDS) totals.faults[k] += s.faults[k];
    }
    return { models, totals, rejected: this.rejected, instances: this.world.instances, tasks: [...this.world.tasks] };
  }
}
