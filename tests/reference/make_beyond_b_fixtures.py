#!/usr/bin/python3
"""Reference values for NormLab's SwitchableNormalization, BatchInstanceNormalization,
MeanOnlyBatchNormalization and WeightNormalization (issue 4, part B).

Run:  /usr/bin/python3 tests/reference/make_beyond_b_fixtures.py
Writes tests/NormLab.Tests/Fixtures/beyond_b/<case>.json in the format of make_norm_fixtures.py.

Each layer's formula is written out in PyTorch (float64) from the reference code described in
shared/reference/beyond-keras-normalization.md, in NormLab's conventions: channels-last inputs are moved
to channels-first here; momentum is the weight of the OLD value. Gradients are those of
loss = sum(y * seed). Documented deviations (SN with a spatial size of 1: biased instance variance)
are implemented here as NormLab documents them.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

FX = FixtureSet("beyond_b", seed=4242)
RNG, f32, u32, t, write = FX.rng, FX.f32, FX.u32, FX.t, FX.write
EPS = 1e-3


def cf(x, axis):
    """Keras feature axis -> torch dim 1."""
    return x if axis % x.dim() == 1 else x.movedim(axis, 1)


def back(y, axis, rank):
    return y if axis % rank == 1 else y.movedim(1, axis)


def bcast(p, rank):
    return p.view(1, -1, *([1] * (rank - 2)))


# ------------------------------------------------------------------------ SwitchableNormalization

def sn_forward(x, axis, gamma, beta, lm, lv, training, rm, rv, momentum, use_bn=True):
    """SwitchNorm2d's forward (switchable_norm.py), for any rank; returns y and the new running stats."""
    rank = x.dim()
    xc = cf(x, axis)
    N, C = xc.shape[0], xc.shape[1]
    v = xc.reshape(N, C, -1)
    hw = v.shape[-1]
    mean_in = v.mean(-1, keepdim=True)
    var_in = v.var(-1, keepdim=True, unbiased=hw > 1)  # NormLab: biased (0) when HW == 1, the reference gives NaN
    temp = var_in + mean_in ** 2
    mean_ln = mean_in.mean(1, keepdim=True)
    var_ln = temp.mean(1, keepdim=True) - mean_ln ** 2
    w, wv = F.softmax(lm, 0), F.softmax(lv, 0)
    mean = w[0] * mean_in + w[1] * mean_ln
    var = wv[0] * var_in + wv[1] * var_ln
    if use_bn:
        if training:
            mean_bn = mean_in.mean(0, keepdim=True)
            var_bn = temp.mean(0, keepdim=True) - mean_bn ** 2
            rm = momentum * rm + (1 - momentum) * mean_bn.detach().view(-1)
            rv = momentum * rv + (1 - momentum) * var_bn.detach().view(-1)
        else:
            mean_bn, var_bn = rm.view(1, C, 1), rv.view(1, C, 1)
        mean = mean + w[2] * mean_bn
        var = var + wv[2] * var_bn
    y = (v - mean) / (var + EPS).sqrt()
    y = y.view(xc.shape) * bcast(gamma, rank) + bcast(beta, rank)
    return back(y, axis, rank), rm, rv


