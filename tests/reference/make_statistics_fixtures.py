#!/usr/bin/python3
"""Reference values for the lab's statistics (src/NormLab.Cli/Lab/PairedStatistics.cs), from SciPy.

Run:  /usr/bin/python3 tests/reference/make_statistics_fixtures.py
Writes tests/NormLab.Tests/Fixtures/lab/statistics.json: Student-t quantiles and tails, 95% t-intervals
of samples, and paired t-tests (scipy.stats.ttest_rel), on fixed samples. Deterministic.
"""
import json
import os

import numpy as np
from scipy import stats

rng = np.random.default_rng(26)
quantiles = [{"p": p, "df": df, "t": float(stats.t.ppf(p, df))}
             for p in (0.975, 0.95, 0.995) for df in (1, 2, 3, 4, 5, 9, 19, 29, 100)]
tails = [{"t": t, "df": df, "tail": float(stats.t.sf(t, df))}
         for t in (0.0, 0.3, 1.0, 2.5, 6.0, 40.0) for df in (1, 2, 5, 30)]
intervals = []
for n in (2, 3, 5, 10):
    v = rng.normal(0.85, 0.02, n)
    half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / np.sqrt(n))
    intervals.append({"values": v.tolist(), "mean": float(v.mean()), "half_width": half})
paired = []
for n, shift in ((2, 0.01), (3, 0.0), (5, 0.004), (6, 0.02), (12, -0.001)):
    a = rng.normal(0.85, 0.01, n)
    b = a - shift + rng.normal(0, 0.005, n)
    r = stats.ttest_rel(a, b)
    d = a - b
    paired.append({"a": a.tolist(), "b": b.tolist(), "mean_difference": float(d.mean()),
                   "half_width": float(stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)),
                   "p_value": float(r.pvalue)})
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "NormLab.Tests", "Fixtures", "lab", "statistics.json")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    json.dump({"quantiles": quantiles, "tails": tails, "intervals": intervals, "paired": paired}, f, indent=1)
print("wrote", out)
