#!/usr/bin/env python3
"""Builds the (gold, prediction) pairs on which our math grader is checked against math-verify.

Deterministic: every pair is derived from a MATH-500 gold answer by a fixed rewrite, or is one
of the hand-written cases in hand_cases.jsonl. Standard library only (no math-verify here).

Kinds of generated pairs, per gold:
  restyle   the same answer spelled differently (\\dfrac, \\left( \\right), spaces, \\frac12)
  value     an equivalent number: the decimal of a fraction, the value of a radical or pi
            expression to 10 significant digits, a fraction for a decimal
  reorder   the terms of a sum in reverse order (polynomials, a+bi)
  near-miss one integer changed by one (must be judged unequal)
  shape     shape-specific: an interval end flipped, a tuple's components swapped, a list's
            solutions reversed, a degree sign dropped, a text answer unwrapped or changed

Usage: python3 make_pairs.py <datasets dir> > pairs.input.jsonl
"""
import json
import math
import os
import re
import sys
from decimal import Decimal
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))


def top_level_split(s, sep):
    """Split at top-level occurrences of sep (outside (), [], {})."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s) and s[i + 1] in '{}':
            depth += 1 if s[i + 1] == '{' else -1
            i += 2
            continue
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(s[start:])
    return parts


def exact_value(a):
    """A Fraction for plain numbers: 12, -3, 0.35, \\frac{a}{b}, \\dfrac ab, a/b; else None."""
    t = a.replace(' ', '').replace('\\!', '').replace('\\$', '')
    if '_' in t:  # Python's Fraction would read 2516_8 as 25168
        return None
    t = re.sub(r'\\[dt]frac', r'\\frac', t)
    if re.fullmatch(r'-?\d{1,3}(,\d{3})+', t):
        t = t.replace(',', '')
    m = re.fullmatch(r'(-?)\\frac\{?(\d+)\}?\{?(\d+)\}?', t)
    if m and (len(m.group(2)) == 1 or '{' in t):
        sign = -1 if m.group(1) else 1
        return sign * Fraction(int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r'(-?)(\d+)\\frac\{(\d+)\}\{(\d+)\}', t)  # mixed number 1\frac{4}{5}
    if m:
        sign = -1 if m.group(1) else 1
        return sign * (int(m.group(2)) + Fraction(int(m.group(3)), int(m.group(4))))
    m = re.fullmatch(r'(-?\d+)/(\d+)', t)
    if m:
        return Fraction(int(m.group(1)), int(m.group(2)))
    if re.fullmatch(r'-?\d+', t) or re.fullmatch(r'-?\d*\.\d+', t):
        return Fraction(t)
    return None


def plain(x, digits):
    """x to `digits` significant digits, in positional notation (6.72e-05 -> 0.0000672)."""
    return format(Decimal(format(x, f'.{digits}g')), 'f')


def terminating(f):
    d = f.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def decimal_text(f):
    """Exact decimal of a terminating fraction."""
    sign = '-' if f < 0 else ''
    f = abs(f)
    k = 0
    while (f * 10 ** k).denominator != 1:
        k += 1
    n = int(f * 10 ** k)
    s = str(n).rjust(k + 1, '0')
    return sign + (s[:-k] + '.' + s[-k:] if k else s)


# Constant LaTeX expressions we can evaluate with the standard library: sqrt, pi, fractions,
# products, sums. Enough for MATH-500's radical and pi answers.
def float_value(a):
    t = a.replace(' ', '')
    t = re.sub(r'\\[dt]frac', r'\\frac', t)
    if '_' in t or '%' in t:
        return None
    if re.search(r'[a-zA-Z]', re.sub(r'\\(frac|sqrt|pi|cdot)', '', t)):
        return None
    py = t
    py = re.sub(r'\\sqrt(\d)', r'\\sqrt{\1}', py)
    py = re.sub(r'\\frac(\d)(\d)', r'\\frac{\1}{\2}', py)
    for _ in range(5):
        py = re.sub(r'\\frac\{([^{}]*)\}\{([^{}]*)\}', r'((\1)/(\2))', py)
        py = re.sub(r'\\sqrt\{([^{}]*)\}', r'math.sqrt(\1)', py)
    py = py.replace('\\pi', 'math.pi').replace('\\cdot', '*').replace('^', '**').replace('{', '(').replace('}', ')')
    # implicit multiplication: 2math.sqrt, )( , 3math.pi, )math
    py = re.sub(r'(\d|\))(?=math\.|\()', r'\1*', py)
    if '\\' in py:
        return None
    try:
        return float(eval(py, {'math': math, '__builtins__': {}}))
    except Exception:
        return None


def restyle(a):
    s = a
    s = re.sub(r'\\frac(?=\{)', r'\\dfrac', s)
    if s.startswith('(') and s.endswith(')') and '\\cup' not in s:
        s = '\\left(' + s[1:-1] + '\\right)'
    elif s.startswith('(') and s.endswith(']'):
        s = '\\left(' + s[1:-1] + '\\right]'
    elif s.startswith('[') and s.endswith(')'):
        s = '\\left[' + s[1:-1] + '\\right)'
    if not re.fullmatch(r'-?\d{1,3}(,\d{3})+', s):  # leave thousands separators alone
        s = re.sub(r',(?!\\!)\s*', ', ', s)  # (a comma before \! separates thousands too)
    s = re.sub(r'\s*([+=])\s*', r' \1 ', s)
    return s if s != a else None


def bump_integer(a):
    """Near miss: change one integer literal by one (not a base subscript, not an exponent)."""
    matches = [m for m in re.finditer(r'\d+', a)]
    for m in reversed(matches):
        before = a[:m.start()]
        if before.endswith('_') or before.endswith('_{') or before.endswith('^') or before.endswith('^{'):
            continue
        n = int(m.group())
        return a[:m.start()] + str(n + 1).rjust(len(m.group()), '0') + a[m.end():]
    return None


def reorder_terms(a):
    if '=' in a or '\\cup' in a or '\\begin' in a or top_level_split(a, ',')[1:]:
        return None
    s = a.replace(' ', '')
    # split at top-level + and - (keeping the sign with the term)
    terms, depth, cur = [], 0, ''
    for c in s:
        if c in '([{':
            depth += 1
        elif c in ')]}':
            depth -= 1
        if depth == 0 and c in '+-' and cur and not cur.endswith('^'):
            terms.append(cur)
            cur = c
        else:
            cur += c
    terms.append(cur)
    if len(terms) < 2:
        return None
    out = ''.join(t if t.startswith('-') else '+' + t.lstrip('+') for t in reversed(terms)).lstrip('+')
    return out if out != s else None


def shape_variants(a):
    out = []
    t = a.replace(' ', '')
    t = t.replace('\\left', '').replace('\\right', '')
    # intervals: flip one end
    if re.fullmatch(r'[\(\[].*,.*[\)\]]', t) and '\\cup' not in t and top_level_split(t[1:-1], ',')[2:] == []:
        opener, closer = t[0], t[-1]
        if '\\infty' not in t[1:-1].split(',')[-1]:
            out.append(('near-miss', opener + t[1:-1] + (']' if closer == ')' else ')'), 'the closing bracket flipped'))
        items = top_level_split(t[1:-1], ',')
        if len(items) == 2 and items[0] != items[1] and opener == '(' and closer == ')':
            out.append(('near-miss', '(' + items[1] + ',' + items[0] + ')', 'components swapped'))
    if '\\cup' in t:
        parts = top_level_split(t, '\\cup')
        out.append(('shape', '\\cup'.join(reversed(parts)), 'union parts reordered'))
    items = top_level_split(t, ',')
    if len(items) > 1 and not re.fullmatch(r'[\(\[\\].*', t) and not re.fullmatch(r'-?\d{1,3}(,\d{3})+', t.replace('\\!', '')):
        out.append(('shape', ','.join(reversed(items)), 'solutions listed in reverse order'))
        out.append(('near-miss', ','.join(items[:-1]), 'one solution missing'))
    if '\\pm' in t and ',' not in t:
        m = re.fullmatch(r'(.*?)\\pm(.*)', t)
        if m:
            out.append(('shape', f'{m.group(1)}+{m.group(2)},{m.group(1)}-{m.group(2)}', 'plus-minus written out'))
            out.append(('near-miss', f'{m.group(1)}+{m.group(2)}', 'only one of the two solutions'))
    if '^\\circ' in t:
        out.append(('shape', t.replace('^\\circ', ''), 'degree sign dropped'))
    m = re.fullmatch(r'\\text\{(.*)\}', t)
    if m:
        out.append(('shape', m.group(1), 'text unwrapped'))
    if '\\mbox' in t or ('\\text{' in t and not m):
        out.append(('shape', re.sub(r'\\(mbox|text)\{[^}]*\}(\^\d)?', '', t), 'units dropped'))
    if t.startswith('\\begin{pmatrix}'):
        cells = re.sub(r'\\(begin|end)\{pmatrix\}', '', t)
        rows = [r.split('&') for r in cells.split('\\\\')]
        if all(len(r) == 1 for r in rows):
            vals = [exact_value(r[0]) for r in rows]
            if all(v is not None for v in vals):
                dec = '\\\\'.join(decimal_text(v) if terminating(v) else f'{v.numerator}/{v.denominator}' for v in vals)
                out.append(('value', '\\begin{pmatrix}' + dec + '\\end{pmatrix}', 'entries as decimals'))
    return out


def generated_pairs(golds):
    pairs = []
    for uid, a in golds:
        base = f'gen:{uid}'
        pairs.append({'id': f'{base}:self', 'gold': a, 'prediction': a, 'kind': 'identity', 'intent': 'equal'})
        r = restyle(a)
        if r:
            pairs.append({'id': f'{base}:restyle', 'gold': a, 'prediction': r, 'kind': 'restyle', 'intent': 'equal'})
        v = exact_value(a)
        if v is not None and v.denominator != 1:
            alt = decimal_text(v) if terminating(v) else plain(float(v), 10)
            pairs.append({'id': f'{base}:value', 'gold': a, 'prediction': alt, 'kind': 'value', 'intent': 'equal'})
            coarse = plain(float(v), 3)
            pairs.append({'id': f'{base}:coarse', 'gold': a, 'prediction': coarse, 'kind': 'near-miss',
                          'intent': 'equal' if Fraction(coarse) == v else 'differ'})
        elif v is not None and '.' in a:
            pairs.append({'id': f'{base}:value', 'gold': a, 'prediction': f'\\frac{{{v.numerator}}}{{{v.denominator}}}', 'kind': 'value', 'intent': 'equal'})
        elif v is None:
            f = float_value(a)
            if f is not None and not math.isnan(f):
                pairs.append({'id': f'{base}:value', 'gold': a, 'prediction': plain(f, 10), 'kind': 'value', 'intent': 'equal'})
                pairs.append({'id': f'{base}:coarse', 'gold': a, 'prediction': plain(f, 3), 'kind': 'near-miss', 'intent': 'differ'})
        ro = reorder_terms(a)
        if ro:
            pairs.append({'id': f'{base}:reorder', 'gold': a, 'prediction': ro, 'kind': 'reorder', 'intent': 'equal'})
        b = bump_integer(a)
        if b and b != a:
            pairs.append({'id': f'{base}:bump', 'gold': a, 'prediction': b, 'kind': 'near-miss', 'intent': 'differ'})
        for k, (kind, pred, what) in enumerate(shape_variants(a)):
            if pred and pred != a:
                pairs.append({'id': f'{base}:shape{k}', 'gold': a, 'prediction': pred, 'kind': kind,
                              'intent': 'differ' if kind == 'near-miss' else 'equal', 'what': what})
    return pairs


def main():
    datasets = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared', 'datasets')
    golds = []
    with open(os.path.join(datasets, 'math500', 'test.jsonl'), encoding='utf-8') as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                golds.append((r['unique_id'], r['answer']))
    pairs = generated_pairs(golds)
    with open(os.path.join(HERE, 'hand_cases.jsonl'), encoding='utf-8') as f:
        for k, line in enumerate(l for l in f if l.strip()):
            r = json.loads(line)
            r = {'id': f'hand:{k + 1}', **r, 'kind': 'hand'}
            pairs.append(r)
    seen = set()
    for p in pairs:
        key = (p['gold'], p['prediction'])
        if key in seen:
            continue
        seen.add(key)
        sys.stdout.write(json.dumps(p, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    main()