def sn_case(name, shape, axis=-1, use_bn=True, momentum=0.9):
    rank = len(shape)
    c = shape[axis]
    k = 3 if use_bn else 2
    xs = [f32(shape, 2.0, 0.5 + i) for i in range(3)]
    gamma, beta = f32((c,), 0.5, 1.0), f32((c,), 0.5)
    lm, lv = f32((k,), 0.5, 1.0), f32((k,), 0.5, 1.0)
    seed = f32(shape)
    P = [t(gamma, True), t(beta, True), t(lm, True), t(lv, True)]
    rm, rv = torch.zeros(c), torch.zeros(c)
    x0 = t(xs[0], True)
    y, rm, rv = sn_forward(x0, axis, *P, True, rm, rv, momentum, use_bn)
    (y * t(seed)).sum().backward()
    out = dict(x0=xs[0], x1=xs[1], x2=xs[2], seed=seed, gamma=gamma, beta=beta, mean_logits=lm, var_logits=lv,
               y_train=y, dx=x0.grad, dgamma=P[0].grad, dbeta=P[1].grad, dmean_logits=P[2].grad, dvar_logits=P[3].grad)
    with torch.no_grad():
        for xi in xs[1:]:
            _, rm, rv = sn_forward(t(xi), axis, *P, True, rm, rv, momentum, use_bn)
    for p in P:
        p.grad = None
    xi = t(xs[0], True)
    yi, _, _ = sn_forward(xi, axis, *P, False, rm, rv, momentum, use_bn)
    (yi * t(seed)).sum().backward()
    out.update(y_infer=yi, dx_infer=xi.grad, dmean_logits_infer=P[2].grad, dvar_logits_infer=P[3].grad)
    if use_bn:
        out.update(moving_mean=rm, moving_variance=rv)
    write(name, {"axis": axis, "momentum": momentum, "epsilon": EPS, "use_batch_statistics": use_bn}, **out)


# ------------------------------------------------------------------------ BatchInstanceNormalization

def bin_forward(x, axis, gamma, beta, rho, training, rm, rv, momentum):
    """batchinstancenorm.py's forward (BN branch + IN branch), for any rank >= 3."""
    rank = x.dim()
    xc = cf(x, axis)
    red = [0] + list(range(2, rank))
    sp = list(range(2, rank))
    if training:
        mb = xc.mean(red, keepdim=True)
        vb = xc.var(red, keepdim=True, unbiased=False)
        n = xc.numel() / xc.shape[1]
        rm = momentum * rm + (1 - momentum) * mb.detach().view(-1)
        rv = momentum * rv + (1 - momentum) * vb.detach().view(-1) * n / (n - 1)  # PyTorch: unbiased running var
    else:
        mb, vb = bcast(rm, rank), bcast(rv, rank)
    x_bn = (xc - mb) / (vb + EPS).sqrt()
    mi = xc.mean(sp, keepdim=True)
    vi = xc.var(sp, keepdim=True, unbiased=False)
    x_in = (xc - mi) / (vi + EPS).sqrt()
    r, g = bcast(rho, rank), bcast(gamma, rank)
    y = (r * x_bn + (1 - r) * x_in) * g + bcast(beta, rank)
    return back(y, axis, rank), rm, rv


def bin_case(name, shape, axis=-1, momentum=0.9):
    c = shape[axis]
    xs = [f32(shape, 2.0, 0.5 + i) for i in range(3)]
    gamma, beta, rho = f32((c,), 0.5, 1.0), f32((c,), 0.5), u32((c,), 0.1, 0.9)
    seed = f32(shape)
    P = [t(gamma, True), t(beta, True), t(rho, True)]
    rm, rv = torch.zeros(c), torch.ones(c)
    x0 = t(xs[0], True)
    y, rm, rv = bin_forward(x0, axis, *P, True, rm, rv, momentum)
    (y * t(seed)).sum().backward()
    out = dict(x0=xs[0], x1=xs[1], x2=xs[2], seed=seed, gamma=gamma, beta=beta, rho=rho,
               y_train=y, dx=x0.grad, dgamma=P[0].grad, dbeta=P[1].grad, drho=P[2].grad)
    with torch.no_grad():
        for xi in xs[1:]:
            _, rm, rv = bin_forward(t(xi), axis, *P, True, rm, rv, momentum)
    for p in P:
        p.grad = None
    xi = t(xs[0], True)
    yi, _, _ = bin_forward(xi, axis, *P, False, rm, rv, momentum)
    (yi * t(seed)).sum().backward()
    out.update(y_infer=yi, dx_infer=xi.grad, drho_infer=P[2].grad, moving_mean=rm, moving_variance=rv)
    write(name, {"axis": axis, "momentum": momentum, "epsilon": EPS}, **out)


# ------------------------------------------------------------------------ MeanOnlyBatchNormalization

