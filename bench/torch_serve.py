"""What the PyTorch sides of the side-by-side benchmarks share (cnn_torch.py, conv_layers_torch.py,
user_loop_torch.py): timing, the rounds, and the --serve protocol that bench/NormLab.Bench/TorchSide.cs speaks.

`calls` is {workload: {memory format: callable}}; each callable runs the workload once.
"""
import json
import statistics
import sys
import time

import torch


def time_ms(fn, inner=1, clock=time.perf_counter):
    """Milliseconds per call of fn, over `inner` calls."""
    start = clock()
    for _ in range(inner):
        fn()
    return (clock() - start) * 1e3 / inner


def one_round(calls, reps, inner=None, clock=time.perf_counter):
    """{workload: {format: [ms, ...]}} for `reps` repetitions of every workload and format."""
    inner = inner or {}
    result = {w: {f: [] for f in formats} for w, formats in calls.items()}
    for w, formats in calls.items():
        for _ in range(reps):
            for f, fn in formats.items():  # alternate formats so noise hits both
                result[w][f].append(time_ms(fn, inner.get(w, 1), clock))
    return result


def run(calls, reps, inner=None, clock=time.perf_counter, standalone_rounds=5):
    """Warms up, then with --serve prints {"ready": ...} and times one round per "round" line on stdin until
    "quit"; without it, prints a JSON summary (median ms per workload and format) of `standalone_rounds` rounds."""
    for _ in range(3):  # warm-up: allocator, oneDNN primitive caches
        one_round(calls, 1, inner, clock)
    header = {"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}
    if "--serve" in sys.argv:
        print(json.dumps(header), flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "quit":
                break
            if command == "round":
                print(json.dumps(one_round(calls, reps, inner, clock)), flush=True)
        return
    rounds = [one_round(calls, reps, inner, clock) for _ in range(standalone_rounds)]
    summary = {w: {f: statistics.median(t for r in rounds for t in r[w][f]) for f in formats} for w, formats in calls.items()}
    print(json.dumps({**header, "median_ms": summary}, indent=2))
