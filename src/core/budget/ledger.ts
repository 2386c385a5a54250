/**
 * The budget ledger: grants, reservations and recorded spending per holder (an arm's stage, the
 * evaluation, ...). Pure and plain JSON, so it can live inside optimizer state and in a
 * workflow. The functions mutate the ledger they are given (like a small database) and never
 * let a holder's spend plus its reservations exceed its grant.
 *
 * Units:
 * - `metricCalls` and `iterations` are enforced by reservation: `reserve` first, then `spend`
 *   from the reservation as the work is done, `release` what was not used.
 * - `tokens` and `usd` are spent by recording model usage (`recordUsage`); a caller reserves an
 *   estimate of the next piece of work (see `estimateCost`) so work that would not fit is not
 *   started, and releases it afterwards.
 * Work re-done after a retry or crash (`redone`) is recorded apart from first attempts and is
 * not charged to the grant: a crash must not change where a run stops, or its result.
 */

export const BUDGET_UNITS = ['metricCalls', 'iterations', 'tokens', 'usd'] as const;
export type BudgetUnit = (typeof BUDGET_UNITS)[number];

export interface Grant { amount: number; unit: BudgetUnit }

/** Model usage of one kind (first attempts or re-done work) for one holder and model. */
export interface ModelUsage {
  /** Task-model calls (rollouts). */
  calls: number;
  reflectionCalls: number;
  inputTokens: number;
  outputTokens: number;
  /** Hidden reasoning tokens, a part of outputTokens (billed as output); absent when none. */
  reasoningTokens?: number;
  usd: number;
}

export interface HolderAccount {
  grant: Grant | null;
  /** Held for work in flight, in the grant's unit. */
  reserved: number;
  /** Metric calls (rollouts) made for the first time. */
  metricCalls: number;
  /** Rollouts that had to be repeated after a retry or crash. */
  redoneMetricCalls: number;
  /** Rollouts answered from the optimizer's score cache: no call, no cost. */
  cacheHits: number;
  iterations: number;
  byModel: Record<string, { first: ModelUsage; redone: ModelUsage }>;
}

export interface Ledger { accounts: Record<string, HolderAccount> }

export type ReserveOutcome =
  | { ok: true }
  | { ok: false; requested: number; available: number; unit: BudgetUnit };

/** A usage report from whoever made the model call. */
export interface UsageRecord {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Reasoning tokens inside outputTokens (reasoning models). */
  reasoningTokens?: number;
  usd: number;
  /** Number of calls this record covers (default 1). */
  calls?: number;
  /** A reflection call rather than a rollout. */
  reflection?: boolean;
  /** Work repeated after a retry or crash: recorded apart, never charged to the grant. */
  redone?: boolean;
}

// Floating dollar sums must not refuse a reservation that fits up to rounding.
const USD_TOLERANCE = 1e-9;

export function createLedger(): Ledger {
  return { accounts: {} };
}

function emptyUsage(): ModelUsage {
  return { calls: 0, reflectionCalls: 0, inputTokens: 0, outputTokens: 0, usd: 0 };
}

function emptyAccount(): HolderAccount {
  return { grant: null, reserved: 0, metricCalls: 0, redoneMetricCalls: 0, cacheHits: 0, iterations: 0, byModel: {} };
}

function checkHolder(holder: string): void {
  if (typeof holder !== 'string' || holder.length === 0) throw new Error('ledger: holder must be a non-empty string');
}

function checkAmount(what: string, holder: string, n: number): void {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
    throw new Error(`ledger: ${what} for holder "${holder}" must be a finite number >= 0, got ${String(n)}`);
  }
}

/** The holder's account, created empty (no grant) on first use. */
export function account(ledger: Ledger, holder: string): HolderAccount {
  checkHolder(holder);
  let acc = ledger.accounts[holder];
  if (!acc) {
    acc = emptyAccount();
    ledger.accounts[holder] = acc;
  }
  return acc;
}

