#!/usr/bin/python3
"""Golden reference fixtures for NormLab core layers, activations and losses.

Run from anywhere (paths are resolved relative to this file):

    /usr/bin/python3 tests/reference/make_core_fixtures.py

Conventions (Keras 3 semantics, channels-last):
  * Inputs/weights are drawn from numpy with a per-case seed (crc32 of the case
    name, so adding a case never changes the others), rounded to float32 and
    then promoted to float64.  All maths is done in float64 with PyTorch and
    the results are rounded to float32 when written.
  * Layer fixtures: loss = sum(y * seed) where `seed` is a random tensor of y's
    shape, so dx / dkernel / ... are the gradients of that loss, i.e. exactly
    what `y.Backward(seed)` should produce.
  * Loss fixtures: `loss` is the scalar (mean over the batch) and `dy_pred` is
    d(loss)/d(y_pred).
  * Keras weight layouts: Dense kernel (in, out); Conv2D kernel
    (kh, kw, in, out); Embedding embeddings (inputDim, outputDim); LSTM kernel
    (in, 4u), recurrent_kernel (u, 4u), bias (4u) with gate order i, f, c, o.
  * Every torch-based computation of conv / pooling / LSTM is cross-checked
    against an independent naive numpy (or torch.nn.LSTM) implementation; the
    script aborts if they disagree.

Output: tests/NormLab.Tests/Fixtures/core/<case>.json, each
  {"case": name, "config": {...Keras camelCase args...},
   "tensors": {name: {"shape": [...], "data": [flat row-major floats]}}}
"""

import json
import math
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)
torch.set_default_dtype(torch.float64)
torch.use_deterministic_algorithms(True)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "NormLab.Tests", "Fixtures", "core"))

EPS = 1e-7  # keras.config.epsilon()
# Keras clips float32 tensors, so the effective bounds are the float32 roundings of 1e-7 and
# 1 - 1e-7 (the latter is 0.99999988079..., i.e. 1 - 1.19e-7).  This matters for
# log(1 - clip(1.0)) in binary crossentropy: log(1.19e-7) = -15.94, not log(1e-7) = -16.12.
CLIP_LO = float(np.float32(EPS))
CLIP_HI = float(np.float32(1.0 - EPS))

WRITTEN = []


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------

def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))


