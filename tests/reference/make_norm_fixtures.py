#!/usr/bin/python3
"""Reference values for NormLab's Keras normalization layers.

Run:  /usr/bin/python3 tests/reference/make_norm_fixtures.py
Writes tests/NormLab.Tests/Fixtures/norm/<case>.json, each
  {"case": ..., "config": {...}, "tensors": {"name": {"shape": [...], "data": [...]}}}

Conventions are Keras 3's (see shared/reference/keras-normalization.md), converted where PyTorch differs:
channels-last (axis=-1) inputs are moved to channels-first for torch; momentum 0.99 weights the OLD
value (torch momentum = 1 - 0.99), epsilon 1e-3, and the moving variance uses the BIASED batch variance
(torch's running_var is unbiased, so the moving statistics are computed here, not read from torch).
Everything is computed in float64 from float32-representable inputs. Gradients are those of
loss = sum(y * seed) for a random seed tensor.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

FX = FixtureSet("norm", seed=1234)
RNG, f32, t, write = FX.rng, FX.f32, FX.t, FX.write

MOMENTUM, EPS = 0.99, 1e-3


def to_channels_first(x, axis):
    """Keras feature axis -> torch dim 1."""
    return x if axis in (1, 1 - x.dim()) else x.movedim(axis, 1)


def from_channels_first(y, axis, rank):
    return y if axis in (1, 1 - rank) else y.movedim(1, axis)


# ------------------------------------------------------------------------ BatchNormalization

def bn_case(rank, axis):
    shapes = {2: (8, 5), 3: (4, 3, 5), 4: (2, 3, 4, 5), 5: (2, 2, 3, 2, 4)}
    shape = shapes[rank]
    c = shape[axis]
    xs = [f32(shape, 2.0, 0.5 + i) for i in range(3)]
    gamma, beta = f32((c,), 0.5, 1.0), f32((c,), 0.5)
    seed = f32(shape)
    red = tuple(d for d in range(rank) if d != axis % rank)

    # Training forward + gradients on the first batch (torch, channels-first).
    x0 = t(xs[0], True)
    g, b = t(gamma, True), t(beta, True)
    y = from_channels_first(
        F.batch_norm(to_channels_first(x0, axis), None, None, g, b, training=True, momentum=0.0, eps=EPS), axis, rank)
    (y * t(seed)).sum().backward()

    # Moving statistics, Keras convention, biased variance.
    mm, mv = np.zeros(c), np.ones(c)
    for x in xs:
        mm = mm * MOMENTUM + x.mean(axis=red) * (1 - MOMENTUM)
        mv = mv * MOMENTUM + x.var(axis=red) * (1 - MOMENTUM)
    y_inf = from_channels_first(
        F.batch_norm(to_channels_first(t(xs[0]), axis), t(mm), t(mv), t(gamma), t(beta), training=False, eps=EPS), axis, rank)
    name = "bn_rank%d_axis%s" % (rank, "m1" if axis == -1 else str(axis))
    write(name, {"axis": axis, "momentum": MOMENTUM, "epsilon": EPS, "steps": 3},
          x0=xs[0], x1=xs[1], x2=xs[2], gamma=gamma, beta=beta, seed=seed,
          y_train=y, dx=x0.grad, dgamma=g.grad, dbeta=b.grad,
          moving_mean=mm, moving_variance=mv, y_infer=y_inf)


def bn_renorm_case(clipping):
    shape, axis = (16, 4), -1
    c = shape[-1]
    xs = [f32(shape, 2.0 + 0.5 * i, 0.5 * i) for i in range(3)]
    gamma, beta = f32((c,), 0.5, 1.0), f32((c,), 0.5)
    seed = f32(shape)
    rmom = 0.9  # a non-default renorm momentum so that r and d move away from 1 and 0 quickly
    mm, mv, ms = np.zeros(c), np.ones(c), np.ones(c)
    rmean, rstd = np.zeros(c), np.ones(c)
    out = {}
    for step, x in enumerate(xs):
        xt = t(x, True)
        g, b = t(gamma, True), t(beta, True)
        mean = xt.mean(0)
        var = ((xt - mean) ** 2).mean(0)
        std = torch.sqrt(var + EPS)
        rs = torch.clamp(t(rstd), min=np.sqrt(EPS))
        r = (std / rs).detach()
        d = ((mean - t(rmean)) / rs).detach()
        if clipping:
            r = torch.clamp(r, clipping["rmin"], clipping["rmax"])
            d = torch.clamp(d, -clipping["dmax"], clipping["dmax"])
        y = ((xt - mean) / std * r + d) * g + b
        (y * t(seed)).sum().backward()
        m_np, s_np = mean.detach().numpy(), std.detach().numpy()
        rmean = rmean * rmom + m_np * (1 - rmom)
        rstd = rstd * rmom + s_np * (1 - rmom)
        mm = mm * MOMENTUM + m_np * (1 - MOMENTUM)
        ms = ms * MOMENTUM + s_np * (1 - MOMENTUM)
        mv = np.maximum(ms ** 2 - EPS, 0)
        if step == len(xs) - 1:
            out = dict(y_train=y, dx=xt.grad, dgamma=g.grad, dbeta=b.grad, r=r, d=d)
    y_inf = (t(xs[0]) - t(mm)) / torch.sqrt(t(mv) + EPS) * t(gamma) + t(beta)
    write("bn_renorm" + ("_clip" if clipping else ""),
          {"axis": axis, "momentum": MOMENTUM, "epsilon": EPS, "renorm_momentum": rmom,
           "renorm_clipping": clipping, "steps": 3, "grads_at_step": 2},
          x0=xs[0], x1=xs[1], x2=xs[2], gamma=gamma, beta=beta, seed=seed,
          moving_mean=mm, moving_variance=mv, moving_stddev=ms, renorm_mean=rmean, renorm_stddev=rstd,
          y_infer=y_inf, **out)


# ------------------------------------------------------------------------ LayerNormalization

def ln_case(name, shape, axes, rms_scaling=False):
    rank = len(shape)
    axes = sorted(a % rank for a in axes)
    pshape = tuple(shape[a] for a in axes)
    x_np = f32(shape, 1.5, 0.3)
    gamma, beta = f32(pshape, 0.5, 1.0), f32(pshape, 0.5)
    seed = f32(shape)
    x = t(x_np, True)
    g = t(gamma, True)
    b = t(beta, True)
    bshape = [shape[d] if d in axes else 1 for d in range(rank)]
    trailing = axes == list(range(rank - len(axes), rank))
    if trailing and not rms_scaling:
        y = F.layer_norm(x, pshape, g, b, eps=EPS)  # torch's own kernel where it applies
    else:
        mean = x.mean(dim=axes, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        if rms_scaling:
            y = x * torch.rsqrt(var + EPS) * g.reshape(bshape)
        else:
            y = (x - mean) / torch.sqrt(var + EPS) * g.reshape(bshape) + b.reshape(bshape)
    (y * t(seed)).sum().backward()
    tensors = dict(x=x_np, gamma=gamma, seed=seed, y=y, dx=x.grad, dgamma=g.grad)
    if not rms_scaling:
        tensors.update(beta=beta, dbeta=b.grad)
    write(name, {"axis": axes, "epsilon": EPS, "rms_scaling": rms_scaling}, **tensors)


# ------------------------------------------------------------------------ GroupNormalization

def gn_case(groups, shape=(2, 3, 3, 8)):
    c = shape[-1]
    g_eff = c if groups == -1 else groups
    x_np = f32(shape, 1.5, 0.7)
    gamma, beta = f32((c,), 0.5, 1.0), f32((c,), 0.5)
    seed = f32(shape)
    x, g, b = t(x_np, True), t(gamma, True), t(beta, True)
    y = F.group_norm(x.movedim(-1, 1), g_eff, g, b, eps=EPS).movedim(1, -1)
    (y * t(seed)).sum().backward()
    write("gn_groups%s" % ("m1" if groups == -1 else groups), {"groups": groups, "axis": -1, "epsilon": EPS},
          x=x_np, gamma=gamma, beta=beta, seed=seed, y=y, dx=x.grad, dgamma=g.grad, dbeta=b.grad)


# ------------------------------------------------------------------------ Normalization

def normalization_cases():
    data = f32((12, 3, 4), 3.0, 5.0)
    x = f32((2, 3, 4), 3.0, 5.0)
    for axis, name in ((-1, "normalization_adapt_axis_m1"), (None, "normalization_adapt_axis_none"),
                       ((1, 2), "normalization_adapt_axis_12")):
        keep = () if axis is None else tuple(a % 3 for a in (axis if isinstance(axis, tuple) else (axis,)))
        red = tuple(d for d in range(3) if d not in keep)
        mean = data.mean(axis=red, keepdims=True)
        var = data.var(axis=red, keepdims=True)
        std = np.maximum(np.sqrt(var), 1e-7)
        y = (x - mean) / std
        y_inv = mean + x * std
        stat_shape = tuple(3 if d == 1 else 4 for d in keep)
        write(name, {"axis": None if axis is None else list(keep), "batches": 3},
              data=data, x=x, mean=mean.reshape(stat_shape), variance=var.reshape(stat_shape), y=y, y_invert=y_inv)
    # Explicit statistics: a 1-D mean aligned right-to-left onto kept axes (1, 2), repeated along axis 1.
    mean1 = f32((4,), 1.0, 2.0)
    var1 = np.abs(f32((4,), 1.0, 1.0)) + 0.1
    var1[0] = 0.0  # hits the 1e-7 std floor
    std = np.maximum(np.sqrt(var1), 1e-7)
    write("normalization_explicit_axis_12", {"axis": [1, 2]},
          x=x, mean=mean1, variance=var1, y=(x - mean1) / std, y_invert=mean1 + x * std)


# ------------------------------------------------------------------------ Unit / RMS

def unit_cases():
    for name, shape, axis in (("unit_axis_m1", (4, 6), [-1]), ("unit_axis_12", (2, 3, 4), [1, 2])):
        x_np = f32(shape)
        x_np[0] = 0.0  # a zero vector (axis -1 case) exercises the 1e-12 floor
        seed = f32(shape)
        x = t(x_np, True)
        dims = [a % len(shape) for a in axis]
        y = x * torch.rsqrt(torch.clamp((x * x).sum(dim=dims, keepdim=True), min=1e-24))
        (y * t(seed)).sum().backward()
        write(name, {"axis": axis}, x=x_np, seed=seed, y=y, dx=x.grad)


def rms_case():
    shape = (3, 4, 8)
    x_np = f32(shape, 1.2, 0.4)
    scale = f32((8,), 0.5, 1.0)
    seed = f32(shape)
    x, s = t(x_np, True), t(scale, True)
    y = x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-6) * s
    (y * t(seed)).sum().backward()
    write("rms_axis_m1", {"axis": -1, "epsilon": 1e-6}, x=x_np, scale=scale, seed=seed, y=y, dx=x.grad, dscale=s.grad)


# ------------------------------------------------------------------------ SpectralNormalization

def l2n(v):
    return v / max(np.sqrt((v * v).sum()), 1e-7)


def spectral_case(name, kshape, iters):
    kernel = f32(kshape, 0.5)
    out = kshape[-1]
    u0 = f32((1, out), 0.02)
    w = kernel.reshape(-1, out)
    u = u0
    for _ in range(iters):
        v = l2n(u @ w.T)
        u = l2n(v @ w)
    sigma = (v @ w) @ u.T
    new_kernel = kernel / sigma[0, 0]
    tensors = dict(kernel=kernel, vector_u=u0, new_kernel=new_kernel, new_vector_u=u,
                   sigma=sigma.reshape(1), torch_sigma=np.array([np.linalg.svd(w, compute_uv=False)[0]]))
    if len(kshape) == 2:
        bias = f32((out,), 0.1)
        x = f32((3, kshape[0]))
        tensors.update(bias=bias, x=x, y_train=x @ new_kernel + bias, y_infer_before=x @ kernel + bias)
    write(name, {"power_iterations": iters, "kernel_shape": list(kshape)}, **tensors)


def main():
    for rank in (2, 3, 4, 5):
        for axis in (-1, 1):
            bn_case(rank, axis)
    bn_renorm_case(None)
    bn_renorm_case({"rmax": 1.1, "rmin": 0.9, "dmax": 0.05})
    ln_case("ln_axis_m1", (3, 4, 6), [-1])
    ln_case("ln_axes_12", (3, 4, 6), [1, 2])
    ln_case("ln_axis_1", (3, 4, 6), [1])
    ln_case("ln_axes_13", (2, 3, 4, 5), [1, 3])
    ln_case("ln_rms_scaling", (3, 4, 6), [-1], rms_scaling=True)
    for groups in (1, 4, -1):
        gn_case(groups)
    normalization_cases()
    unit_cases()
    rms_case()
    spectral_case("spectral_dense", (5, 4), 1)
    spectral_case("spectral_dense_iter3", (5, 4), 3)
    spectral_case("spectral_conv2d", (3, 3, 2, 4), 1)


if __name__ == "__main__":
    main()
