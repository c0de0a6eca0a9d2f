#!/usr/bin/python3
"""Reference values for QK normalization in MultiHeadAttention and for the TransformerEncoder block (issue 22).

Run:  /usr/bin/python3 tests/reference/make_transformer_fixtures.py
Writes tests/NormLab.Tests/Fixtures/transformer/<case>.json in the format of make_norm_fixtures.py.

Written in float64 PyTorch with Keras's weight layouts (kernels (dim, heads, depth)), gradients of
loss = sum(y * seed) by autograd:
  QK-layernorm / QK-RMSNorm (Wortsman et al. 2023): LayerNorm or RMSNorm (eps 1e-5) of each head's queries and
    keys over keyDim, weights shared by the heads; logits q.k / sqrt(keyDim)
  QK-L2 (Henry et al. 2020, CyndxAI/QKNorm): q, k divided by max(||.||, 1e-5) per head; logits g * q.k
  TransformerEncoder (keras_hub's block): post-LN  x = LN(x + MHA(x)); x = LN(x + W2 relu(W1 x))
                                          pre-LN   x = x + MHA(LN(x));  x = x + W2 relu(W1 LN(x))
    the post- and pre-LN cases share every input and weight.
"""
import torch

from fixture_io import FixtureSet

FX = FixtureSet("transformer", seed=2226)
f32, t, write = FX.f32, FX.t, FX.write
EPS = 1e-5


def mha_weights(dim, heads, key_dim):
    return dict(query_kernel=f32((dim, heads, key_dim), 0.4), query_bias=f32((heads, key_dim), 0.2),
                key_kernel=f32((dim, heads, key_dim), 0.4), key_bias=f32((heads, key_dim), 0.2),
                value_kernel=f32((dim, heads, key_dim), 0.4), value_bias=f32((heads, key_dim), 0.2),
                output_kernel=f32((heads, key_dim, dim), 0.4), output_bias=f32((dim,), 0.2))


def layer_norm(x, gamma, beta):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS) * gamma + beta


def rms_norm(x, scale):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + EPS) * scale


def l2_unit(x):
    return x / torch.norm(x, dim=-1, keepdim=True).clamp(min=EPS)


def self_attention(x, w, qk_norm=None):
    key_dim = w["query_kernel"].shape[-1]
    q = torch.einsum("btd,dhk->bthk", x, w["query_kernel"]) + w["query_bias"]
    k = torch.einsum("btd,dhk->bthk", x, w["key_kernel"]) + w["key_bias"]
    v = torch.einsum("btd,dhk->bthk", x, w["value_kernel"]) + w["value_bias"]
    scale = key_dim ** -0.5
    if qk_norm == "layer":
        q, k = layer_norm(q, w["query_gamma"], w["query_beta"]), layer_norm(k, w["key_gamma"], w["key_beta"])
    elif qk_norm == "rms":
        q, k = rms_norm(q, w["query_scale"]), rms_norm(k, w["key_scale"])
    elif qk_norm == "l2":
        q, k, scale = l2_unit(q), l2_unit(k), w["qk_scale"]
    logits = torch.einsum("bshk,bthk->bhts", k, q) * scale
    att = torch.einsum("bhts,bshv->bthv", torch.softmax(logits, -1), v)
    return torch.einsum("bthv,hvo->bto", att, w["output_kernel"]) + w["output_bias"]


def leaves(**arrays):
    return {k: t(v, True) for k, v in arrays.items()}


def finish(case, config, y, ts, order):
    seed = f32(tuple(y.shape))
    (y * t(seed)).sum().backward()
    grads = {"d" + k: ts[k].grad for k in ts}
    write(case, dict(config, weights=order), y=y, seed=seed, **ts, **grads)


def qk_case(qk_norm):
    batch, steps, dim, heads, key_dim = 2, 4, 6, 2, 3
    w = mha_weights(dim, heads, key_dim)
    extra = {"layer": dict(query_gamma=f32((key_dim,), 0.3, 1.0), query_beta=f32((key_dim,), 0.2),
                           key_gamma=f32((key_dim,), 0.3, 1.0), key_beta=f32((key_dim,), 0.2)),
             "rms": dict(query_scale=f32((key_dim,), 0.3, 1.0), key_scale=f32((key_dim,), 0.3, 1.0)),
             "l2": dict(qk_scale=[3.0])}[qk_norm]
    ts = leaves(x=f32((batch, steps, dim)), **w, **extra)
    y = self_attention(ts["x"], ts, qk_norm)
    finish("mha_qk_" + qk_norm, {"numHeads": heads, "keyDim": key_dim, "qkNorm": qk_norm}, y, ts, list(w) + list(extra))


def encoder_cases():
    batch, steps, dim, heads, inner = 2, 3, 8, 2, 12
    arrays = dict(x=f32((batch, steps, dim)), **mha_weights(dim, heads, dim // heads),
                  attention_gamma=f32((dim,), 0.3, 1.0), attention_beta=f32((dim,), 0.2),
                  feedforward_gamma=f32((dim,), 0.3, 1.0), feedforward_beta=f32((dim,), 0.2),
                  intermediate_kernel=f32((dim, inner), 0.4), intermediate_bias=f32((inner,), 0.2),
                  output_dense_kernel=f32((inner, dim), 0.4), output_dense_bias=f32((dim,), 0.2))
    order = [k for k in arrays if k != "x"]
    seed = f32((batch, steps, dim))
    for placement in ("post", "pre"):
        ts = leaves(**arrays)
        attn_ln = lambda h: layer_norm(h, ts["attention_gamma"], ts["attention_beta"])
        ff_ln = lambda h: layer_norm(h, ts["feedforward_gamma"], ts["feedforward_beta"])
        ffn = lambda h: torch.relu(h @ ts["intermediate_kernel"] + ts["intermediate_bias"]) @ ts["output_dense_kernel"] + ts["output_dense_bias"]
        x = ts["x"]
        if placement == "post":
            x = attn_ln(x + self_attention(x, ts))
            y = ff_ln(x + ffn(x))
        else:
            x = x + self_attention(attn_ln(x), ts)
            y = x + ffn(ff_ln(x))
        (y * t(seed)).sum().backward()
        grads = {"d" + k: ts[k].grad for k in ts}
        write("encoder_" + placement, {"numHeads": heads, "intermediateDim": inner, "normPlacement": placement, "weights": order},
              y=y, seed=seed, **ts, **grads)


for qk in ("layer", "rms", "l2"):
    qk_case(qk)
encoder_cases()
