#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench norm-layers-a`: the same layers' formulas on (32, 28, 28, 64), 2 threads.

Run: /usr/bin/python3 bench/beyond_a_torch.py   (median ms of 7 runs; forward in training, forward+backward)
Channels-first tensors for the built-in ops (their fast layout); the formulas of
tests/reference/make_beyond_a_fixtures.py for FRN and EvoNorm.
"""
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
N, H, W, C = 32, 28, 28, 64


def timeit(fn, reps=7):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return sorted(ts)[reps // 2]


g, b, v, tau = (torch.ones(C, 1, 1, requires_grad=True) for _ in range(4))
k = (torch.randn(C, C, 3, 3) * 0.1).requires_grad_()


def frn(x):
    nu2 = (x * x).mean(dim=(2, 3), keepdim=True)
    return torch.max(g * x * torch.rsqrt(nu2 + 1e-6) + b, tau)


def b0(x):
    vb = x.var(dim=(0, 2, 3), unbiased=False, keepdim=True)
    vi = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    return x / torch.max(torch.sqrt(vb + 1e-5), v * x + torch.sqrt(vi + 1e-5)) * g + b


def s0(x):
    xg = x.reshape(N, 32, C // 32, H, W)
    std = torch.sqrt(xg.var(dim=(2, 3, 4), unbiased=False, keepdim=True) + 1e-5)
    return ((x * torch.sigmoid(v * x)).reshape(N, 32, C // 32, H, W) / std).reshape(N, C, H, W) * g + b


def ws(x):
    wm = k - k.mean(dim=(1, 2, 3), keepdim=True)
    return F.conv2d(x, wm / (wm.reshape(C, -1).std(dim=1).reshape(C, 1, 1, 1) + 1e-5), padding=1)


ops = {
    "BatchNormalization": lambda x: F.batch_norm(x, None, None, g.view(C), b.view(C), training=True, eps=1e-3),
    "InstanceNormalization": lambda x: F.instance_norm(x, weight=g.view(C), bias=b.view(C), eps=1e-3),
    "GhostBatchNormalization(8)": lambda x: torch.cat([F.batch_norm(c, None, None, g.view(C), b.view(C), training=True, eps=1e-3) for c in x.split(8)]),
    "FilterResponseNorm+TLU": frn,
    "EvoNormB0": b0,
    "EvoNormS0(32)": s0,
    "LocalResponseNorm(r=5)": lambda x: F.local_response_norm(x, 11, alpha=11.0, beta=0.5, k=1.0),
    "WeightStd Conv3x3 64->64": ws,
    "Conv3x3 64->64 (plain)": lambda x: F.conv2d(x, k, padding=1),
}

print("torch %s threads=%d" % (torch.__version__, torch.get_num_threads()))
print("%-28s %9s %11s" % ("layer (32,28,28,64)", "fwd ms", "fwd+bwd ms"))
x = torch.rand(N, C, H, W, requires_grad=True)
dy = torch.rand(N, C, H, W) - 0.5
for name, f in ops.items():
    def fwd():
        with torch.no_grad():
            f(x)

    def fwdbwd():
        (f(x) * dy).sum().backward()
    print("%-28s %9.2f %11.2f" % (name, timeit(fwd), timeit(fwdbwd)))
