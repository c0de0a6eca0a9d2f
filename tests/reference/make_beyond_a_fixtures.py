#!/usr/bin/python3
"""Reference values for NormLab's beyond-Keras layers, part A (issue 4).

Run:  /usr/bin/python3 tests/reference/make_beyond_a_fixtures.py
Writes tests/NormLab.Tests/Fixtures/beyond/<case>.json in the format of make_norm_fixtures.py:
  {"case": ..., "config": {...}, "tensors": {"name": {"shape": [...], "data": [...]}}}

Each formula is the one of the reference code as shared/reference/beyond-keras-normalization.md
reports it, written in PyTorch (float64, autograd for the gradients of loss = sum(y * seed)).
Inputs are channels-last (NormLab's layout) and moved to channels-first where a torch function
needs it. Momentum is NormLab's (weight of the old value): torch momentum = 1 - momentum.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

FX = FixtureSet("beyond", seed=4321)
RNG, f32, t, write = FX.rng, FX.f32, FX.t, FX.write


def cf(x):
    """Channels-last -> channels-first."""
    return x.movedim(-1, 1)


def cl(x):
    return x.movedim(1, -1)


SHAPES = {2: (6, 4), 3: (4, 5, 6), 4: (2, 3, 4, 6)}


# ------------------------------------------------------------------ InstanceNormalization
def instance_case(rank):
    """torch.nn.functional.instance_norm with track_running_stats (unbiased running var)."""
    shape = SHAPES[rank]
    c = shape[-1]
    momentum, eps = 0.9, 1e-3
    xs = [f32(shape, 1.5, 0.3 * i) for i in range(3)]
    gamma, beta, seed = f32((c,), 0.5, 1.0), f32((c,), 0.5), f32(shape)
    rm, rv = torch.zeros(c), torch.ones(c)
    x0 = t(xs[0], True)
    g, b = t(gamma, True), t(beta, True)
    y = cl(F.instance_norm(cf(x0), rm, rv, g, b, use_input_stats=True, momentum=1 - momentum, eps=eps))
    (y * t(seed)).sum().backward()
    for x in xs[1:]:
        F.instance_norm(cf(t(x)), rm, rv, t(gamma), t(beta), use_input_stats=True, momentum=1 - momentum, eps=eps)
    y_inf = cl(F.instance_norm(cf(t(xs[0])), rm, rv, t(gamma), t(beta), use_input_stats=False, eps=eps))
    write("in_rank%d" % rank, {"momentum": momentum, "epsilon": eps},
          x0=xs[0], x1=xs[1], x2=xs[2], gamma=gamma, beta=beta, seed=seed,
          y_train=y, dx=x0.grad, dgamma=g.grad, dbeta=b.grad,
          moving_mean=rm, moving_variance=rv, y_infer=y_inf)


# ------------------------------------------------------------------ GhostBatchNormalization
def ghost_case(rank):
    """Keras virtual_batch_size: BN per ghost batch; moving stats from the average of the ghost stats."""
    shape = SHAPES[rank]
    shape = (6,) + shape[1:] if rank < 4 else (6, 2, 3, 4)
    vbs, momentum, eps = 2, 0.9, 1e-3
    c = shape[-1]
    xs = [f32(shape, 2.0, 0.5 * i) for i in range(3)]
    gamma, beta, seed = f32((c,), 0.5, 1.0), f32((c,), 0.5), f32(shape)
    red = tuple(range(rank - 1))
    x0 = t(xs[0], True)
    g, b = t(gamma, True), t(beta, True)
    chunks = [cl(F.batch_norm(cf(ch), None, None, g, b, training=True, eps=eps)) for ch in x0.split(vbs, 0)]
    y = torch.cat(chunks, 0)
    (y * t(seed)).sum().backward()
    mm, mv = np.zeros(c), np.ones(c)
    for x in xs:
        ghosts = np.split(x, shape[0] // vbs, 0)
        gm = np.mean([gh.mean(axis=red) for gh in ghosts], 0)
        gv = np.mean([gh.var(axis=red) for gh in ghosts], 0)
        mm = mm * momentum + gm * (1 - momentum)
        mv = mv * momentum + gv * (1 - momentum)
    y_inf = cl(F.batch_norm(cf(t(xs[0])), t(mm), t(mv), t(gamma), t(beta), training=False, eps=eps))
    write("gbn_rank%d" % rank, {"virtual_batch_size": vbs, "momentum": momentum, "epsilon": eps},
          x0=xs[0], x1=xs[1], x2=xs[2], gamma=gamma, beta=beta, seed=seed,
          y_train=y, dx=x0.grad, dgamma=g.grad, dbeta=b.grad,
          moving_mean=mm, moving_variance=mv, y_infer=y_inf)


# ------------------------------------------------------------------ FRN + TLU
def frn_case(rank, learned):
    """Paper code: nu2 = mean(x^2, spatial); y = max(gamma * x * rsqrt(nu2 + |eps|) + beta, tau)."""
    shape = SHAPES[rank]
    c = shape[-1]
    eps = 1e-6
    x = t(f32(shape, 1.0), True)
    gamma, beta, tau = t(f32((c,), 0.5, 1.0), True), t(f32((c,), 0.5), True), t(f32((c,), 0.3), True)
    eps_l = t(np.full(c, 1e-4) * np.array([1, -2, 3, 1, 5, -1])[:c], True)
    seed = f32(shape)
    nu2 = (x ** 2).mean(dim=tuple(range(1, rank - 1)), keepdim=True) if rank > 2 else x ** 2
    e = eps + eps_l.abs() if learned else eps
    yn = gamma * x * torch.rsqrt(nu2 + e) + beta
    y = torch.max(yn, tau)
    (y * t(seed)).sum().backward()
    tensors = dict(x=x, gamma=gamma, beta=beta, tau=tau, seed=seed, y=y, dx=x.grad, dgamma=gamma.grad,
                   dbeta=beta.grad, dtau=tau.grad)
    if learned:
        tensors.update(epsilon_l=eps_l, depsilon_l=eps_l.grad)
    write("frn_rank%d%s" % (rank, "_learned" if learned else ""), {"epsilon": eps, "learned_epsilon": learned},
          **tensors)


# ------------------------------------------------------------------ EvoNorm
def evob0_case(rank):
    """tensorflow/tpu evonorm B0: x / max(sqrt(var_b + eps), v x + sqrt(var_i + eps)) * gamma + beta."""
    shape = SHAPES[rank]
    c = shape[-1]
    momentum, eps = 0.9, 1e-5
    xs = [f32(shape, 1.5, 0.2 * i) for i in range(3)]
    gamma, beta = f32((c,), 0.5, 1.0), f32((c,), 0.5)
    v = f32((c,), 0.5, 0.5)
    seed = f32(shape)
    sp = tuple(range(1, rank - 1))
    bt = tuple(range(rank - 1))

    def fwd(x, g, b, vv, var_b):
        var_i = x.var(dim=sp, unbiased=False, keepdim=True)
        den = torch.max(torch.sqrt(var_b + eps), vv * x + torch.sqrt(var_i + eps))
        return x / den * g + b

    x0 = t(xs[0], True)
    g, b, vv = t(gamma, True), t(beta, True), t(v, True)
    y = fwd(x0, g, b, vv, x0.var(dim=bt, unbiased=False, keepdim=True))
    (y * t(seed)).sum().backward()
    mv = np.ones(c)
    for x in xs:
        mv = mv * momentum + x.var(axis=bt) * (1 - momentum)
    y_inf = fwd(t(xs[0]), t(gamma), t(beta), t(v), t(mv))
    write("evob0_rank%d" % rank, {"momentum": momentum, "epsilon": eps},
          x0=xs[0], x1=xs[1], x2=xs[2], gamma=gamma, beta=beta, v=v, seed=seed,
          y_train=y, dx=x0.grad, dgamma=g.grad, dbeta=b.grad, dv=vv.grad,
          moving_variance=mv, y_infer=y_inf)


def evos0_case(rank, groups):
    """tensorflow/tpu evonorm S0: x sigmoid(v x) / sqrt(group_var(x) + eps) * gamma + beta."""
    shape = SHAPES[rank]
    c = shape[-1]
    eps = 1e-5
    g_used = groups
    while c % g_used:
        g_used -= 1
    x = t(f32(shape, 1.5, 0.5), True)
    gamma, beta, v = t(f32((c,), 0.5, 1.0), True), t(f32((c,), 0.5), True), t(f32((c,), 0.5, 0.5), True)
    seed = f32(shape)
    n = shape[0]
    s = int(np.prod(shape[1:-1]))
    xg = x.reshape(n, s, g_used, c // g_used)
    std = torch.sqrt(xg.var(dim=(1, 3), unbiased=False, keepdim=True) + eps)
    num = (x * torch.sigmoid(v * x)).reshape(n, s, g_used, c // g_used)
    y = (num / std).reshape(shape) * gamma + beta
    (y * t(seed)).sum().backward()
    write("evos0_rank%d" % rank, {"groups": groups, "groups_used": g_used, "epsilon": eps},
          x=x, gamma=gamma, beta=beta, v=v, seed=seed, y=y, dx=x.grad, dgamma=gamma.grad, dbeta=beta.grad, dv=v.grad)


# ------------------------------------------------------------------ LocalResponseNormalization
def lrn_case(rank, depth_radius, bias, alpha, beta):
    """TF convention via torch: size = 2r + 1 and alpha_torch = alpha * size (torch divides by size)."""
    shape = SHAPES[rank] if rank > 2 else (4, 7)
    if rank == 2:
        shape = (4, 7)
    x = t(f32(shape, 1.5), True)
    seed = f32(shape)
    size = 2 * depth_radius + 1
    xin = cf(x) if rank > 2 else x.unsqueeze(-1)
    y = F.local_response_norm(xin, size, alpha=alpha * size, beta=beta, k=bias)
    y = cl(y) if rank > 2 else y.squeeze(-1)
    (y * t(seed)).sum().backward()
    # Independent check of the convention: the direct TF formula.
    xs = x.detach().numpy()
    sq = xs ** 2
    C = shape[-1]
    direct = np.empty_like(xs)
    for ch in range(C):
        lo, hi = max(0, ch - depth_radius), min(C - 1, ch + depth_radius)
        direct[..., ch] = xs[..., ch] / (bias + alpha * sq[..., lo:hi + 1].sum(-1)) ** beta
    assert np.allclose(direct, y.detach().numpy(), rtol=1e-12, atol=1e-12)
    write("lrn_rank%d" % rank, {"depth_radius": depth_radius, "bias": bias, "alpha": alpha, "beta": beta},
          x=x, seed=seed, y=y, dx=x.grad)


# ------------------------------------------------------------------ Weight standardization
def ws_case():
    """Authors' PyTorch reference: w = (W - mean) / (unbiased std + 1e-5), per output filter."""
    n, h, w, cin, cout, k = 2, 5, 5, 3, 4, 3
    x = t(f32((n, h, w, cin)), True)
    kernel = t(f32((k, k, cin, cout), 0.3, 0.05), True)  # HWIO, as Conv2D
    bias = t(f32((cout,), 0.1), True)
    seed = f32((n, h, w, cout))
    wt = kernel.permute(3, 2, 0, 1)  # OIHW
    wm = wt - wt.mean(dim=(1, 2, 3), keepdim=True)
    std = wm.reshape(cout, -1).std(dim=1).reshape(cout, 1, 1, 1) + 1e-5
    y = cl(F.conv2d(cf(x), wm / std, bias, padding=1))
    (y * t(seed)).sum().backward()
    write("ws_conv", {"filters": cout, "kernel_size": k, "padding": "same", "epsilon": 1e-5},
          x=x, kernel=kernel, bias=bias, seed=seed, y=y, dx=x.grad, dkernel=kernel.grad, dbias=bias.grad)


if __name__ == "__main__":
    for r in (3, 4):
        instance_case(r)
        evob0_case(r)
    for r in (2, 3, 4):
        ghost_case(r)
        frn_case(r, False)
        evos0_case(r, 2 if r == 2 else 4)
    frn_case(4, True)
    frn_case(2, True)
    lrn_case(2, 2, 2.0, 1e-1, 0.75)
    lrn_case(3, 1, 1.0, 0.5, 0.5)
    lrn_case(4, 5, 1.0, 1.0, 0.5)
    ws_case()
