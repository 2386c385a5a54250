/** `lsl plan`: the dry-run plan as a readable text report. */
import { pct, pts, type ExperimentPlan, type PlannedStage, type PlanTotals, type PowerPlan, type StartsFrom } from '../core/experiment';
import { formatAmount, formatCount, formatUsd } from '../core/budget';
import { columns } from './progress';

function startText(s: PlannedStage): string {
  const labels: Record<StartsFrom, string> = {
    seed: 'seed',
    'base-state': 'base state',
    'base-best': 'best of base',
    'previous-stage': `best of ${s.after}`,
    'teacher-seed': `teacher seed (teacher ${s.teacher})`,
  };
  return labels[s.startsFrom];
}

function totalsLine(label: string, t: PlanTotals): string {
  return `${label}: ${formatCount(t.modelCalls)} model calls (${formatCount(t.metricCalls)} metric calls, `
    + `${formatCount(t.reflectionCalls)} reflections, ${formatCount(t.evaluationCalls)} test calls`
    + `${t.analysisCalls ? `, ${formatCount(t.analysisCalls)} transfer calls` : ''}`
    + `${t.teacherCalls ? `, ${formatCount(t.teacherCalls)} teacher calls` : ''}), `
    + `${formatCount(t.inputTokens)} input + ${formatCount(t.outputTokens)} output tokens, ${formatUsd(t.usd)}`;
}

/** The plan as a readable text report. */
export function renderPlan(plan: ExperimentPlan): string {
  const out: string[] = [];
  const budget = `B1 = ${formatAmount(plan.b1, plan.unit)}, B2 = ${formatAmount(plan.b2, plan.unit)}`;
  out.push(`Plan for ${plan.experimentId} (task ${plan.task}; ${plan.repeats} repeat${plan.repeats === 1 ? '' : 's'}; ${budget})`);
  out.push(`splits: train ${plan.splits.train}, val ${plan.splits.val}, test ${plan.splits.test} (seed ${plan.splits.seed}); `
    + `minibatch b = ${plan.minibatchSize}; ${plan.reflectionsPerIteration} reflection(s) per iteration`);
  out.push(`models: large = ${plan.models.large}, small = ${plan.models.small}`);
  out.push('');
  out.push('Optimization stages (per repeat; upper bounds, see below)');
  out.push(...columns(
    ['stage', 'arm', 'model', 'reflector', 'starts from', 'grant', 'iterations', 'metric calls', 'reflections', 'tokens in', 'tokens out', 'usd', ''],
    plan.stages.map((s) => [
      s.stage, s.arm, s.taskModel, s.reflector, startText(s),
      plan.unit === 'usd' ? formatUsd(s.grant) : formatCount(s.grant),
      formatCount(s.iterations), formatCount(s.metricCalls), formatCount(s.reflectionCalls),
      formatCount(s.inputTokens), formatCount(s.outputTokens), formatUsd(s.usd), s.fits ? '' : 'DOES NOT FIT',
    ]),
    [false, false, false, false, false, true, true, true, true, true, true, true, false],
  ));
  out.push('');
  out.push(`Test evaluation (per repeat; ${plan.splits.test} problems x K = ${plan.samples})`);
  out.push(...columns(
    ['arm', 'model', 'calls', 'tokens in', 'tokens out', 'usd'],
    plan.evaluation.map((e) => [e.arm, e.model, formatCount(e.calls), formatCount(e.inputTokens), formatCount(e.outputTokens), formatUsd(e.usd)]),
    [false, false, true, true, true, true],
  ));
  out.push('');
  const transfers = plan.stages.filter((s) => s.transferModel !== null && s.transferCalls > 0);
  if (transfers.length) {
    out.push(`Transfer scoring (per repeat; analysis spend, not any stage's budget; at most: each candidate a stage's metric calls can pay to accept x |V| = ${plan.splits.val})`);
    out.push(...columns(
      ['stage', 'scored on', 'calls'],
      transfers.map((s) => [s.stage, s.transferModel!, formatCount(s.transferCalls)]),
      [false, false, true],
    ));
    out.push('');
  }
  out.push(`By model (${plan.repeats === 1 ? 'the repeat' : `all ${plan.repeats} repeats`})`);
  out.push(...columns(
    ['model', 'rollouts', 'reflections', 'tokens in', 'tokens out', 'usd'],
    plan.byModel.map((m) => [
      m.simulated ? `${m.model} (simulated)` : m.model, formatCount(m.rollouts), formatCount(m.reflections),
      formatCount(m.inputTokens), formatCount(m.outputTokens), formatUsd(m.usd),
    ]),
    [false, true, true, true, true, true],
  ));
  out.push('');
  out.push(totalsLine('Total per repeat', plan.perRepeat));
  if (plan.repeats > 1) out.push(totalsLine(`Total for ${plan.repeats} repeats`, plan.total));
  if (plan.notes.length) {
    out.push('');
    out.push('Notes:');
    for (const note of plan.notes) out.push(`- ${note}`);
  }
  const e = plan.estimates;
  out.push('');
  out.push(`Estimates: a rollout ~ ${e.messageOverheadTokens + e.instructionTokens + e.meanQuestionTokens} input + ${e.meanOutputTokens} output tokens `
    + `(instruction ${e.instructionTokens}, question ${e.meanQuestionTokens}); a reflection ~ `
    + `${e.messageOverheadTokens + e.reflectionTemplateTokens + e.instructionTokens + plan.minibatchSize * (e.meanQuestionTokens + e.meanOutputTokens + e.feedbackTokens)}`
    + ` input + ${e.reflectionOutputTokens} output tokens.`);
  out.push('Iterations count each as evaluating its child and rejecting it (2b metric calls + its reflections): the most reflections a grant allows; '
    + (plan.unit === 'iterations'
      ? 'metric calls count every child as accepted (2b + |V| each, plus merges), an upper bound.'
      : 'metric calls never exceed the grant (the ledger enforces it).'));
  return out.join('\n') + '\n';
}

/** The plan's power lines. */
export function renderPowerPlan(p: PowerPlan): string {
  const out: string[] = [];
  const head = `Power (${p.primary.a} − ${p.primary.b} on ${p.primary.model}; exact McNemar, paired, α = ${p.alpha}, ${p.power * 100}% power, `
    + `discordance ${pct(p.discordance)}, ${p.discordanceSource}): `;
  out.push(head + (p.minDetectable === null ? `no difference is detectable with ${p.n} test problems` : `smallest detectable difference ${pts(p.minDetectable)} with ${p.n} test problems per run`)
    + (p.pooledMinDetectable !== null ? `; ${pts(p.pooledMinDetectable)} pooling ${p.repeats} repeats (if they were independent draws of problems)` : ''));
  if (p.warning) out.push(`WARNING: ${p.warning}`);
  return out.join('\n') + '\n';
}
