/**
 * Per-problem instruction requests (WST's teacher), through the real client: recognised by their
 * generic shape in other wordings too, answered with an instruction for that one problem that
 * carries the rules the teacher's own prompt states where they apply, the same on every rerun;
 * a task call whose instruction merely mentions instructions stays a task call.
 */
import type OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { DEFAULT_TEACHER_PROMPT } from '../src/core/experiment';
import { WORLDS } from '../src/sim/world';
import { covers } from '../src/sim/world/rulebook';
import { normalizeText } from '../src/sim/text';
import { datasetsDir } from '../src/paths';
import { gsm8kTask } from '../src/tasks/gsm8k';
import type { TaskExample } from '../src/tasks/types';
import { ask, simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let problems: TaskExample[];

beforeAll(async () => {
  sim = await startTestSimulator();
  client = simClient(sim);
  problems = await gsm8kTask.load(datasetsDir(), 'test');
});
afterAll(() => sim.close());

const trapsOf = (ex: TaskExample) => WORLDS.numeric.analyze({ task: 'gsm8k', kind: 'numeric', example: ex }).traps;
const teach = (prompt: string, ex: TaskExample) => ask(client, 'sim-small', [{ role: 'system', content: prompt }, { role: 'user', content: ex.question }]);
const totals = () => sim.stats().totals;

test('the teacher writes an instruction for the problem, not an answer, and the same one on a rerun', async () => {
  const ex = problems[0];
  const before = totals();
  const out = await teach(DEFAULT_TEACHER_PROMPT, ex);
  expect(totals().teachingCalls).toBe(before.teachingCalls + 1);
  expect(totals().taskCalls).toBe(before.taskCalls);
  // An instruction (it may state the answer format), not a worked answer.
  expect(out).not.toMatch(new RegExp(`####\\s*${ex.gold}\\b`));
  expect(out.split('\n')[0]).toMatch(/^Solve the word problem/);
  expect(out.length).toBeGreaterThan(10);
  expect(await teach(DEFAULT_TEACHER_PROMPT, ex)).toBe(out);
});

test("rules the teacher's prompt states are carried where the problem has that pitfall, and only there", async () => {
  const withTrap = problems.filter((p) => trapsOf(p).length > 0).slice(0, 5);
  expect(withTrap.length).toBeGreaterThan(0);
  for (const ex of withTrap) {
    const trap = trapsOf(ex)[0];
    const out = normalizeText(await teach(`${DEFAULT_TEACHER_PROMPT}\n- ${trap.rule}`, ex));
    expect(covers(out, trap)).toBe(true);
  }
  // A rule for a pitfall the problem does not have stays out of its instruction.
  const all = WORLDS.numeric.traps;
  const ex = withTrap[0];
  const absent = all.find((t) => !trapsOf(ex).some((x) => x.name === t.name))!;
  const out = normalizeText(await teach(`${DEFAULT_TEACHER_PROMPT}\n- ${absent.rule}`, ex));
  expect(covers(out, absent)).toBe(false);
});

test('other wordings of the request are recognised; a task prompt that mentions instructions is still a task call', async () => {
  const ex = problems[1];
  const before = totals();
  await teach('Give a few hints to a student who will solve the following question. Do not give away the answer.', ex);
  await ask(client, 'sim-small', [{ role: 'user', content: `Provide guidance for another model that will solve this problem:\n\n${ex.question}` }]);
  expect(totals().teachingCalls).toBe(before.teachingCalls + 2);
  const answer = await ask(client, 'sim-small', [{ role: 'system', content: 'Follow the instructions carefully and solve the problem. Give the final answer as #### <number>.' }, { role: 'user', content: ex.question }]);
  expect(totals().teachingCalls).toBe(before.teachingCalls + 2);
  expect(totals().taskCalls).toBe(before.taskCalls + 1);
  expect(answer.length).toBeGreaterThan(0);
});
