/**
 * The simulated world behaves like the research needs it to, measured through the real client
 * and graded by the real GSM8K grader: strong beats weak, stating a trap's rule helps the weak
 * model on instances with that trap, asking for the format raises the strict-format share, and
 * instructions really change outcomes. Seeded: the exact counts repeat run after run.
 */
import type OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { WORLDS } from '../src/sim/world';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import { extractStrict } from '../src/tasks/numeric';
import type { TaskExample } from '../src/tasks/types';
import { simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let problems: TaskExample[];

beforeAll(async () => {
  sim = await startTestSimulator({ worldSeed: 42 });
  client = simClient(sim);
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});
afterAll(() => sim.close());

const BASE = 'Solve the math word problem.';
const FORMAT = ' End with a final line "#### <number>".';

async function run(model: string, system: string, examples: TaskExample[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < examples.length; i += 25) {
    const batch = examples.slice(i, i + 25);
    out.push(...await Promise.all(batch.map(async (ex) => {
      const r = await client.chat.completions.create({
        model, temperature: 0, seed: 0,
        messages: [{ role: 'system', content: system }, { role: 'user', content: ex.question }],
      });
      return r.choices[0].message.content ?? '';
    })));
  }
  return out;
}

async function scores(model: string, system: string, examples: TaskExample[]): Promise<number[]> {
  const outputs = await run(model, system, examples);
  return Promise.all(outputs.map(async (o, i) => (await gsm8kTask.grade(o, examples[i])).score));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const trapsOf = (ex: TaskExample) => WORLDS.numeric.analyze({ task: 'gsm8k', kind: 'numeric', example: ex }).traps.map((t) => t.name);

test('sim-large is more accurate than sim-small on 200 GSM8K test problems (strict grading)', async () => {
  const sample = problems.slice(0, 200);
  const large = sum(await scores('sim-large', BASE + FORMAT, sample));
  const small = sum(await scores('sim-small', BASE + FORMAT, sample));
  expect(large).toBeGreaterThan(small + 40);
  expect(large / 200).toBeGreaterThan(0.7);
  expect(small / 200).toBeLessThan(0.65);
  expect(small / 200).toBeGreaterThan(0.2);
});

test("stating a trap's rule raises sim-small's accuracy on instances with that trap, and the counts repeat", async () => {
  const rule = WORLDS.numeric.traps.find((t) => t.name === 'percentages')!.rule;
  const withTrap = problems.filter((ex) => trapsOf(ex).includes('percentages'));
  expect(withTrap.length).toBeGreaterThan(100);
  const measure = async () => ({
    without: sum(await scores('sim-small', BASE + FORMAT, withTrap)),
    with: sum(await scores('sim-small', `${BASE}${FORMAT}\n- ${rule}`, withTrap)),
  });
  const first = await measure();
  const second = await measure();
  expect(second).toEqual(first);
  expect(first.with).toBeGreaterThan(first.without + 10);
});

test('asking for the format raises the share of answers the strict extraction can read', async () => {
  const sample = problems.slice(200, 350);
  const strictShare = async (system: string) => (await run('sim-small', system, sample)).filter((o) => extractStrict(o) !== null).length / sample.length;
  const unasked = await strictShare(BASE);
  const asked = await strictShare(BASE + FORMAT);
  expect(asked).toBeGreaterThan(0.9);
  expect(unasked).toBeLessThan(0.75);
  expect(asked - unasked).toBeGreaterThan(0.2);
});

test('a different instruction gives different outcomes across instances', async () => {
  const sample = problems.slice(400, 500);
  const a = await scores('sim-small', BASE + FORMAT, sample);
  const b = await scores('sim-small', `Read carefully and answer.${FORMAT}`, sample);
  const changed = a.filter((x, i) => x !== b[i]).length;
  expect(changed).toBeGreaterThan(10);
  // Same instruction again: identical outcomes.
  expect(await scores('sim-small', BASE + FORMAT, sample)).toEqual(a);
});
