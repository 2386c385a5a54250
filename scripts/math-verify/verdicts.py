#!/usr/bin/env python3
"""Records math-verify's verdict for every (gold, prediction) pair: the reference our grader is
checked against (tests/math-verify-agreement.test.ts).

Both sides are given to math-verify as a model would write them, `$\\boxed{...}$`, parsed with
its default extraction (LaTeX and plain expressions) and compared with `verify(gold, answer)`.

  python3 verdicts.py run <pairs.input.jsonl> <fixture.jsonl>   # runs math-verify (once)
  python3 verdicts.py notes <fixture.jsonl>                      # re-merges notes.jsonl only

Notes (why our grader disagrees with math-verify on a pair) live in notes.jsonl, keyed by pair
id, so adding one does not mean re-running math-verify.

Needs `pip install math-verify` (a venv outside the repository; it is not a project dependency).
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIELDS = ['id', 'gold', 'prediction', 'output', 'template', 'boxed', 'mathVerify', 'kind', 'intent', 'what', 'note']


def load_jsonl(path):
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def notes_file(fixture_path):
    """notes.jsonl for pairs.jsonl; notes-<name>.jsonl for any other fixture (outputs.jsonl)."""
    name = os.path.splitext(os.path.basename(fixture_path))[0]
    return os.path.join(HERE, 'notes.jsonl' if name == 'pairs' else 'notes-%s.jsonl' % name)


def load_notes(fixture_path):
    path = notes_file(fixture_path)
    if not os.path.exists(path):
        return {}
    notes = {}
    for r in load_jsonl(path):
        if 'id' not in r or 'note' not in r:
            raise SystemExit(f'{path}: every line needs "id" and "note": {r}')
        notes[r['id']] = r['note']
    return notes


def write_fixture(path, rows, notes):
    known = {r['id'] for r in rows}
    unknown = sorted(set(notes) - known)
    if unknown:
        raise SystemExit(f'{notes_file(path)} names pairs that do not exist: {unknown}')
    with open(path, 'w', encoding='utf-8') as f:
        for r in rows:
            r = dict(r)
            r.pop('note', None)
            if r['id'] in notes:
                r['note'] = notes[r['id']]
            f.write(json.dumps({k: r[k] for k in FIELDS if k in r}, ensure_ascii=False) + '\n')


def run(input_path, fixture_path):
    from math_verify import parse, verify  # imported here: `notes` needs no math-verify
    import importlib.metadata
    version = importlib.metadata.version('math-verify')
    rows = []
    pairs = load_jsonl(input_path)
    for k, p in enumerate(pairs):
        gold = parse('$\\boxed{' + p['gold'] + '}$')
        # A whole model output (outputs.jsonl) is parsed as it is; a bare prediction, boxed.
        pred = parse(p['output']) if 'output' in p else parse('$\\boxed{' + p['prediction'] + '}$')
        verdict = bool(verify(gold, pred))
        rows.append({**p, 'mathVerify': verdict})
        if (k + 1) % 100 == 0:
            print(f'{k + 1}/{len(pairs)}', file=sys.stderr)
    write_fixture(fixture_path, rows, load_notes(fixture_path))
    print(f'math-verify {version}: {sum(r["mathVerify"] for r in rows)} of {len(rows)} pairs equal', file=sys.stderr)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'run':
        run(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == 'notes':
        write_fixture(sys.argv[2], load_jsonl(sys.argv[2]), load_notes(sys.argv[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main()
