/** GSM8K (Cobbe et al. 2021): grade-school word problems with a `#### N` final answer. */
import { datasetFile, memoLoad, readJsonl } from './files';
import { gradeNumeric } from './numeric';
import type { ChatMessage, DataSplit, Task, TaskExample } from './types';

interface Gsm8kRow { question: string; answer: string }

export function gsm8kGold(answer: string): string {
  return (answer.split('#### ').pop() ?? '').replace(/,/g, '').trim();
}

const load = memoLoad(async (dir: string, pool: string): Promise<TaskExample[]> => {
  const file = datasetFile(dir, `gsm8k/${pool}.jsonl`);
  const rows = await readJsonl<Gsm8kRow>(file);
  return rows.map((r, i) => ({
    id: `gsm8k-${pool}-${i}`,
    question: r.question,
    gold: gsm8kGold(r.answer),
    meta: { solution: r.answer },
  }));
});

/** The instruction goes in the system message; the problem alone in the user message. */
export function instructionMessages(instruction: string, userText: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instruction.trim()) messages.push({ role: 'system', content: instruction });
  messages.push({ role: 'user', content: userText });
  return messages;
}

export const gsm8kTask: Task = {
  name: 'gsm8k',
  kind: 'math',
  answerFormat: 'end with a line "#### <number>"',
  files: ['gsm8k/train.jsonl', 'gsm8k/test.jsonl'],
  separatePools: true,
  load: (dir: string, pool: DataSplit) => load(dir, pool),
  buildMessages: (instruction, ex) => instructionMessages(instruction, ex.question),
  grade: async (output, ex) => gradeNumeric(output, ex.gold),
};
