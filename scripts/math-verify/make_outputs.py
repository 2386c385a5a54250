#!/usr/bin/env python3
"""Builds the second validation fixture: (gold, model output) pairs, checked against math-verify.

A different generator from make_pairs.py: whole model outputs rather than the contents of a box,
written with other templates (a worked solution ending in a box, a "**Final Answer**" display
box, `\\[\\boxed{}\\]`, and unboxed statements: "The answer is $X$.", a last `$$X$$`), and other
answer forms (an assignment `x = X`, an arithmetic expression of the value, an improper
fraction, a negated or scaled near miss, a decimal with trailing zeros). Both graders read the
whole output: math-verify with its default extraction, ours with gradeMath (an unboxed answer
counts as its verdict, details.fallbackCorrect). Deterministic, standard library only.

Usage: python3 make_outputs.py <datasets dir> > outputs.input.jsonl
"""
import json
import os
import re
import sys
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))

TEMPLATES = [
    ('boxed-choice', True, 'Checking each option against the constraints leaves one.\n\nFinal answer: $\\boxed{%s}$'),
    ('boxed-worked', True, 'We work through the problem step by step.\n\nCombining the results above, '
                           'the final answer is $\\boxed{%s}$.'),
    ('boxed-display', True, 'Putting everything together we are done.\n\n**Final Answer**\n\n\\[\n\\boxed{%s}\n\\]'),
    ('boxed-late', True, 'A first guess of $3$ does not work. After checking the cases, the answer is \\(\\boxed{%s}\\).'),
    ('phrase', False, 'Solving, we find the value required.\n\nThe answer is $%s$.'),
    ('last-math', False, 'After simplifying we obtain\n$$%s$$'),
]


def number(gold):
    """A Fraction for plain numbers (12, -3, 0.35, \\frac{a}{b}), else None."""
    t = gold.replace(' ', '').replace('\\!', '')
    t = re.sub(r'\\[dt]frac', r'\\frac', t)
    if re.fullmatch(r'-?\d+', t):
        return Fraction(int(t))
    if re.fullmatch(r'-?\d*\.\d+', t):
        return Fraction(t)
    m = re.fullmatch(r'(-?)\\frac\{(\d+)\}\{(\d+)\}', t)
    if m and int(m.group(3)) != 0:
        v = Fraction(int(m.group(2)), int(m.group(3)))
        return -v if m.group(1) else v
    return None


def latex_of(v):
    if v.denominator == 1:
        return str(v.numerator)
    sign = '-' if v < 0 else ''
    return '%s\\frac{%d}{%d}' % (sign, abs(v.numerator), v.denominator)


def forms(gold, k):
    """(kind, intent, answer, what) rewrites of one gold."""
    out = [('identity', 'equal', gold, 'the gold as written')]
    v = number(gold)
    if v is not None:
        if v.denominator == 1:
            n = v.numerator
            out.append(('arith', 'equal', '%d+%d' % (n - 7, 7) if n >= 7 else '%d-%d' % (n + 5, 5), 'a sum that is the value'))
            out.append(('near-miss', 'differ', str(n * 2 if n not in (0,) else 1), 'twice the value'))
            out.append(('assign', 'equal', 'x = %d' % n, 'an assignment of the value'))
            out.append(('decimal-zeros', 'equal', '%d.00' % n, 'trailing decimal zeros'))
            out.append(('units', 'equal', '%d \\text{ units}' % n, 'a unit word after the value'))
            if abs(n) >= 1000:
                out.append(('scientific', 'equal', '%s \\times 10^{%d}' % (repr(n / 10 ** (len(str(abs(n))) - 1)).rstrip('0').rstrip('.'), len(str(abs(n))) - 1),
                            'scientific notation'))
            out.append(('power-miss', 'differ', '%d^{2}' % n if abs(n) > 1 else '%d' % (n + 3), 'the square of the value'))
        else:
            out.append(('improper', 'equal', '\\frac{%d}{%d}' % (v.numerator * 3, v.denominator * 3), 'an unreduced fraction'))
            out.append(('near-miss', 'differ', latex_of(1 / v) if v != 0 else '1', 'the reciprocal'))
            if v.denominator in (2, 4, 5, 8, 10, 20, 25):
                out.append(('decimal', 'equal', str(float(v)), 'the decimal'))
            else:
                out.append(('rounded', 'differ', '%.2f' % float(v), 'the value rounded to 2 decimals'))
            out.append(('slash', 'equal', '%d/%d' % (v.numerator, v.denominator), 'a slash fraction'))
        if v != 0:
            out.append(('negated', 'differ', latex_of(-v), 'the opposite sign'))
    elif re.fullmatch(r'\\frac\{\\sqrt\{\d+\}\}\{\d+\}|\d*\\sqrt\{\d+\}|\d*\\pi', gold.replace(' ', '')):
        out.append(('scaled', 'differ', '2' + gold if not gold.startswith('\\frac') else '2\\cdot' + gold, 'twice the value'))
        out.append(('wrapped', 'equal', '\\left(%s\\right)' % gold, 'in \\left( \\right)'))
    elif gold.startswith('(') and gold.endswith(')') and ',' in gold:
        inner = gold[1:-1].split(',')
        out.append(('swapped', 'differ' if inner[0].strip() != inner[-1].strip() else 'equal', '(' + ','.join(reversed(inner)) + ')', 'the components reversed'))
        out.append(('spaced', 'equal', '\\left( ' + ', '.join(x.strip() for x in inner) + ' \\right)', 'spaces and \\left( \\right)'))
        if gold.count(',') == 1:
            out.append(('interval-end', 'differ', '[' + gold[1:], 'a closed left end'))
    elif re.fullmatch(r'[a-z0-9+\-^{}\\ ]+', gold) and re.search(r'[a-z]', gold) and '\\' not in gold:
        out.append(('poly-space', 'equal', ' '.join(gold), 'spaces between every symbol'))
        out.append(('poly-miss', 'differ', gold + '+1', 'plus one'))
    elif gold.startswith('\\text{'):
        inner = gold[len('\\text{'):-1]
        out.append(('text-plain', 'equal', '\\text{ %s }' % inner, 'extra spaces in the text'))
    else:
        out.append(('displaystyle', 'equal', '\\displaystyle ' + gold, 'a \\displaystyle prefix'))
    return out


def main():
    datasets = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', 'shared', 'datasets')
    with open(os.path.join(datasets, 'math500', 'test.jsonl'), encoding='utf-8') as f:
        golds = [json.loads(line)['answer'] for line in f if line.strip()]
    rows = []
    for k, gold in enumerate(golds):
        if k % 2:  # every other gold: 250 golds, each in two or three forms, spread over templates
            continue
        fs = forms(gold, k)
        chosen = [fs[0]] + [fs[1 + (k // 2 + t) % (len(fs) - 1)] for t in range(min(2, len(fs) - 1))]
        for j, (kind, intent, answer, what) in enumerate(chosen):
            name, boxed, template = TEMPLATES[(k // 2 + j) % len(TEMPLATES)]
            rows.append({'id': 'o%03d-%s-%s' % (k, kind, name), 'gold': gold, 'output': template % answer,
                         'kind': kind, 'template': name, 'boxed': boxed, 'intent': intent, 'what': what})
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == '__main__':
    main()