function grantedAccount(ledger: Ledger, holder: string, op: string): HolderAccount & { grant: Grant } {
  const acc = ledger.accounts[holder];
  if (!acc || !acc.grant) throw new Error(`ledger: ${op} for holder "${holder}", which has no grant`);
  return acc as HolderAccount & { grant: Grant };
}

/** Gives a holder its grant. A holder is granted once; its recorded usage so far counts against it. */
export function grant(ledger: Ledger, holder: string, amount: number, unit: BudgetUnit = 'metricCalls'): void {
  checkAmount('grant', holder, amount);
  if (!(BUDGET_UNITS as readonly string[]).includes(unit)) {
    throw new Error(`ledger: unknown budget unit "${String(unit)}" for holder "${holder}" (use ${BUDGET_UNITS.join(', ')})`);
  }
  if ((unit === 'metricCalls' || unit === 'iterations') && !Number.isInteger(amount)) {
    throw new Error(`ledger: a grant in ${unit} must be a whole number, got ${amount} for holder "${holder}"`);
  }
  const acc = account(ledger, holder);
  if (acc.grant) throw new Error(`ledger: holder "${holder}" already has a grant of ${acc.grant.amount} ${acc.grant.unit}`);
  acc.grant = { amount, unit };
}

function totals(acc: HolderAccount, which: 'first' | 'redone'): ModelUsage {
  const t = emptyUsage();
  for (const m of Object.values(acc.byModel)) {
    const u = m[which];
    t.calls += u.calls;
    t.reflectionCalls += u.reflectionCalls;
    t.inputTokens += u.inputTokens;
    t.outputTokens += u.outputTokens;
    addReasoning(t, u.reasoningTokens);
    t.usd += u.usd;
  }
  return t;
}

/** What the holder has spent, in `unit` (default: its grant's unit), first attempts only. */
export function spentIn(acc: HolderAccount, unit: BudgetUnit): number {
  switch (unit) {
    case 'metricCalls': return acc.metricCalls;
    case 'iterations': return acc.iterations;
    case 'tokens': { const t = totals(acc, 'first'); return t.inputTokens + t.outputTokens; }
    case 'usd': return totals(acc, 'first').usd;
  }
}

/** Room left in the grant after spend and reservations (Infinity when the holder has no grant). */
export function available(ledger: Ledger, holder: string): number {
  const acc = account(ledger, holder);
  if (!acc.grant) return Infinity;
  return acc.grant.amount - spentIn(acc, acc.grant.unit) - acc.reserved;
}

/** Holds `n` (in the grant's unit) for work about to start; refuses when it would not fit. */
export function reserve(ledger: Ledger, holder: string, n: number): ReserveOutcome {
  checkAmount('reserve', holder, n);
  const acc = grantedAccount(ledger, holder, 'reserve');
  const room = acc.grant.amount - spentIn(acc, acc.grant.unit) - acc.reserved;
  const tolerance = acc.grant.unit === 'usd' ? USD_TOLERANCE : 0;
  if (n > room + tolerance) return { ok: false, requested: n, available: Math.max(0, room), unit: acc.grant.unit };
  acc.reserved += n;
  return { ok: true };
}

/** Turns `n` of a reservation into spend (metricCalls and iterations grants only). */
export function spend(ledger: Ledger, holder: string, n: number): void {
  checkAmount('spend', holder, n);
  const acc = grantedAccount(ledger, holder, 'spend');
  const unit = acc.grant.unit;
  if (unit !== 'metricCalls' && unit !== 'iterations') {
    throw new Error(`ledger: holder "${holder}" is granted ${unit}, which is spent by recording usage, not by spend()`);
  }
  if (n > acc.reserved) {
    throw new Error(`ledger: holder "${holder}" spends ${n} ${unit} but holds only ${acc.reserved} reserved`);
  }
  acc.reserved -= n;
  if (unit === 'metricCalls') acc.metricCalls += n;
  else acc.iterations += n;
}

/** Gives back `n` of a reservation that was not used. */
export function release(ledger: Ledger, holder: string, n: number): void {
  checkAmount('release', holder, n);
  const acc = grantedAccount(ledger, holder, 'release');
  if (n > acc.reserved + USD_TOLERANCE) {
    throw new Error(`ledger: holder "${holder}" releases ${n} but holds only ${acc.reserved} reserved`);
  }
  acc.reserved = Math.max(0, acc.reserved - n);
}

