#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench seq`: the same recurrent and attention workloads, forward + backward.

Workloads (float32, 2 threads, weights with gradients, input without):
  gru  nn.GRU(64, 128, batch_first=True) on (32, 20, 64); backward of sum(h_last * seed)
  mha  nn.MultiheadAttention(64, 4 heads of 16, batch_first=True), self-attention on (32, 49, 64),
       need_weights=False; backward of sum(y * seed)
Prints one JSON object: {"torch": version, "threads": n, "ms": {workload: [ms per repetition, ...]}}.
Options: --reps N (default 30).
"""
import json
import sys
import time

import torch

THREADS = 2


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 30
    gru = torch.nn.GRU(64, 128, batch_first=True)
    x_gru = torch.rand(32, 20, 64)
    seed_gru = torch.rand(32, 128)
    mha = torch.nn.MultiheadAttention(64, 4, batch_first=True)
    x_mha = torch.rand(32, 49, 64)
    seed_mha = torch.rand(32, 49, 64)

    def gru_step():
        gru.zero_grad(set_to_none=True)
        _, h = gru(x_gru)
        (h[0] * seed_gru).sum().backward()

    def mha_step():
        mha.zero_grad(set_to_none=True)
        y, _ = mha(x_mha, x_mha, x_mha, need_weights=False)
        (y * seed_mha).sum().backward()

    workloads = {"gru": gru_step, "mha": mha_step}
    times = {name: [] for name in workloads}
    for _ in range(5):  # warm-up
        for step in workloads.values():
            step()
    for _ in range(reps):
        for name, step in workloads.items():  # interleaved so that noise hits both
            start = time.perf_counter()
            step()
            times[name].append((time.perf_counter() - start) * 1e3)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": times}))


if __name__ == "__main__":
    main()
