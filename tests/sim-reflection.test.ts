/**
 * Reflection and merge calls through the real client: the reflector keeps the old rules, adds
 * rule sentences for the traps of failed examples it recognises (right with probability
 * reflectionSkill), adds the format rule when feedback blames the format, and answers in a
 * fenced block; merges give the union of two instructions' rules.
 */
import type OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { WORLDS } from '../src/sim/world';
import { covers } from '../src/sim/world/rulebook';
import { parseReflection as readRequest } from '../src/sim/reflection';
import { fencedBlocks, normalizeText } from '../src/sim/text';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { ask, simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let problems: TaskExample[];

beforeAll(async () => {
  sim = await startTestSimulator({
    profiles: {
      'sim-oracle': { skill: 0.95, reflectionSkill: 1 },
      'sim-clueless': { skill: 0.3, reflectionSkill: 0 },
    },
  });
  client = simClient(sim);
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});
afterAll(() => sim.close());

const trapsOf = (ex: TaskExample) => WORLDS.numeric.analyze({ task: 'gsm8k', kind: 'numeric', example: ex }).traps;

interface Shown { ex: TaskExample; output: string; feedback: string }

/** A reflection prompt in the shape GEPA's template has: instruction block, then examples block. */
function reflectionPrompt(instruction: string, shown: Shown[], fenceLen = 3): string {
  const f = '`'.repeat(fenceLen);
  const examples = shown.map((s, i) => `### Example ${i + 1}\nInput: ${s.ex.question}\nOutput: ${s.output}\nFeedback: ${s.feedback}`).join('\n\n');
  return `I gave an assistant this instruction:\n${f}\n${instruction}\n${f}\n\nHere are inputs, its outputs and feedback:\n${f}\n${examples}\n${f}\n\nWrite a better instruction for the assistant. Put it in a fenced block.`;
}

function newInstruction(reply: string): string {
  const blocks = fencedBlocks(reply);
  expect(blocks.length).toBe(1);
  return blocks[0].body;
}

const OLD = 'Solve the math word problem.\n- Show your work.';
const failing = (ex: TaskExample): Shown => ({ ex, output: `#### ${Number(ex.gold) + 1}`, feedback: `incorrect: expected ${ex.gold}, extracted ${Number(ex.gold) + 1}` });
const passing = (ex: TaskExample): Shown => ({ ex, output: `#### ${ex.gold}`, feedback: `correct: expected ${ex.gold}, extracted ${ex.gold}` });

test('a perfect reflector keeps the old rules and adds the rule of every trap of the failed examples', async () => {
  const failed = problems.filter((ex) => trapsOf(ex).length >= 2).slice(0, 2);
  const passed = problems.filter((ex) => trapsOf(ex).some((t) => !trapsOf(failed[0]).concat(trapsOf(failed[1])).some((u) => u.name === t.name))).slice(0, 1);
  const prompt = reflectionPrompt(OLD, [failing(failed[0]), passing(passed[0]), failing(failed[1])]);
  const reply = await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }]);
  const instruction = newInstruction(reply);
  expect(instruction.startsWith(OLD)).toBe(true);
  const lower = normalizeText(instruction);
  const failedTraps = new Set([...trapsOf(failed[0]), ...trapsOf(failed[1])].map((t) => t.name));
  for (const trap of WORLDS.numeric.traps) {
    // Exactly the failed examples' traps are covered (the passing example's other traps are not).
    expect([trap.name, covers(lower, trap)]).toEqual([trap.name, failedTraps.has(trap.name)]);
  }
  // Same prompt, same reply.
  expect(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }])).toBe(reply);
  expect(sim.stats().models['sim-oracle'].reflectionCalls).toBe(2);
});

test('a clueless reflector writes vaguer or wrong rules that cover nothing', async () => {
  const failed = problems.filter((ex) => trapsOf(ex).length >= 2).slice(2, 5);
  const reply = await ask(client, 'sim-clueless', [{ role: 'user', content: reflectionPrompt('Solve the problem.', failed.map(failing)) }]);
  const instruction = newInstruction(reply);
  expect(instruction.startsWith('Solve the problem.\n- ')).toBe(true);
  const lower = normalizeText(instruction);
  expect(WORLDS.numeric.traps.filter((t) => covers(lower, t))).toEqual([]);
  const added = instruction.split('\n').slice(1);
  const known = new Set(WORLDS.numeric.traps.flatMap((t) => [t.vagueRule, t.wrongRule]));
  for (const line of added) expect(known.has(line.replace(/^- /, ''))).toBe(true);
});

