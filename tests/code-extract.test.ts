/** Finding the program in a model's answer. */
import { assembleHumanEval, extractCode, fencedBlocks, functionFromText, looksLikeBody } from '../src/tasks/code-extract';

describe('fenced blocks', () => {
  test('reads language tags, tildes, longer fences and an unclosed final block', () => {
    const text = [
      'Intro', '```Python', 'a = 1', '```', 'then', '~~~', 'b = 2', '~~~', '````py', 'c = "```"', '````', '```python', 'd = 4',
    ].join('\n');
    expect(fencedBlocks(text)).toEqual([
      { lang: 'python', body: 'a = 1', closed: true },
      { lang: '', body: 'b = 2', closed: true },
      { lang: 'py', body: 'c = "```"', closed: true },
      { lang: 'python', body: 'd = 4', closed: false },
    ]);
  });

  test('handles Windows line endings', () => {
    expect(fencedBlocks('```python\r\nx = 1\r\n```\r\n')).toEqual([{ lang: 'python', body: 'x = 1', closed: true }]);
  });
});

describe('extractCode', () => {
  test('prefers the last block that defines the entry point over a later usage example', () => {
    const answer = [
      'First try:', '```python', 'def add(a, b):', '    return a - b', '```',
      'Fixed:', '```python', 'def add(a, b):', '    return a + b', '```',
      'Usage:', '```python', 'print(add(1, 2))', '```',
    ].join('\n');
    expect(extractCode(answer, 'add')).toEqual({ code: 'def add(a, b):\n    return a + b', source: 'fenced-python' });
  });

  test('without a block defining it: the last python block, then an unlabeled one, then any', () => {
    expect(extractCode('```python\nx = 1\n```\n```\ny = 2\n```', 'f')).toEqual({ code: 'x = 1', source: 'fenced-python' });
    expect(extractCode('```text\nnot code\n```\n```\ny = 2\n```', 'f')).toEqual({ code: 'y = 2', source: 'fenced' });
    expect(extractCode('```text\nnot code\n```', 'f')).toEqual({ code: 'not code', source: 'fenced' });
  });

  test('an unlabeled block defining the function beats a python block that does not', () => {
    expect(extractCode('```\ndef f(x):\n    return x\n```\n```python\nprint(f(1))\n```', 'f'))
      .toEqual({ code: 'def f(x):\n    return x', source: 'fenced' });
  });

  test('no fence: the def block with decorators and earlier imports, prose around it dropped', () => {
    const answer = [
      'Here is my solution.', 'import math', 'from typing import List', '', '@staticmethod', 'def area(r: float,',
      '         scale: int = 1):', '    """Area."""', '', '    return math.pi * r * r * scale', '', 'It uses the formula.',
    ].join('\n');
    expect(extractCode(answer, 'area')).toEqual({
      code: 'import math\nfrom typing import List\n@staticmethod\ndef area(r: float,\n         scale: int = 1):\n    """Area."""\n\n    return math.pi * r * r * scale',
      source: 'def',
    });
    expect(functionFromText('no function here', 'area')).toBeNull();
  });

  test('an entry point name is matched exactly, not as a prefix', () => {
    expect(extractCode('def add_one(x):\n    return x + 1\n', 'add')).toBeNull();
  });

  test('a bare body counts only when allowed (HumanEval)', () => {
    const body = '    return sorted(xs)\n';
    expect(extractCode(body, 'sort_list')).toBeNull();
    expect(extractCode(body, 'sort_list', { allowBody: true })).toEqual({ code: body, source: 'body' });
    expect(extractCode('I cannot solve this.', 'f', { allowBody: true })).toBeNull();
    expect(looksLikeBody('return x')).toBe(true);
    expect(looksLikeBody('def g():\n    return 1')).toBe(false);
  });
});

describe('assembleHumanEval', () => {
  const prompt = 'from typing import List\n\n\ndef helper(x):\n    return x\n\n\ndef f(xs: List[int]) -> int:\n    """Sum."""\n';

  test('a full function follows the prompt, keeping its imports and helpers', () => {
    const r = assembleHumanEval(prompt, { code: 'def f(xs):\n    return sum(helper(x) for x in xs)', source: 'fenced-python' }, 'f');
    expect(r.assembly).toBe('prompt+function');
    expect(r.program).toBe(`${prompt}\ndef f(xs):\n    return sum(helper(x) for x in xs)\n`);
  });

  test('a body is appended to the prompt, indented when the model did not indent it', () => {
    expect(assembleHumanEval(prompt, { code: '    return 0\n', source: 'body' }, 'f').program).toBe(`${prompt}    return 0\n`);
    const fenced = assembleHumanEval(prompt, { code: 'total = sum(xs)\nreturn total', source: 'fenced-python' }, 'f');
    expect(fenced).toEqual({ program: `${prompt}    total = sum(xs)\n    return total\n`, assembly: 'prompt+body' });
  });

  test('from __future__ imports move to the top of the program', () => {
    const r = assembleHumanEval(prompt, { code: 'from __future__ import annotations\ndef f(xs):\n    return 0', source: 'fenced-python' }, 'f');
    expect(r.program.startsWith('from __future__ import annotations\nfrom typing import List\n')).toBe(true);
  });
});