def f32(a):
    """Round to float32, return float64 numpy array (exactly float32-representable)."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def randn(rng, *shape, scale=1.0):
    return f32(rng.standard_normal(shape) * scale)


def uniform(rng, lo, hi, *shape):
    return f32(rng.uniform(lo, hi, shape))


def leaf(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def to_np(t):
    return t.detach().cpu().numpy().astype(np.float64)


def tensor_json(a):
    a = np.asarray(a, dtype=np.float64)
    a32 = a.astype(np.float32)
    if not np.all(np.isfinite(a32)):
        raise ValueError("non-finite value in fixture")
    # str(np.float32) is the shortest string that round-trips the float32 value.
    data = [float(str(v)) for v in a32.ravel()]
    return {"shape": list(a.shape), "data": data}


def write_fixture(name, config, tensors):
    os.makedirs(OUT_DIR, exist_ok=True)
    lines = ["{",
             '  "case": %s,' % json.dumps(name),
             '  "config": %s,' % json.dumps(config),
             '  "tensors": {']
    items = list(tensors.items())
    for i, (k, v) in enumerate(items):
        tj = tensor_json(v)
        lines.append('    %s: {"shape": %s, "data": %s}%s' % (
            json.dumps(k), json.dumps(tj["shape"]),
            json.dumps(tj["data"], separators=(",", ":")),
            "," if i + 1 < len(items) else ""))
    lines.append("  }")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity
    path = os.path.join(OUT_DIR, name + ".json")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    WRITTEN.append((name, len(text)))
    if len(text) > 30000:
        raise ValueError("fixture %s too large: %d bytes" % (name, len(text)))


def check_close(a, b, what, tol=1e-10):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise AssertionError("%s: shape %s vs %s" % (what, a.shape, b.shape))
    err = np.max(np.abs(a - b)) if a.size else 0.0
    if err > tol * max(1.0, np.max(np.abs(a)) if a.size else 1.0):
        raise AssertionError("%s: cross-check failed, max abs err %g" % (what, err))


def tf_same_pads(in_size, k, stride, dilation=1):
    """TensorFlow/Keras 'same' padding: (out, pad_before, pad_after)."""
    out = -(-in_size // stride)  # ceil
    eff = (k - 1) * dilation + 1
    total = max((out - 1) * stride + eff - in_size, 0)
    return out, total // 2, total - total // 2


def out_size(in_size, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    if padding == "same":
        return tf_same_pads(in_size, k, stride, dilation)[0]
    return (in_size - eff) // stride + 1  # == ceil((in - eff + 1) / stride)


# ----------------------------------------------------------------------------
# Dense
# ----------------------------------------------------------------------------

def dense_case(name, x_shape, units, use_bias=True, activation="linear"):
    rng = rng_for(name)
    x = randn(rng, *x_shape)
    kernel = randn(rng, x_shape[-1], units, scale=0.5)
    bias = randn(rng, units, scale=0.5)
    xt, kt, bt = leaf(x), leaf(kernel), leaf(bias)
    y = xt @ kt
    if use_bias:
        y = y + bt
    if activation == "relu":
        y = torch.relu(y)
    elif activation != "linear":
        raise ValueError(activation)
    seed = randn(rng, *y.shape)
    (y * leaf(seed, False)).sum().backward()
    tensors = {"x": x, "kernel": kernel}
    if use_bias:
        tensors["bias"] = bias
    tensors.update({"y": to_np(y), "seed": seed, "dx": to_np(xt.grad), "dkernel": to_np(kt.grad)})
    if use_bias:
        tensors["dbias"] = to_np(bt.grad)
    # cross-check with numpy
    yn = np.tensordot(x, kernel, axes=([x.ndim - 1], [0])) + (bias if use_bias else 0.0)
    if activation == "relu":
        assert np.min(np.abs(yn)) > 1e-3, "pre-activation too close to 0"
        yn = np.maximum(yn, 0)
    check_close(yn, to_np(y), name + " y")
    write_fixture(name, {"units": units, "activation": activation, "useBias": use_bias}, tensors)


# ----------------------------------------------------------------------------
# Conv2D (NHWC, kernel (kh, kw, in, out))
# ----------------------------------------------------------------------------

def conv2d_keras_torch(x, kernel, bias, strides, padding, dilation):
    n, h, w, c = x.shape
    kh, kw = kernel.shape[0], kernel.shape[1]
    xc = x.permute(0, 3, 1, 2)
    wc = kernel.permute(3, 2, 0, 1)  # (out, in, kh, kw)
    if padding == "same":
        _, pt, pb = tf_same_pads(h, kh, strides[0], dilation[0])
        _, pl, pr = tf_same_pads(w, kw, strides[1], dilation[1])
        xc = F.pad(xc, (pl, pr, pt, pb))
    y = F.conv2d(xc, wc, bias, stride=tuple(strides), dilation=tuple(dilation))
    return y.permute(0, 2, 3, 1)


def conv2d_naive(x, kernel, bias, strides, padding, dilation):
    n, h, w, c = x.shape
    kh, kw, _, o = kernel.shape
    oh = out_size(h, kh, strides[0], dilation[0], padding)
    ow = out_size(w, kw, strides[1], dilation[1], padding)
    pt = tf_same_pads(h, kh, strides[0], dilation[0])[1] if padding == "same" else 0
    pl = tf_same_pads(w, kw, strides[1], dilation[1])[1] if padding == "same" else 0
    y = np.zeros((n, oh, ow, o))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] - pt + a * dilation[0]
                    q = j * strides[1] - pl + b * dilation[1]
                    if 0 <= r < h and 0 <= q < w:
                        y[:, i, j, :] += x[:, r, q, :] @ kernel[a, b]
    if bias is not None:
        y += bias
    return y


def conv2d_case(name, x_shape, filters, ksize, strides=(1, 1), padding="valid",
                dilation=(1, 1), use_bias=True):
    rng = rng_for(name)
    x = randn(rng, *x_shape)
    kernel = randn(rng, ksize[0], ksize[1], x_shape[3], filters, scale=0.5)
    bias = randn(rng, filters, scale=0.5)
    xt, kt, bt = leaf(x), leaf(kernel), leaf(bias)
    y = conv2d_keras_torch(xt, kt, bt if use_bias else None, strides, padding, dilation)
    check_close(conv2d_naive(x, kernel, bias if use_bias else None, strides, padding, dilation),
                to_np(y), name + " y")
    if padding == "same" and tuple(strides) == (1, 1) and ksize[0] % 2 == 1 and ksize[1] % 2 == 1:
        # symmetric case: torch's own 'same' must agree
        yt = F.conv2d(xt.permute(0, 3, 1, 2), kt.permute(3, 2, 0, 1), bt if use_bias else None,
                      padding="same", dilation=tuple(dilation)).permute(0, 2, 3, 1)
        check_close(to_np(yt), to_np(y), name + " torch same")
    seed = randn(rng, *y.shape)
    (y * leaf(seed, False)).sum().backward()
    tensors = {"x": x, "kernel": kernel}
    if use_bias:
        tensors["bias"] = bias
    tensors.update({"y": to_np(y), "seed": seed, "dx": to_np(xt.grad), "dkernel": to_np(kt.grad)})
    if use_bias:
        tensors["dbias"] = to_np(bt.grad)
    config = {"filters": filters, "kernelSize": list(ksize), "strides": list(strides),
              "padding": padding, "dilationRate": list(dilation), "useBias": use_bias}
    write_fixture(name, config, tensors)


# ----------------------------------------------------------------------------
# Pooling (NHWC)
# ----------------------------------------------------------------------------

def pool_pads(h, w, pool, strides, padding):
    if padding != "same":
        return 0, 0, 0, 0
    _, pt, pb = tf_same_pads(h, pool[0], strides[0])
    _, pl, pr = tf_same_pads(w, pool[1], strides[1])
    return pt, pb, pl, pr


def maxpool_torch(x, pool, strides, padding):
    n, h, w, c = x.shape
    pt, pb, pl, pr = pool_pads(h, w, pool, strides, padding)
    xc = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb), value=-math.inf)
    y = F.max_pool2d(xc, tuple(pool), stride=tuple(strides))
    return y.permute(0, 2, 3, 1)


def avgpool_torch(x, pool, strides, padding):
    """Average over the valid (non-padding) elements only, TF asymmetric padding."""
    n, h, w, c = x.shape
    pt, pb, pl, pr = pool_pads(h, w, pool, strides, padding)
    xc = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb), value=0.0)
    ones = F.pad(torch.ones(1, 1, h, w, dtype=x.dtype), (pl, pr, pt, pb), value=0.0)
    sums = F.avg_pool2d(xc, tuple(pool), stride=tuple(strides), divisor_override=1)
    counts = F.avg_pool2d(ones, tuple(pool), stride=tuple(strides), divisor_override=1)
    assert float(counts.min()) >= 1.0
    return (sums / counts).permute(0, 2, 3, 1)


def pool_naive(x, pool, strides, padding, kind):
    n, h, w, c = x.shape
    oh = out_size(h, pool[0], strides[0], 1, padding)
    ow = out_size(w, pool[1], strides[1], 1, padding)
    pt, _, pl, _ = pool_pads(h, w, pool, strides, padding)
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, q0 = i * strides[0] - pt, j * strides[1] - pl
            rs = [r for r in range(r0, r0 + pool[0]) if 0 <= r < h]
            qs = [q for q in range(q0, q0 + pool[1]) if 0 <= q < w]
            win = x[:, rs][:, :, qs]
            y[:, i, j, :] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return y


def pool_case(name, kind, x_shape, pool, strides, padding):
    rng = rng_for(name)
    x = randn(rng, *x_shape)
    eff_strides = strides if strides is not None else pool
    xt = leaf(x)
    fn = maxpool_torch if kind == "max" else avgpool_torch
    y = fn(xt, pool, eff_strides, padding)
    check_close(pool_naive(x, pool, eff_strides, padding, kind), to_np(y), name + " y")
    seed = randn(rng, *y.shape)
    (y * leaf(seed, False)).sum().backward()
    config = {"poolSize": list(pool), "strides": list(strides) if strides is not None else None,
              "padding": padding}
    write_fixture(name, config, {"x": x, "y": to_np(y), "seed": seed, "dx": to_np(xt.grad)})


# ----------------------------------------------------------------------------
# Embedding
# ----------------------------------------------------------------------------

def embedding_case(name, input_dim, output_dim, idx_shape):
    rng = rng_for(name)
    idx = rng.integers(0, input_dim, size=idx_shape)
    idx.flat[0] = 0
    idx.flat[1] = input_dim - 1
    idx.flat[2] = idx.flat[3]  # guarantee a repeated index (gradient accumulation)
    emb = randn(rng, input_dim, output_dim)
    et = leaf(emb)
    y = F.embedding(torch.tensor(idx, dtype=torch.long), et)
    check_close(emb[idx], to_np(y), name + " y")
    seed = randn(rng, *y.shape)
    (y * leaf(seed, False)).sum().backward()
    write_fixture(name, {"inputDim": input_dim, "outputDim": output_dim},
                  {"x": idx.astype(np.float64), "embeddings": emb, "y": to_np(y), "seed": seed,
                   "dembeddings": to_np(et.grad)})


# ----------------------------------------------------------------------------
# LSTM (Keras layout, gate order i, f, c, o; tanh / sigmoid; zero initial state)
# ----------------------------------------------------------------------------

def lstm_keras(x, kernel, rec, bias, units, return_sequences):
    b, t, _ = x.shape
    h = torch.zeros(b, units, dtype=x.dtype)
    c = torch.zeros(b, units, dtype=x.dtype)
    outs = []
    for s in range(t):
        z = x[:, s, :] @ kernel + h @ rec + bias
        zi, zf, zc, zo = torch.split(z, units, dim=1)
        i = torch.sigmoid(zi)
        f = torch.sigmoid(zf)
        g = torch.tanh(zc)
        o = torch.sigmoid(zo)
        c = f * c + i * g
        h = o * torch.tanh(c)
        outs.append(h)
    return torch.stack(outs, dim=1) if return_sequences else h


def lstm_case(name, x_shape, units, return_sequences):
    rng = rng_for(name)
    x = randn(rng, *x_shape)
    feat = x_shape[2]
    kernel = randn(rng, feat, 4 * units, scale=0.5)
    rec = randn(rng, units, 4 * units, scale=0.5)
    bias = randn(rng, 4 * units, scale=0.5)
    xt, kt, rt, bt = leaf(x), leaf(kernel), leaf(rec), leaf(bias)
    y = lstm_keras(xt, kt, rt, bt, units, return_sequences)
    # cross-check against torch.nn.LSTM (weight_ih = kernel^T, bias_ih = bias, bias_hh = 0)
    ref = torch.nn.LSTM(feat, units, batch_first=True).double()
    with torch.no_grad():
        ref.weight_ih_l0.copy_(torch.tensor(kernel.T))
        ref.weight_hh_l0.copy_(torch.tensor(rec.T))
        ref.bias_ih_l0.copy_(torch.tensor(bias))
        ref.bias_hh_l0.zero_()
        seq, (hn, _) = ref(torch.tensor(x))
    check_close(to_np(seq if return_sequences else hn[0]), to_np(y), name + " nn.LSTM")
    seed = randn(rng, *y.shape)
    (y * leaf(seed, False)).sum().backward()
    write_fixture(name, {"units": units, "returnSequences": return_sequences,
                         "activation": "tanh", "recurrentActivation": "sigmoid"},
                  {"x": x, "kernel": kernel, "recurrent_kernel": rec, "bias": bias,
                   "y": to_np(y), "seed": seed, "dx": to_np(xt.grad), "dkernel": to_np(kt.grad),
                   "drecurrent_kernel": to_np(rt.grad), "dbias": to_np(bt.grad)})


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------

ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softmax": lambda v: torch.softmax(v, dim=-1),
    "elu": lambda v: F.elu(v, alpha=1.0),
    "gelu": lambda v: F.gelu(v, approximate="none"),       # Keras 3 default approximate=False
    "leaky_relu": lambda v: F.leaky_relu(v, negative_slope=0.2),  # keras.activations default
    "swish": F.silu,
    "silu": F.silu,
    # Keras 3's further activations; hard_sigmoid is Keras 3's relu6(x + 3) / 6 (= torch's hardsigmoid),
    # hard_silu/hard_swish x * hard_sigmoid(x) (= torch's hardswish).
    "selu": F.selu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "relu6": F.relu6,
    "hard_sigmoid": F.hardsigmoid,
    "hard_silu": F.hardswish,
    "hard_swish": F.hardswish,
    "mish": F.mish,
    "exponential": torch.exp,
}


def activation_case(act):
    name = "act_" + act
    rng = rng_for("activations")  # same input for every activation
    base = np.linspace(-4.0, 4.0, 24)  # does not contain 0
    x = f32(base + rng.uniform(-0.05, 0.05, 24)).reshape(4, 6)
    assert np.min(np.abs(x)) > 0.05
    xt = leaf(x)
    y = ACTIVATIONS[act](xt)
    seed = randn(rng_for(name), *y.shape)
    (y * leaf(seed, False)).sum().backward()
    write_fixture(name, {"activation": act},
                  {"x": x, "y": to_np(y), "seed": seed, "dx": to_np(xt.grad)})


# ----------------------------------------------------------------------------
# Losses (value = mean over the batch; grad wrt y_pred)
# ----------------------------------------------------------------------------

def scce(y_true, y_pred, from_logits):
    idx = y_true.long()
    if from_logits:
        logp = torch.log_softmax(y_pred, dim=-1)
    else:
        p = y_pred / y_pred.sum(dim=-1, keepdim=True)
        logp = torch.log(torch.clamp(p, CLIP_LO, CLIP_HI))
    return (-logp.gather(1, idx[:, None])[:, 0]).mean()


def cce(y_true, y_pred, from_logits):
    if from_logits:
        logp = torch.log_softmax(y_pred, dim=-1)
    else:
        p = y_pred / y_pred.sum(dim=-1, keepdim=True)
        logp = torch.log(torch.clamp(p, CLIP_LO, CLIP_HI))
    return (-(y_true * logp).sum(dim=-1)).mean()


def bce(y_true, y_pred, from_logits):
    if from_logits:
        z = y_pred
        per = torch.clamp(z, min=0) - z * y_true + torch.log1p(torch.exp(-torch.abs(z)))
    else:
        p = torch.clamp(y_pred, CLIP_LO, CLIP_HI)
        per = -(y_true * torch.log(p) + (1 - y_true) * torch.log(1 - p))
    return per.mean(dim=-1).mean()


def mse(y_true, y_pred, _):
    return ((y_pred - y_true) ** 2).mean(dim=-1).mean()


def mae(y_true, y_pred, _):
    return (y_pred - y_true).abs().mean(dim=-1).mean()


LOSSES = {
    "sparse_categorical_crossentropy": scce,
    "categorical_crossentropy": cce,
    "binary_crossentropy": bce,
    "mean_squared_error": mse,
    "mean_absolute_error": mae,
}


def loss_case(name, loss_name, from_logits, y_true, y_pred):
    yp = leaf(y_pred)
    val = LOSSES[loss_name](torch.tensor(y_true), yp, from_logits)
    val.backward()
    write_fixture(name, {"loss": loss_name, "fromLogits": from_logits},
                  {"y_true": y_true, "y_pred": y_pred, "loss": np.array(to_np(val)),
                   "dy_pred": to_np(yp.grad)})


def loss_cases():
    B, C = 6, 4
    # sparse categorical
    rng = rng_for("loss_scce")
    labels = np.array([0, 3, 1, 2, 3, 1], dtype=np.float64)
    probs = uniform(rng, 0.05, 1.0, B, C)  # deliberately NOT normalized: Keras renormalizes
    logits = randn(rng, B, C, scale=2.0)
    loss_case("loss_scce_probs", "sparse_categorical_crossentropy", False, labels, probs)
    loss_case("loss_scce_logits", "sparse_categorical_crossentropy", True, labels, logits)
    # clipping: target prob 0 (-> clipped to 1e-7) and a row whose target prob is exactly 1
    clip = probs.copy()
    clip[0] = [0.0, 0.5, 0.25, 0.25]      # target 0 has p = 0
    clip[1] = [0.0, 0.0, 0.0, 0.7]        # target 3 renormalizes to exactly 1
    loss_case("loss_scce_probs_clip", "sparse_categorical_crossentropy", False, labels, f32(clip))

    # categorical
    rng = rng_for("loss_cce")
    onehot = np.eye(C)[np.array([2, 0, 1, 3, 3, 0])]
    probs = uniform(rng, 0.05, 1.0, B, C)
    logits = randn(rng, B, C, scale=2.0)
    loss_case("loss_cce_probs", "categorical_crossentropy", False, onehot, probs)
    loss_case("loss_cce_logits", "categorical_crossentropy", True, onehot, logits)
    soft = f32(np.abs(randn(rng, B, C)) + 0.1)
    soft = f32(soft / soft.sum(axis=-1, keepdims=True))
    loss_case("loss_cce_logits_soft", "categorical_crossentropy", True, soft, logits)
    clip = probs.copy()
    clip[0] = [0.3, 0.3, 0.0, 0.4]        # target 2 has p = 0
    clip[1] = [0.9, 0.0, 0.0, 0.0]        # target 0 renormalizes to exactly 1
    loss_case("loss_cce_probs_clip", "categorical_crossentropy", False, onehot, f32(clip))

    # binary (multi-label, shape (6, 4)): per-sample mean over last axis, then batch mean
    rng = rng_for("loss_bce")
    targets = rng.integers(0, 2, size=(B, C)).astype(np.float64)
    probs = uniform(rng, 0.02, 0.98, B, C)
    logits = randn(rng, B, C, scale=3.0)
    loss_case("loss_bce_probs", "binary_crossentropy", False, targets, probs)
    loss_case("loss_bce_logits", "binary_crossentropy", True, targets, logits)
    clip = probs.copy()
    clip[0] = [0.0, 1.0, 0.0, 1.0]
    targets_clip = targets.copy()
    targets_clip[0] = [1.0, 0.0, 0.0, 1.0]  # two saturated-wrong, two saturated-right
    loss_case("loss_bce_probs_clip", "binary_crossentropy", False, targets_clip, f32(clip))

    # regression
    rng = rng_for("loss_reg")
    yt = randn(rng, B, C)
    yp = randn(rng, B, C)
    loss_case("loss_mse", "mean_squared_error", False, yt, yp)
    loss_case("loss_mae", "mean_absolute_error", False, yt, yp)


# ----------------------------------------------------------------------------

def main():
    # Dense
    dense_case("dense_rank2", (4, 5), 3)
    dense_case("dense_rank3", (2, 3, 5), 4)
    dense_case("dense_nobias", (3, 4), 2, use_bias=False)
    dense_case("dense_relu", (4, 5), 3, activation="relu")

    # Conv2D
    conv2d_case("conv2d_valid", (2, 5, 5, 3), 4, (3, 3))
    conv2d_case("conv2d_same_3x3", (2, 5, 6, 2), 3, (3, 3), padding="same")
    conv2d_case("conv2d_same_stride2_even", (1, 6, 6, 2), 3, (3, 3), strides=(2, 2), padding="same")
    conv2d_case("conv2d_same_stride2_odd", (1, 7, 7, 2), 3, (3, 3), strides=(2, 2), padding="same")
    conv2d_case("conv2d_same_k4_s2x3", (1, 7, 8, 2), 2, (4, 2), strides=(2, 3), padding="same")
    conv2d_case("conv2d_same_2x2", (1, 5, 4, 2), 2, (2, 2), padding="same")
    conv2d_case("conv2d_valid_dilation2", (1, 7, 7, 2), 3, (3, 3), dilation=(2, 2))
    conv2d_case("conv2d_same_dilation2", (1, 6, 5, 2), 2, (3, 3), padding="same", dilation=(2, 2))
    conv2d_case("conv2d_valid_stride2", (1, 7, 6, 2), 2, (3, 3), strides=(2, 2))
    conv2d_case("conv2d_1x1", (2, 3, 3, 4), 5, (1, 1))
    conv2d_case("conv2d_nobias", (1, 4, 4, 2), 3, (3, 3), padding="same", use_bias=False)

    # Pooling
    for kind, prefix in (("max", "maxpool"), ("avg", "avgpool")):
        pool_case(prefix + "_valid_2x2", kind, (2, 4, 4, 3), (2, 2), None, "valid")
        pool_case(prefix + "_valid_3x3_s2", kind, (1, 7, 7, 2), (3, 3), (2, 2), "valid")
        pool_case(prefix + "_valid_odd_2x2", kind, (1, 5, 5, 2), (2, 2), (2, 2), "valid")
        pool_case(prefix + "_same_2x2_s2", kind, (1, 5, 5, 2), (2, 2), (2, 2), "same")
        pool_case(prefix + "_same_3x3_s1", kind, (1, 4, 5, 2), (3, 3), (1, 1), "same")
        pool_case(prefix + "_same_3x3_s2_even", kind, (1, 6, 6, 2), (3, 3), (2, 2), "same")

    # Embedding
    embedding_case("embedding", 10, 4, (3, 5))

    # LSTM
    lstm_case("lstm_seq", (3, 5, 4), 6, True)
    lstm_case("lstm_last", (3, 5, 4), 6, False)

    # Activations
    for act in ACTIVATIONS:
        activation_case(act)

    # Losses
    loss_cases()

    # remove stale fixtures from earlier runs
    names = {n for n, _ in WRITTEN}
    for fn in sorted(os.listdir(OUT_DIR)):
        if fn.endswith(".json") and fn[:-5] not in names:
            os.remove(os.path.join(OUT_DIR, fn))

    for n, size in WRITTEN:
        print("%-32s %6d bytes" % (n, size))
    print("%d fixtures written to %s" % (len(WRITTEN), OUT_DIR))


if __name__ == "__main__":
    main()