test('reflection skill decides how often the right rule is found, across many reflections', async () => {
  const failed = problems.filter((ex) => trapsOf(ex).length >= 1).slice(0, 60);
  const rate = async (model: string) => {
    let right = 0;
    let total = 0;
    for (let i = 0; i < failed.length; i += 3) {
      const batch = failed.slice(i, i + 3);
      const instruction = newInstruction(await ask(client, model, [{ role: 'user', content: reflectionPrompt('Solve it.', batch.map(failing)) }]));
      const traps = new Set(batch.flatMap((ex) => trapsOf(ex).map((t) => t.name)));
      total += traps.size;
      right += [...traps].filter((name) => covers(normalizeText(instruction), WORLDS.numeric.traps.find((t) => t.name === name)!)).length;
    }
    return right / total;
  };
  const large = await rate('sim-large');
  const small = await rate('sim-small');
  expect(large).toBeGreaterThan(0.7);
  expect(small).toBeLessThan(0.65);
  expect(large).toBeGreaterThan(small + 0.15);
});

test('feedback that blames the format adds the format rule', async () => {
  const ex = problems.find((p) => trapsOf(p).length === 0) ?? problems[1];
  const shown: Shown = { ex, output: `The answer is ${ex.gold}.`, feedback: `no final answer in the required format "#### <number>"; the last number in the output was ${ex.gold} (the right value, but not in the required format)` };
  const instruction = newInstruction(await ask(client, 'sim-oracle', [{ role: 'user', content: reflectionPrompt('Solve it.', [shown]) }]));
  expect(instruction).toContain(WORLDS.numeric.format.rule);
  // Unrecognised instance: the format is read from the feedback itself.
  const unknown: Shown = { ex: { ...ex, question: 'A question the simulator has never seen before, about nothing in particular?' }, output: 'It is 4.', feedback: 'no final answer in the required format "ANSWER: <x>"' };
  const instruction2 = newInstruction(await ask(client, 'sim-oracle', [{ role: 'user', content: reflectionPrompt('Solve it.', [unknown]) }]));
  expect(instruction2).toContain('"ANSWER: <x>"');
});

test('examples whose outputs hold fenced code are parsed when the examples block uses a longer fence', async () => {
  const ex = problems.filter((p) => trapsOf(p).length >= 1)[7];
  const shown: Shown = { ex, output: '```python\nprint(1)\n```\n#### 1', feedback: `incorrect: expected ${ex.gold}, extracted 1` };
  const instruction = newInstruction(await ask(client, 'sim-oracle', [{ role: 'user', content: reflectionPrompt('Solve it.', [shown], 4) }]));
  for (const trap of trapsOf(ex)) expect([trap.name, covers(normalizeText(instruction), trap)]).toEqual([trap.name, true]);
});

test('a merge request yields the union of both instructions\' rules', async () => {
  const a = 'Solve the problem.\n- Rule one about percentages.\n- Shared rule.';
  const b = 'Solve the problem.\n- Shared rule.\n- Rule two about unit conversion.';
  const reply = await ask(client, 'sim-large', [{ role: 'user', content: `Merge these two instructions into one.\n\`\`\`\n${a}\n\`\`\`\n\`\`\`\n${b}\n\`\`\`\nReturn the merged instruction in a fenced block.` }]);
  const merged = newInstruction(reply);
  expect(merged.split('\n')).toEqual(['Solve the problem.', '- Rule one about percentages.', '- Shared rule.', '- Rule two about unit conversion.']);
  expect(sim.stats().models['sim-large'].mergeCalls).toBe(1);
});

