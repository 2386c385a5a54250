/**
 * The simulator against the project's real MATH-500 and HumanEval tasks: their own message
 * builders, and their real graders (the LaTeX-aware math grader, the Python sandbox) decide.
 */
import type OpenAI from 'openai';
import type { RunningSimulator } from '../src/sim';
import { datasetsDir } from '../src/paths';
import { getTask } from '../src/tasks/registry';
import type { Grade, Task, TaskExample } from '../src/tasks/types';
import { simClient, startTestSimulator } from './helpers/sim';

let sim: RunningSimulator;
let client: OpenAI;
let math: Task;
let humaneval: Task;

beforeAll(async () => {
  sim = await startTestSimulator({ tasks: ['math500', 'humaneval'] });
  client = simClient(sim);
  math = getTask('math500');
  humaneval = getTask('humaneval');
});
afterAll(() => sim.close());

async function reply(task: Task, model: string, instruction: string, ex: TaskExample): Promise<string> {
  const r = await client.chat.completions.create({ model, temperature: 0, messages: task.buildMessages(instruction, ex) });
  return r.choices[0].message.content ?? '';
}

test('MATH-500: sim-large beats sim-small under the real grader; asking for \\boxed{} matters', async () => {
  const problems = (await math.load(datasetsDir(), 'test')).slice(0, 80);
  const boxed = 'Solve the problem. Put the final answer in \\boxed{}.';
  const score = async (model: string, instruction: string) => {
    const outputs = await Promise.all(problems.map((ex) => reply(math, model, instruction, ex)));
    const grades = await Promise.all(outputs.map((o, i) => math.grade(o, problems[i])));
    return { total: grades.reduce((a, g) => a + g.score, 0), outputs, grades };
  };
  const large = await score('sim-large', boxed);
  const small = await score('sim-small', boxed);
  expect(large.total).toBeGreaterThan(small.total + 8);
  expect(large.total / problems.length).toBeGreaterThan(0.5);
  // Some correct answers use an equivalent form, and the grader accepts them.
  const equivalent = large.grades.filter((g, i) => g.score === 1 && g.extracted !== problems[i].gold.trim());
  expect(equivalent.length).toBeGreaterThan(0);
  const unasked = await score('sim-small', 'Solve the problem.');
  const boxedShare = (outs: string[]) => outs.filter((o) => o.includes('\\boxed{')).length;
  expect(boxedShare(small.outputs)).toBeGreaterThan(boxedShare(unasked.outputs) + 15);
});

test('HumanEval: a reply that is the reference passes the sandbox; wrong replies are mutants it judges', async () => {
  const problems = (await humaneval.load(datasetsDir(), 'test')).slice(0, 24);
  const instruction = 'Write the requested Python function. Return the complete function in a python code block.';
  const outputs = await Promise.all(problems.map((ex) => reply(humaneval, 'sim-small', instruction, ex)));
  const grades: Grade[] = [];
  for (let i = 0; i < problems.length; i++) grades.push(await humaneval.grade(outputs[i], problems[i]));
  const code = (o: string) => /```python\n([\s\S]*?)\n```/.exec(o)?.[1] ?? null;
  const isReference = outputs.map((o, i) => code(o) === problems[i].gold.replace(/\r\n?/g, '\n').trimEnd());
  expect(isReference.filter(Boolean).length).toBeGreaterThan(3);
  expect(isReference.filter((x) => !x).length).toBeGreaterThan(3);
  isReference.forEach((ref, i) => {
    if (ref) expect([problems[i].id, grades[i].score]).toEqual([problems[i].id, 1]);
  });
  // Most mutants fail the real tests.
  const mutantScores = grades.filter((_, i) => !isReference[i]).map((g) => g.score);
  expect(mutantScores.filter((s) => s === 0).length).toBeGreaterThan(mutantScores.length / 2);
});
