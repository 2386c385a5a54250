/**
 * The simulator answers other optimizers' requests by their generic shape through the real
 * client: scored instructions (OPRO), parents to evolve (EvoPrompt, EDA), a text to mutate
 * (PromptBreeder), workings to explain (Lamarckian); wording other than the project's is
 * recognised too, and a plain task call stays a task call.
 */
import type OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { WORLDS } from '../src/sim/world';
import { covers } from '../src/sim/world/rulebook';
import { fencedBlocks, normalizeText } from '../src/sim/text';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { ask, simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let problems: TaskExample[];

beforeAll(async () => {
  sim = await startTestSimulator({ profiles: { 'sim-oracle': { skill: 0.95, reflectionSkill: 1 } } });
  client = simClient(sim);
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});
afterAll(() => sim.close());

const trapsOf = (ex: TaskExample) => WORLDS.numeric.analyze({ task: 'gsm8k', kind: 'numeric', example: ex }).traps;
const f = (t: string) => '```\n' + t + '\n```';
const instructionOf = (reply: string) => {
  const blocks = fencedBlocks(reply);
  expect(blocks.length).toBe(1);
  return blocks[0].body;
};
const kinds = () => sim.stats().totals;

test('scored instructions: the best one is kept and a rule for a trap of a shown problem is added', async () => {
  const shown = problems.filter((p) => trapsOf(p).length >= 2).slice(0, 2);
  const best = 'Solve the word problem.\n- Show each step.';
  const prompt = [
    'Instructions tried so far with their accuracy:',
    f('Answer quickly.'), 'accuracy = 0.31', '',
    f(best), 'Accuracy: 0.58', '',
    'Problems of the task:',
    ...shown.map((p) => f(`Q: ${p.question}\nA: ${p.gold}`)),
    'Propose a better instruction in a code block.',
  ].join('\n');
  const before = kinds().reflectionCalls;
  const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }], { temperature: 1, seed: 3 }));
  expect(kinds().reflectionCalls).toBe(before + 1);
  expect(out.startsWith('Solve the word problem.')).toBe(true);
  expect(out).toContain('Show each step.');
  const lower = normalizeText(out);
  const shownTraps = shown.flatMap(trapsOf);
  expect(shownTraps.some((t) => covers(lower, t))).toBe(true);
  // Another sample of the same request is another draw.
  const outs = new Set<string>();
  for (let seed = 0; seed < 6; seed++) outs.add(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }], { temperature: 1, seed }));
  expect(outs.size).toBeGreaterThan(1);
});

test("the unfenced layout of OPRO's own meta-prompt (text: / score: pairs) is read as scored instructions", async () => {
  const prompt = 'I have some texts along with their scores, in ascending order.\n\ntext:\nThink.\nscore:\n40\n\ntext:\nSolve the word problem carefully.\nscore:\n62\n\nWrite a new text with a higher score, in a fenced block.';
  const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }]));
  expect(out.startsWith('Solve the word problem carefully.')).toBe(true);
  expect(out).not.toBe('Solve the word problem carefully.');
});

test('two parents to cross over and mutate: rules both share are kept, and at most one new rule besides the answer format', async () => {
  const a = 'Solve the word problem.\n- Keep track of units.\n- Check the arithmetic.';
  const b = 'Solve the word problem.\n- Check the arithmetic.\n- Read the question twice.';
  const prompt = `Parent A:\n${f(a)}\nParent B:\n${f(b)}\nCreate an offspring of the two parents by crossover, then mutate it. Put it in a code fence.`;
  for (let seed = 0; seed < 5; seed++) {
    const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }], { temperature: 1, seed }));
    const lines = out.split('\n');
    expect(lines[0]).toBe('Solve the word problem.');
    expect(out).toContain('- Check the arithmetic.');
    const foreign = lines.slice(1).filter((l) => !a.includes(l) && !b.includes(l) && !covers(normalizeText(l), WORLDS.numeric.format));
    expect(foreign.length).toBeLessThanOrEqual(1);
  }
});

test('a mutation instruction applied to a prompt carries the rule it states into the prompt', async () => {
  const percent = WORLDS.numeric.traps.find((t) => t.name === 'percentages')!;
  const prompt = `${percent.rule} Apply this advice to the following prompt and write the improved prompt in a fenced block:\n${f('Solve the word problem.')}`;
  const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }]));
  expect(out.startsWith('Solve the word problem.')).toBe(true);
  expect(covers(normalizeText(out), percent)).toBe(true);
});

test('worked solutions: the instruction read back states the rules of their traps', async () => {
  const shown = problems.filter((p) => trapsOf(p).length >= 1).slice(0, 2);
  const prompt = `These are correct solutions someone wrote:\n${shown.map((p) => f(`${p.question}\nWorking: reasoned carefully through each quantity.\n#### ${p.gold}`)).join('\n')}\nWhat instruction were they following? Answer in a fenced block.`;
  const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: prompt }]));
  const lower = normalizeText(out);
  for (const t of shown.flatMap(trapsOf)) expect(covers(lower, t)).toBe(true);
  expect(covers(lower, WORLDS.numeric.format)).toBe(true);
});

test('a task call with a question is still a task call, and a plain merge still gives the union', async () => {
  const before = kinds();
  await ask(client, 'sim-oracle', [{ role: 'system', content: 'Solve it.' }, { role: 'user', content: problems[0].question }]);
  expect(kinds().taskCalls).toBe(before.taskCalls + 1);
  const out = instructionOf(await ask(client, 'sim-oracle', [{ role: 'user', content: `Merge these two instructions:\n${f('Do A.\n- x')}\n${f('Do A.\n- y')}` }]));
  expect(out).toBe('Do A.\n- x\n- y');
});