test("the project's own GEPA reflection template is read structurally, and its reader accepts the reply", async () => {
  // Imported here, not special-cased in the simulator: this checks the two agree on the shape only.
  const { buildReflectionPrompt, feedbackFor, parseReflection } = await import('../src/core/gepa/reflection');
  const failed = problems.filter((ex) => trapsOf(ex).length >= 2).slice(10, 12);
  const passed = problems[30];
  const records = [
    ...failed.map((ex) => ({ exampleId: ex.id, input: ex.question, output: `#### ${Number(ex.gold) + 2}`, feedback: feedbackFor(0, false, `incorrect: expected ${ex.gold}`), score: 0, passed: false })),
    { exampleId: passed.id, input: passed.question, output: `#### ${passed.gold}`, feedback: feedbackFor(1, true, `correct: expected ${passed.gold}`), score: 1, passed: true },
  ];
  const prompt = buildReflectionPrompt({ currentText: OLD, records, component: 'instruction', componentCount: 1 });
  const reply = await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }]);
  const parsed = parseReflection(reply);
  expect(parsed.ok).toBe(true);
  const text = (parsed as { ok: true; text: string }).text;
  expect(text.startsWith(OLD)).toBe(true);
  for (const trap of failed.flatMap(trapsOf)) expect([trap.name, covers(normalizeText(text), trap)]).toEqual([trap.name, true]);
});

test('a weaker reflector sometimes rewords or drops old rules; a perfect one never drops', async () => {
  const ruleTraps = WORLDS.numeric.traps.slice(0, 4);
  const old = ['Solve the problem.', ...ruleTraps.map((t) => `- ${t.rule}`)].join('\n');
  const failed = problems.filter((ex) => trapsOf(ex).length >= 1).slice(100, 160);
  let droppedAny = 0;
  let rewordedAny = 0;
  let oracleDropped = 0;
  for (let i = 0; i < failed.length; i += 3) {
    const prompt = reflectionPrompt(old, failed.slice(i, i + 3).map(failing));
    const small = newInstruction(await ask(client, 'sim-small', [{ role: 'user', content: prompt }])).split('\n');
    const oracle = newInstruction(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }])).split('\n');
    for (const t of ruleTraps) {
      const inSmall = small.includes(`- ${t.rule}`);
      if (!inSmall && small.includes(`- ${t.altRule}`)) rewordedAny++;
      else if (!inSmall) droppedAny++;
      if (!oracle.includes(`- ${t.rule}`) && !oracle.includes(`- ${t.altRule}`)) oracleDropped++;
    }
  }
  expect(rewordedAny).toBeGreaterThan(0);
  expect(droppedAny).toBeGreaterThan(0);
  expect(oracleDropped).toBe(0);
});

describe('reading a reflection request', () => {
  const tail = '\n\nNow explain the format of your reply and write the new instruction in a fenced block.';
  test('the last example ends with its block, not with the prompt text after it', () => {
    const req = readRequest(`Instruction:\n\`\`\`\nSolve it.\n\`\`\`\nExamples:\n\`\`\`\n### Example 1\nInput: a\nOutput: b\nFeedback: correct\n\n### Example 2\nInput: c\nOutput: d\nFeedback: incorrect: expected 4\n\`\`\`${tail}`);
    expect(req?.instruction).toBe('Solve it.');
    expect(req?.examples.map((e) => [e.input, e.output, e.feedback, e.passed])).toEqual([
      ['a', 'b', 'correct', true],
      ['c', 'd', 'incorrect: expected 4', false],
    ]);
  });

  test('an output whose own fence closes the examples block early: read from the rest of the text', () => {
    const req = readRequest(`\`\`\`\nSolve it.\n\`\`\`\n\`\`\`\n### Example 1\nInput: q\nOutput: \`\`\`python\nprint(1)\n\`\`\`\nFeedback: not correct (score 0): wrong\n\`\`\`${tail}`);
    expect(req?.examples).toHaveLength(1);
    expect(req?.examples[0].feedback).toBe('not correct (score 0): wrong');
    expect(req?.examples[0].passed).toBe(false);
    expect(req?.examples[0].output).toContain('print(1)');
  });

  test('not a reflection: no fenced block, or no examples with feedback', () => {
    expect(readRequest('### Example 1\nInput: a\nOutput: b\nFeedback: correct')).toBeNull();
    expect(readRequest('```\nSolve it.\n```\n### Example 1\nInput: a\nOutput: b')).toBeNull();
  });
});
