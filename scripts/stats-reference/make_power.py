"""Independent reference for src/core/stats/power.ts, holm.ts and student-t.ts.

The smallest detectable difference of the paired design is found here by SIMULATION: draw the
2x2 table of n paired problems (only A solves, only B solves, both/neither) from a multinomial,
apply the exact McNemar test (scipy's binomtest, two-sided, p = 0.5), and bisect on the true
difference until 80% of the simulated experiments reject at alpha = 0.05. Nothing is shared
with the TypeScript (which sums the exact power instead). Holm adjustment from statsmodels'
multipletests, t quantiles from scipy.

Run once (not a test-time dependency; the output is committed):
    python3 -m venv ~/.cache/lsl/power-venv && ~/.cache/lsl/power-venv/bin/pip install numpy scipy statsmodels
    ~/.cache/lsl/power-venv/bin/python scripts/stats-reference/make_power.py > tests/fixtures/stats/power.json
"""
import json
import sys

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

REPS = 200_000
ALPHA = 0.05
TARGET = 0.8


def reject_table(m_max):
    """reject[m][b]: does the exact two-sided McNemar test reject with b of m discordant problems."""
    table = []
    for m in range(m_max + 1):
        row = np.zeros(m + 1, dtype=bool)
        for b in range(m + 1):
            row[b] = m > 0 and stats.binomtest(b, m, 0.5).pvalue <= ALPHA
        table.append(row)
    return table


def simulated_power(n, psi, delta, rng, reject):
    p_a, p_b = (psi + delta) / 2, (psi - delta) / 2
    counts = rng.multinomial(n, [p_a, p_b, 1 - psi], size=REPS)
    b, c = counts[:, 0], counts[:, 1]
    m = b + c
    hits = np.fromiter((reject[mi][bi] for mi, bi in zip(m, b)), dtype=bool, count=REPS)
    return hits.mean()


def detectable(n, psi, seed):
    rng = np.random.default_rng(seed)
    m_hi = int(min(n, n * psi + 10 * np.sqrt(n * psi) + 20))
    reject = reject_table(m_hi)
    lo, hi = 0.0, psi
    if simulated_power(n, psi, psi, rng, reject) < TARGET:
        return None
    for _ in range(22):
        mid = (lo + hi) / 2
        if simulated_power(n, psi, mid, rng, reject) >= TARGET:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def main():
    cases = []
    for i, (n, psi) in enumerate([(30, 0.3), (100, 0.2), (100, 0.1), (100, 0.35), (300, 0.15), (500, 0.05), (1319, 0.15), (1319, 0.3)]):
        cases.append({"n": n, "discordance": psi, "alpha": ALPHA, "power": TARGET, "minDetectable": detectable(n, psi, 1000 + i), "reps": REPS})
        print(f"case n={n} psi={psi}: {cases[-1]['minDetectable']}", file=sys.stderr)
    # A design too small to detect anything: 10 problems with 20% discordant.
    cases.append({"n": 10, "discordance": 0.2, "alpha": ALPHA, "power": TARGET, "minDetectable": detectable(10, 0.2, 7), "reps": REPS})

    holm = []
    for ps in [[0.01, 0.04, 0.03, 0.2], [0.001, 0.5, 0.049, 0.049, 0.0001, 1.0], [0.3], [0.02, 0.02, 0.02]]:
        holm.append({"p": ps, "adjusted": [float(x) for x in multipletests(ps, method="holm")[1]]})

    t = [{"p": p, "df": df, "q": float(stats.t.ppf(p, df))} for p in (0.975, 0.995, 0.9, 0.3) for df in (1, 2, 3, 4, 9, 29, 100)]

    json.dump({
        "generator": "scripts/stats-reference/make_power.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "minDetectable": cases,
        "holm": holm,
        "studentT": t,
    }, sys.stdout, indent=1)
    print()


main()
