#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench norm`: the same ops and shapes at 2 threads, fastest layout per op.

Run: /usr/bin/python3 bench/norm_torch.py [--tsv] [--threads N]   (median ms of 30 runs; forward,
forward+backward, copy; wall clock, then the calling thread's CPU time from time.thread_time())
`NormLab.Bench norm` runs this with --tsv (tab-separated rows) and prints both sides in one table;
`norm --cpu` passes --threads 1, where the thread CPU time is the whole op's CPU cost.
"""
import sys
import time

import torch
import torch.nn.functional as F

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
torch.set_num_threads(THREADS)


def timeit(fn, reps=30):
    """(wall median, thread-CPU median) in ms. Same warm-up policy as the C# side: at least 3 calls and 0.3 s."""
    t_end = time.perf_counter() + 0.3
    n = 0
    while n < 3 or time.perf_counter() < t_end:
        fn()
        n += 1
    if THREADS == 1:
        reps *= 2
    ts, cs = [], []
    for _ in range(reps):
        c0 = time.thread_time()
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
        cs.append((time.thread_time() - c0) * 1e3)
    return sorted(ts)[reps // 2], sorted(cs)[reps // 2]


def bin_ref(x, g, b, rho):
    """Batch-instance norm as the reference (BN branch with gamma*rho, IN branch with gamma*(1-rho))."""
    shape = (1, -1) + (1,) * (x.dim() - 2)
    out_bn = F.batch_norm(x, None, None, g * rho, b, training=True, eps=1e-3)
    out_in = F.instance_norm(x, eps=1e-3) * (g * (1 - rho)).view(shape)
    return out_bn + out_in


def sn_ref(x, g, b, lm, lv):
    """SwitchNorm2d's training forward (IN statistics, LN/BN derived from them)."""
    N, C = x.shape[:2]
    v = x.reshape(N, C, -1)
    mean_in, var_in = v.mean(-1, keepdim=True), v.var(-1, keepdim=True)
    temp = var_in + mean_in ** 2
    mean_ln = mean_in.mean(1, keepdim=True)
    var_ln = temp.mean(1, keepdim=True) - mean_ln ** 2
    mean_bn = mean_in.mean(0, keepdim=True)
    var_bn = temp.mean(0, keepdim=True) - mean_bn ** 2
    w, wv = F.softmax(lm, 0), F.softmax(lv, 0)
    mean = w[0] * mean_in + w[1] * mean_ln + w[2] * mean_bn
    var = wv[0] * var_in + wv[1] * var_ln + wv[2] * var_bn
    y = ((v - mean) / (var + 1e-3).sqrt()).view(x.shape)
    shape = (1, -1) + (1,) * (x.dim() - 2)
    return y * g.view(shape) + b.view(shape)


def run(name, x_cf, C, layouts):
    copy = timeit(lambda: x_cf.clone())
    g = torch.ones(C, requires_grad=True)
    b = torch.zeros(C, requires_grad=True)
    rho = torch.full((C,), 0.5, requires_grad=True)
    lm = torch.ones(3, requires_grad=True)
    lv = torch.ones(3, requires_grad=True)
    ops = {
        "BN": lambda x: F.batch_norm(x, None, None, g, b, training=True, eps=1e-3),
        "LN": lambda x: F.layer_norm(x.movedim(1, -1), (C,), g, b, eps=1e-3),
        "GN4": lambda x: F.group_norm(x, 4, g, b, eps=1e-3),
        "IN": lambda x: F.group_norm(x, C, g, b, eps=1e-3),
        "BIN": lambda x: bin_ref(x, g, b, rho),
        "SN": lambda x: sn_ref(x, g, b, lm, lv),
    }
    for op, f in ops.items():
        best_f, best_fb = (1e9, 1e9), (1e9, 1e9)
        for layout, x in layouts.items():
            xr = x.detach().requires_grad_(True)
            dy = None
            def fwd():
                with torch.no_grad():
                    f(xr)
            def fwdbwd():
                y = f(xr)
                y.backward(torch.ones_like(y))
            # fastest layout, judged per measure
            tf, tfb = timeit(fwd), timeit(fwdbwd)
            best_f = tuple(min(a, b) for a, b in zip(best_f, tf))
            best_fb = tuple(min(a, b) for a, b in zip(best_fb, tfb))
        if TSV:
            print("%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f" % (op + " " + name, copy[0], best_f[0], best_fb[0], copy[1], best_f[1], best_fb[1]), flush=True)
        else:
            print("%-28s %9.3f %9.3f %11.3f %9.2f %9.3f %9.3f" % (op + " " + name, copy[0], best_f[0], best_fb[0], best_f[0] / copy[0], best_f[1], best_fb[1]))


TSV = "--tsv" in sys.argv
if TSV:
    print("info\ttorch %s threads=%d" % (torch.__version__, torch.get_num_threads()))
else:
    print("torch %s threads=%d" % (torch.__version__, torch.get_num_threads()))
    print("%-28s %9s %9s %11s %9s %9s %9s" % ("case", "copy ms", "fwd ms", "fwd+bwd ms", "fwd/copy", "fwd cpu", "f+b cpu"))
x = torch.rand(32, 64, 28, 28)
run("nhwc (32,28,28,64)", x, 64, {"nchw": x, "channels_last": x.contiguous(memory_format=torch.channels_last)})
s = torch.rand(32, 128, 20)
run("seq (32,20,128)", s, 128, {"ncl": s})
