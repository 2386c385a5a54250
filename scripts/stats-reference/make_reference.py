"""Reference values for tests/stats-*.test.ts, computed once with statsmodels/scipy/numpy.

Run (not a test-time dependency; the output is committed):
    python3 -m venv /tmp/statsvenv && /tmp/statsvenv/bin/pip install scipy statsmodels numpy
    /tmp/statsvenv/bin/python scripts/stats-reference/make_reference.py > tests/fixtures/stats/reference.json
"""
import json
import math
import sys
from fractions import Fraction

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint


def wilson_cases():
    out = []
    for correct, n, alpha in [
        (0, 1, 0.05), (1, 1, 0.05), (0, 10, 0.05), (10, 10, 0.05), (3, 10, 0.05), (7, 30, 0.05),
        (81, 263, 0.05), (15, 148, 0.05), (50, 100, 0.05), (999, 1000, 0.05), (1, 1319, 0.05),
        (660, 1319, 0.05), (12, 40, 0.10), (12, 40, 0.01), (250, 500, 0.01),
    ]:
        low, high = proportion_confint(correct, n, alpha=alpha, method="wilson")
        z = float(stats.norm.ppf(1 - alpha / 2))
        out.append({"correct": correct, "n": n, "alpha": alpha, "z": z, "low": float(low), "high": float(high)})
    return out


def mcnemar_cases():
    out = []
    for b, c in [(0, 0), (1, 0), (0, 1), (3, 3), (5, 5), (10, 2), (2, 10), (0, 25), (7, 1),
                 (12, 30), (100, 80), (400, 350), (1500, 1400), (2000, 0)]:
        # a and d (concordant cells) do not enter the exact test; give them values anyway.
        res = mcnemar([[17, b], [c, 23]], exact=True)
        binom = stats.binomtest(min(b, c), b + c, 0.5).pvalue if b + c > 0 else 1.0
        out.append({"b": b, "c": c, "p": float(res.pvalue), "scipyBinomtestP": float(binom)})
    return out


def pass_at_k_numpy(n, c, k):
    # Chen et al. 2021, the numerically stable product form.
    if n - c < k:
        return 1.0
    return float(1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def pass_at_k_exact(n, c, k):
    if n - c < k:
        return 1.0
    return float(1 - Fraction(math.comb(n - c, k), math.comb(n, k)))


def pass_at_k_cases():
    out = []
    for n, c, k in [(1, 0, 1), (1, 1, 1), (5, 0, 1), (5, 2, 1), (5, 2, 2), (5, 2, 5), (10, 3, 1),
                    (10, 3, 5), (10, 10, 10), (20, 1, 10), (100, 5, 10), (200, 13, 100), (200, 0, 50),
                    (1000, 1, 1), (1000, 7, 500)]:
        out.append({"n": n, "c": c, "k": k, "numpy": pass_at_k_numpy(n, c, k), "exact": pass_at_k_exact(n, c, k)})
    return out


def repeat_cases():
    out = []
    for xs in [[0.5], [0.6, 0.7], [0.71, 0.74, 0.69], [0.1, 0.9, 0.4, 0.4, 0.55], [0.33, 0.33, 0.33]]:
        a = np.array(xs)
        sd = float(a.std(ddof=1)) if len(xs) > 1 else None
        out.append({"values": xs, "mean": float(a.mean()), "sd": sd})
    return out


json.dump({
    "generatedBy": "scripts/stats-reference/make_reference.py",
    "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                 "statsmodels": statsmodels.__version__},
    "wilson": wilson_cases(),
    "mcnemar": mcnemar_cases(),
    "passAtK": pass_at_k_cases(),
    "repeats": repeat_cases(),
}, sys.stdout, indent=1)
sys.stdout.write("\n")