/** Gives back the holder's whole reservation. */
export function releaseAll(ledger: Ledger, holder: string): void {
  const acc = account(ledger, holder);
  acc.reserved = 0;
}

/**
 * Records metric calls made outside a reservation: for holders granted in another unit, or
 * re-done work. A holder granted in metricCalls must reserve and `spend` its first attempts.
 */
export function recordMetricCalls(ledger: Ledger, holder: string, n: number, opts: { redone?: boolean } = {}): void {
  checkAmount('metric calls', holder, n);
  const acc = account(ledger, holder);
  if (opts.redone) {
    acc.redoneMetricCalls += n;
    return;
  }
  if (acc.grant?.unit === 'metricCalls') {
    throw new Error(`ledger: holder "${holder}" is granted metric calls: reserve and spend them instead of recording`);
  }
  acc.metricCalls += n;
}

/** Records iterations done outside a reservation (holders not granted in iterations). */
export function recordIterations(ledger: Ledger, holder: string, n: number): void {
  checkAmount('iterations', holder, n);
  const acc = account(ledger, holder);
  if (acc.grant?.unit === 'iterations') {
    throw new Error(`ledger: holder "${holder}" is granted iterations: reserve and spend them instead of recording`);
  }
  acc.iterations += n;
}

export function recordCacheHits(ledger: Ledger, holder: string, n: number): void {
  checkAmount('cache hits', holder, n);
  account(ledger, holder).cacheHits += n;
}

// Only models that reason carry the field, so ledgers of other models keep their old shape.
function addReasoning(into: ModelUsage, tokens: number | undefined): void {
  if (tokens && tokens > 0) into.reasoningTokens = (into.reasoningTokens ?? 0) + tokens;
}

/** Records one model usage report (rollout or reflection, first attempt or re-done). */
export function recordUsage(ledger: Ledger, holder: string, usage: UsageRecord): void {
  if (typeof usage.model !== 'string' || usage.model.length === 0) {
    throw new Error(`ledger: usage for holder "${holder}" needs a model name`);
  }
  const calls = usage.calls ?? 1;
  checkAmount(`calls of ${usage.model}`, holder, calls);
  checkAmount(`input tokens of ${usage.model}`, holder, usage.inputTokens);
  checkAmount(`output tokens of ${usage.model}`, holder, usage.outputTokens);
  checkAmount(`usd of ${usage.model}`, holder, usage.usd);
  const acc = account(ledger, holder);
  let m = acc.byModel[usage.model];
  if (!m) {
    m = { first: emptyUsage(), redone: emptyUsage() };
    acc.byModel[usage.model] = m;
  }
  const u = usage.redone ? m.redone : m.first;
  if (usage.reflection) u.reflectionCalls += calls;
  else u.calls += calls;
  u.inputTokens += usage.inputTokens;
  u.outputTokens += usage.outputTokens;
  addReasoning(u, usage.reasoningTokens);
  u.usd += usage.usd;
  if (usage.redone && !usage.reflection) acc.redoneMetricCalls += calls;
}

/**
 * Estimated cost of `metricCalls` more rollouts in a tokens or usd grant: the mean cost per
 * metric call so far (reflection included) times the calls. Zero before anything was spent.
 */
export function estimateCost(acc: HolderAccount, unit: 'tokens' | 'usd', metricCalls: number): number {
  if (acc.metricCalls === 0) return 0;
  return (spentIn(acc, unit) / acc.metricCalls) * metricCalls;
}

/**
 * Adds a finished stage's account (from its own ledger) to `holder` here: how a central ledger
 * takes in what a stage spent. Refuses when that would exceed the holder's grant here.
 */
