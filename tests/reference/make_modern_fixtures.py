#!/usr/bin/python3
"""Reference values for the modern normalizations and the transformer parts (issue 22).

Run:  /usr/bin/python3 tests/reference/make_modern_fixtures.py
Writes tests/NormLab.Tests/Fixtures/modern/<case>.json in the format of make_norm_fixtures.py.

Each formula is the reference code's as shared/reference/modern-normalization.md reports it, written
in PyTorch (float64, autograd for the gradients of loss = sum(y * seed)):
  DyT (jiachenzhu/DyT dynamic_tanh.py, channels last):  y = tanh(alpha x) * weight + bias
  ScaleNorm (tnq177/transformers_without_tears):        y = x * g / clamp(norm(x, dim=-1), min=eps)
  LayerScale (timm):                                   y = x * gamma
  PatchEmbedding: conv2d with kernel = stride = patch on NCHW, tokens row by row (NHWC flatten)
  PositionEmbedding (keras_hub): the first `length` rows of the table, broadcast over the batch
"""
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

FX = FixtureSet("modern", seed=2025)
f32, t, write = FX.f32, FX.t, FX.write


def dyt_case(name, shape, alpha):
    c = shape[-1]
    x, weight, bias, seed = f32(shape, 2.0), f32((c,), 0.5, 1.0), f32((c,), 0.5), f32(shape)
    tx, ta, tw, tb = t(x, True), t([alpha], True), t(weight, True), t(bias, True)
    y = torch.tanh(ta * tx) * tw + tb
    (y * t(seed)).sum().backward()
    write(name, {"alpha": alpha}, x=x, alpha=[alpha], weight=weight, bias=bias, seed=seed,
          y=y, dx=tx.grad, dalpha=ta.grad, dweight=tw.grad, dbias=tb.grad)


def scale_norm_case(name, shape, eps, tiny_row):
    x, seed = f32(shape, 1.5), f32(shape)
    if tiny_row:
        x.reshape(-1, shape[-1])[1] = 1e-7  # a row whose norm is below eps: the clamp holds
    g = float(shape[-1]) ** 0.5 * 0.9
    tx, tg = t(x, True), t([g], True)
    y = tx * tg / torch.norm(tx, dim=-1, keepdim=True).clamp(min=eps)
    (y * t(seed)).sum().backward()
    write(name, {"epsilon": eps}, x=x, scale=[g], seed=seed, y=y, dx=tx.grad, dscale=tg.grad)


def layer_scale_case():
    shape = (3, 4, 6)
    x, gamma, seed = f32(shape), f32((6,), 0.1), f32(shape)
    tx, tgm = t(x, True), t(gamma, True)
    y = tx * tgm
    (y * t(seed)).sum().backward()
    write("layer_scale", {}, x=x, gamma=gamma, seed=seed, y=y, dx=tx.grad, dgamma=tgm.grad)


def patch_embedding_case():
    n, h, w, c, p, d = 2, 8, 12, 3, 4, 5
    x, kernel, bias = f32((n, h, w, c)), f32((p, p, c, d), 0.3), f32((d,), 0.2)
    tokens = (h // p) * (w // p)
    seed = f32((n, tokens, d))
    tx, tk, tb = t(x, True), t(kernel, True), t(bias, True)
    z = F.conv2d(tx.permute(0, 3, 1, 2), tk.permute(3, 2, 0, 1), tb, stride=p)  # (n, d, h/p, w/p)
    y = z.permute(0, 2, 3, 1).reshape(n, tokens, d)
    (y * t(seed)).sum().backward()
    write("patch_embedding", {"patchSize": p, "projectionDim": d}, x=x, kernel=kernel, bias=bias, seed=seed,
          y=y, dx=tx.grad, dkernel=tk.grad, dbias=tb.grad)


def position_embedding_case():
    n, length, d, table_length = 2, 3, 4, 5
    x, table, seed = f32((n, length, d)), f32((table_length, d)), f32((n, length, d))
    tt = t(table, True)
    y = tt[:length].unsqueeze(0).expand(n, length, d)
    (y * t(seed)).sum().backward()
    write("position_embedding", {"sequenceLength": table_length}, x=x, embeddings=table, seed=seed,
          y=y, dembeddings=tt.grad)


dyt_case("dyt_rank2", (6, 8), 0.5)
dyt_case("dyt_rank3", (3, 5, 16), 0.8)
scale_norm_case("scale_norm_rank2", (5, 8), 1e-5, tiny_row=True)
scale_norm_case("scale_norm_rank3", (3, 4, 16), 1e-5, tiny_row=False)
layer_scale_case()
patch_embedding_case()
position_embedding_case()
