/**
 * What the reflection parser takes from a weak real reflector and what it still refuses
 * (src/core/gepa/reflection.ts documents the rules). The last two rejected replies are what
 * SmolLM2-135M-Instruct wrote when asked to reflect through llama.cpp (temperature 0): it copies
 * the examples back, or comments on them; the accepted shapes are those of reflectors that do
 * give an instruction without quite keeping to the requested format.
 */
import { parseReflection } from '../src/core/gepa/reflection';

const ok = (text: string) => ({ ok: true, text });

describe('parseReflection: forgiving where the instruction is clear', () => {
  test.each([
    ['a fence with a language tag', '```markdown\nSolve it step by step.\n```', 'Solve it step by step.'],
    ['a tag after a space', '``` plaintext\nSolve.\n```', 'Solve.'],
    ['prose before and after the block', 'Sure! Here is the new instruction:\n```\nCheck units.\n```\nThis helps because units matter.', 'Check units.'],
    ['a label inside the block', '```\nNew instruction: Solve it step by step.\n```', 'Solve it step by step.'],
    ['a label on the opening fence line', '```New Instruction:\nSolve carefully.\n```', 'Solve carefully.'],
    ['a bold label line inside the block', '```\n**Revised Instruction:**\nAdd the numbers, then check.\n```', 'Add the numbers, then check.'],
    ['a block the model never closed', 'Here it is:\n```\nRead the question twice.\nShow each step.', 'Read the question twice.\nShow each step.'],
    ['no fence, a label line', '**New Instruction:**\nSolve each problem step by step.', 'Solve each problem step by step.'],
    ['no fence, a label prefix and quotes', 'New instruction: "Check your arithmetic twice."', 'Check your arithmetic twice.'],
    ['a heading label', '## Improved instruction\nWork out each quantity before combining them.\n', 'Work out each quantity before combining them.'],
  ])('%s', (_what, raw, text) => {
    expect(parseReflection(raw)).toEqual(ok(text));
  });
});

describe('parseReflection: still rejects what is not an instruction', () => {
  test.each([
    ['no fence and no label', 'The answer is 18 because 3 times 6 is 18.', 'no fenced block'],
    ['a sentence that merely mentions the instruction', 'The instruction is good. No change.', 'no fenced block'],
    ['an empty block', '```\n\n```', 'empty'],
    ['a bare number', '```\n#### 42\n```', 'no words'],
    ['the examples copied back', '```\n### Example 1\nInput: Tom has 3 apples.\nOutput: 3\nFeedback: correct\n```', 'repeats the examples'],
    ['a label with nothing after it', 'New instruction:\n', 'nothing follows'],
    ['SmolLM2: the examples copied back, unfenced', 'The assistant reads it before every task input.\n\n### Example 1\nInput: Natalia sold clips to 48 of her friends.\nOutput: 2 * 50 = 100. The answer is 100.\nFeedback: not correct (score 0): the expected answer is 72', 'no fenced block'],
    ['SmolLM2: commentary on the examples', 'The assistant uses the example of Natalia\'s sales to solve a problem. The answer is 24, not incorrect because she sold 10 * 5 = 60 hours in April.', 'no fenced block'],
  ])('%s', (_what, raw, reason) => {
    const r = parseReflection(raw);
    expect(r.ok).toBe(false);
    expect((r as { reason: string }).reason).toContain(reason);
  });
});