export function absorb(ledger: Ledger, holder: string, stage: HolderAccount): void {
  const acc = account(ledger, holder);
  if (acc.grant && (acc.grant.unit === 'metricCalls' || acc.grant.unit === 'iterations')) {
    const added = acc.grant.unit === 'metricCalls' ? stage.metricCalls : stage.iterations;
    const spent = spentIn(acc, acc.grant.unit) + added;
    if (spent + acc.reserved > acc.grant.amount) {
      throw new Error(`ledger: holder "${holder}" would spend ${spent} ${acc.grant.unit}, over its grant of ${acc.grant.amount}`);
    }
  }
  acc.metricCalls += stage.metricCalls;
  acc.redoneMetricCalls += stage.redoneMetricCalls;
  acc.cacheHits += stage.cacheHits;
  acc.iterations += stage.iterations;
  for (const [model, m] of Object.entries(stage.byModel)) {
    let mine = acc.byModel[model];
    if (!mine) {
      mine = { first: emptyUsage(), redone: emptyUsage() };
      acc.byModel[model] = mine;
    }
    addUsage(mine.first, m.first);
    addUsage(mine.redone, m.redone);
  }
}

export interface AccountSummary {
  holder: string;
  grant: Grant | null;
  /** Spend in the grant's unit (first attempts), null without a grant. */
  spentOfGrant: number | null;
  reserved: number;
  metricCalls: number;
  redoneMetricCalls: number;
  cacheHits: number;
  iterations: number;
  /** First attempts, all models. */
  first: ModelUsage;
  /** Re-done work, all models. */
  redone: ModelUsage;
  byModel: Array<{ model: string; first: ModelUsage; redone: ModelUsage }>;
}

export interface LedgerSummary {
  holders: AccountSummary[];
  /** Every holder's counts added up. */
  totals: Omit<AccountSummary, 'holder' | 'grant' | 'spentOfGrant' | 'reserved'>;
}

function addUsage(into: ModelUsage, u: ModelUsage): void {
  into.calls += u.calls;
  into.reflectionCalls += u.reflectionCalls;
  into.inputTokens += u.inputTokens;
  into.outputTokens += u.outputTokens;
  addReasoning(into, u.reasoningTokens);
  into.usd += u.usd;
}

export function summarizeAccount(holder: string, acc: HolderAccount): AccountSummary {
  return {
    holder,
    grant: acc.grant ? { ...acc.grant } : null,
    spentOfGrant: acc.grant ? spentIn(acc, acc.grant.unit) : null,
    reserved: acc.reserved,
    metricCalls: acc.metricCalls,
    redoneMetricCalls: acc.redoneMetricCalls,
    cacheHits: acc.cacheHits,
    iterations: acc.iterations,
    first: totals(acc, 'first'),
    redone: totals(acc, 'redone'),
    byModel: Object.keys(acc.byModel).sort().map((model) => ({
      model,
      first: { ...acc.byModel[model].first },
      redone: { ...acc.byModel[model].redone },
    })),
  };
}

/** Per holder (in the order they were first used) and totals over all holders and per model. */
export function summarizeLedger(ledger: Ledger): LedgerSummary {
  const holders = Object.keys(ledger.accounts).map((h) => summarizeAccount(h, ledger.accounts[h]));
  const first = emptyUsage();
  const redone = emptyUsage();
  const perModel = new Map<string, { first: ModelUsage; redone: ModelUsage }>();
  let metricCalls = 0;
  let redoneMetricCalls = 0;
  let cacheHits = 0;
  let iterations = 0;
  for (const h of holders) {
    metricCalls += h.metricCalls;
    redoneMetricCalls += h.redoneMetricCalls;
    cacheHits += h.cacheHits;
    iterations += h.iterations;
    addUsage(first, h.first);
    addUsage(redone, h.redone);
    for (const m of h.byModel) {
      let t = perModel.get(m.model);
      if (!t) {
        t = { first: emptyUsage(), redone: emptyUsage() };
        perModel.set(m.model, t);
      }
      addUsage(t.first, m.first);
      addUsage(t.redone, m.redone);
    }
  }
  const byModel = [...perModel.keys()].sort().map((model) => ({ model, ...perModel.get(model)! }));
  return { holders, totals: { metricCalls, redoneMetricCalls, cacheHits, iterations, first, redone, byModel } };
}