def mobn_case(name, shape, axis=-1, momentum=0.9):
    rank = len(shape)
    c = shape[axis]
    xs = [f32(shape, 2.0, 0.5 + i) for i in range(3)]
    beta, seed = f32((c,), 0.5), f32(shape)
    red = [d for d in range(rank) if d != axis % rank]
    shp = [1] * rank
    shp[axis] = c
    b = t(beta, True)
    rm = torch.zeros(c)
    x0 = t(xs[0], True)
    m = x0.mean(red, keepdim=True)
    y = x0 - m + b.view(shp)  # Lasagne MeanOnlyBNLayer, train
    (y * t(seed)).sum().backward()
    rm = momentum * rm + (1 - momentum) * m.detach().view(-1)
    for xi in xs[1:]:
        rm = momentum * rm + (1 - momentum) * t(xi).mean(red)
    y_inf = t(xs[0]) - rm.view(shp) + t(beta).view(shp)
    write(name, {"axis": axis, "momentum": momentum}, x0=xs[0], x1=xs[1], x2=xs[2], seed=seed, beta=beta,
          y_train=y, dx=x0.grad, dbeta=b.grad, moving_mean=rm, y_infer=y_inf)


# ------------------------------------------------------------------------ WeightNormalization

def wn_dense_case():
    x, v, g, b = f32((6, 4)), f32((4, 3), 0.5), u32((3,), 0.5, 2.0), f32((3,), 0.3)
    seed = f32((6, 3))
    X, V, G, B = t(x, True), t(v, True), t(g, True), t(b, True)
    w = G * V / V.norm(dim=0, keepdim=True)  # per output unit (Keras kernel (in, out): axis 0)
    y = X @ w + B
    (y * t(seed)).sum().backward()
    # Data-dependent init (openai/weightnorm tensorflow/nn.py dense with init=True).
    xi = f32((16, 4), 1.5, 0.7)
    tpre = t(xi) @ (t(v) / t(v).norm(dim=0, keepdim=True))
    m, var = tpre.mean(0), tpre.var(0, unbiased=False)
    g_init = 1 / (var + 1e-10).sqrt()
    b_init = -m * g_init
    write("wn_dense", {}, x=x, v=v, g=g, bias=b, seed=seed, y=y, dx=X.grad, dv=V.grad, dg=G.grad, dbias=B.grad,
          x_init=xi, g_init=g_init, bias_init=b_init)


def wn_conv_case():
    x, v, g, b = f32((2, 5, 5, 3)), f32((3, 3, 3, 4), 0.5), u32((4,), 0.5, 2.0), f32((4,), 0.3)
    X, V, G, B = t(x, True), t(v, True), t(g, True), t(b, True)
    w = G * V / (V ** 2).sum(dim=(0, 1, 2), keepdim=True).sqrt()  # HWIO: over H, W, I
    y = F.conv2d(X.permute(0, 3, 1, 2), w.permute(3, 2, 0, 1), B).permute(0, 2, 3, 1)
    seed = f32(tuple(y.shape))
    (y * t(seed)).sum().backward()
    write("wn_conv", {}, x=x, v=v, g=g, bias=b, seed=seed, y=y, dx=X.grad, dv=V.grad, dg=G.grad, dbias=B.grad)


if __name__ == "__main__":
    sn_case("sn_rank4", (3, 4, 3, 5))
    sn_case("sn_rank4_axis1", (3, 4, 3, 5), axis=1)
    sn_case("sn_rank3", (4, 6, 5))
    sn_case("sn_rank2", (6, 5))
    sn_case("sn_spatial1", (4, 1, 1, 5))
    sn_case("sn_no_bn", (3, 4, 3, 5), use_bn=False)
    bin_case("bin_rank3", (4, 6, 5))
    bin_case("bin_rank4", (3, 4, 3, 5))
    bin_case("bin_rank4_axis1", (3, 4, 3, 5), axis=1)
    bin_case("bin_rank5", (2, 3, 2, 3, 4))
    mobn_case("mobn_rank2", (8, 5))
    mobn_case("mobn_rank3", (4, 6, 5))
    mobn_case("mobn_rank4_axis1", (3, 4, 3, 5), axis=1)
    wn_dense_case()
    wn_conv_case()
