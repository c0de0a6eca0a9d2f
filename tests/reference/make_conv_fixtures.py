#!/usr/bin/python3
"""Reference values for NormLab's convolution, pooling, reshaping and merging layers (issue 20).

Run:  /usr/bin/python3 tests/reference/make_conv_fixtures.py
Writes tests/NormLab.Tests/Fixtures/conv/<case>.json in the format of fixture_io.py, with
  config: {"class_name": Keras class, "config": the layer's Keras config (snake_case keys)}
  tensors: x (or x0, x1 for merges), w0, w1, ... (the weights in Keras order and layout), seed,
           y, dx (dx0, dx1), dw0, dw1, ...: the gradients of loss = sum(y * seed).

Every layer is computed in PyTorch (float64) on channels-first tensors: inputs are moved from
channels last and Keras kernels permuted to torch's layouts. Keras/TensorFlow "same" padding
(the odd extra row/column after) is explicit F.pad before a "valid" torch op; "causal" pads
(k - 1)·dilation steps before. The transposed convolution is torch's conv_transpose with the
TensorFlow crop (or zero fill) of its full output, and is cross-checked against the adjoint of
the "same"/"valid" convolution (autograd's vector-Jacobian product); the script aborts on
disagreement.
"""
import os
import glob

import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

FX = FixtureSet("conv", seed=2020)
f32, t = FX.f32, FX.t


def cf(x):
    """Channels last -> channels first."""
    return x.movedim(-1, 1)


def cl(x):
    return x.movedim(1, -1)


def same_pads(length, k, stride, dilation):
    """TensorFlow 'same': (before, after) for one axis."""
    eff = (k - 1) * dilation + 1
    out = -(-length // stride)
    total = max((out - 1) * stride + eff - length, 0)
    return total // 2, total - total // 2


def window_pad(x, spatial, k, strides, dilation, padding):
    """Pads the trailing `spatial` axes of channels-first x as Keras's padding mode asks (zeros)."""
    pads = []
    for axis in reversed(range(spatial)):
        length = x.shape[2 + axis]
        if padding == "same":
            pads += list(same_pads(length, k[axis], strides[axis], dilation[axis]))
        elif padding == "causal":
            pads += [(k[axis] - 1) * dilation[axis], 0]
        else:
            pads += [0, 0]
    return F.pad(x, pads)


def conv(x, w, b, k, strides, dilation, padding, groups=1):
    """Keras ConvND on channels-last x with a Keras kernel (k..., in/groups, out)."""
    spatial = len(k)
    torch_w = w.permute(2, 1, 0) if spatial == 1 else w.permute(3, 2, 0, 1)
    xp = window_pad(cf(x), spatial, k, strides, dilation, padding)
    fn = F.conv1d if spatial == 1 else F.conv2d
    return cl(fn(xp, torch_w, b, stride=strides, dilation=dilation, groups=groups))


def depthwise(x, w, b, k, strides, dilation, padding):
    """Keras DepthwiseConvND: kernel (k..., in, multiplier), output channel c * multiplier + m."""
    spatial = len(k)
    c, m = w.shape[-2], w.shape[-1]
    torch_w = w.reshape(*k, c * m).movedim(-1, 0).unsqueeze(1)
    return conv_cf(x, torch_w, b, spatial, k, strides, dilation, padding, groups=c)


def conv_cf(x, torch_w, b, spatial, k, strides, dilation, padding, groups):
    xp = window_pad(cf(x), spatial, k, strides, dilation, padding)
    fn = F.conv1d if spatial == 1 else F.conv2d
    return cl(fn(xp, torch_w, b, stride=strides, dilation=dilation, groups=groups))


def transpose_length(length, k, stride, dilation, padding, output_padding=None):
    """Keras's deconv_output_length."""
    eff = (k - 1) * dilation + 1
    if output_padding is None:
        return length * stride if padding == "same" else length * stride + max(eff - stride, 0)
    pad = eff // 2 if padding == "same" else 0
    return (length - 1) * stride + eff - 2 * pad + output_padding


def conv_transpose(x, w, b, k, strides, dilation, padding, output_padding=None):
    """Keras ConvNDTranspose: kernel (k..., out, in); TensorFlow's crop of the full transposed output."""
    spatial = len(k)
    torch_w = w.permute(2, 1, 0) if spatial == 1 else w.permute(3, 2, 0, 1)
    fn = F.conv_transpose1d if spatial == 1 else F.conv_transpose2d
    full = fn(cf(x), torch_w, None, stride=strides, dilation=dilation)
    for axis in range(spatial):
        length = transpose_length(x.shape[1 + axis], k[axis], strides[axis], dilation[axis], padding,
                                  None if output_padding is None else output_padding[axis])
        extra = full.shape[2 + axis] - length
        before = same_pads(length, k[axis], strides[axis], dilation[axis])[0] if padding == "same" else 0
        if extra < 0:  # kernel shorter than the stride: TensorFlow's output ends in zeros
            pads = [0, 0] * spatial
            pads[2 * (spatial - 1 - axis) + 1] = -extra
            full = F.pad(full, pads)
        full = full.narrow(2 + axis, before, length)
    y = cl(full)
    return y if b is None else y + b


def check_transpose_is_adjoint(x, w, k, strides, dilation, padding, output_padding=None):
    """conv_transpose(x) must equal the vector-Jacobian product of conv at x's position."""
    out_shape = [x.shape[0]] + [transpose_length(x.shape[1 + a], k[a], strides[a], dilation[a], padding,
                                                 None if output_padding is None else output_padding[a])
                                for a in range(len(k))] + [w.shape[-2]]
    probe = torch.zeros(out_shape, requires_grad=True)
    y = conv(probe, w, None, k, strides, dilation, padding)
    assert y.shape == x.shape, (y.shape, x.shape)
    (adjoint,) = torch.autograd.grad(y, probe, grad_outputs=x)
    direct = conv_transpose(x, w, None, k, strides, dilation, padding, output_padding)
    assert torch.allclose(adjoint, direct, atol=1e-10), "transposed convolution disagrees with the adjoint"


def write_case(case, class_name, config, inputs, weights, forward):
    """Runs forward on leaf copies, back-propagates sum(y * seed), writes everything."""
    xs = [t(v, True) for v in inputs]
    ws = [t(v, True) for v in weights]
    y = forward(*xs, *ws)
    seed = f32(tuple(y.shape))
    (y * t(seed)).sum().backward()
    tensors = {"seed": seed, "y": y}
    if len(xs) == 1:
        tensors.update(x=inputs[0], dx=xs[0].grad)
    else:
        for i, (v, leaf) in enumerate(zip(inputs, xs)):
            tensors["x%d" % i], tensors["dx%d" % i] = v, leaf.grad
    for i, (v, leaf) in enumerate(zip(weights, ws)):
        tensors["w%d" % i], tensors["dw%d" % i] = v, leaf.grad
    FX.write(case, {"class_name": class_name, "config": dict(config, name=case)}, **tensors)


def tup(v, spatial):
    return [v] * spatial if isinstance(v, int) else list(v)


# ------------------------------------------------------------------ convolutions
def conv_case(case, spatial, shape, filters, k, strides=1, padding="valid", dilation=1, groups=1, use_bias=True):
    k, s, d = tup(k, spatial), tup(strides, spatial), tup(dilation, spatial)
    cin = shape[-1]
    weights = [f32(tuple(k) + (cin // groups, filters), 0.5)] + ([f32((filters,), 0.5)] if use_bias else [])
    cls = "Conv1D" if spatial == 1 else "Conv2D"
    config = {"filters": filters, "kernel_size": k, "strides": s, "padding": padding, "dilation_rate": d,
              "groups": groups, "activation": "linear", "use_bias": use_bias}
    write_case(case, cls, config, [f32(shape)], weights,
               lambda x, w, b=None: conv(x, w, b, k, s, d, padding, groups))


def transpose_case(case, spatial, shape, filters, k, strides=1, padding="valid", dilation=1, output_padding=None):
    k, s, d = tup(k, spatial), tup(strides, spatial), tup(dilation, spatial)
    op = None if output_padding is None else tup(output_padding, spatial)
    weights = [f32(tuple(k) + (filters, shape[-1]), 0.5), f32((filters,), 0.5)]
    check_transpose_is_adjoint(t(f32(shape)), t(weights[0]), k, s, d, padding, op)
    cls = "Conv1DTranspose" if spatial == 1 else "Conv2DTranspose"
    config = {"filters": filters, "kernel_size": k, "strides": s, "padding": padding, "dilation_rate": d,
              "activation": "linear", "use_bias": True}
    if op is not None:
        config["output_padding"] = op
    write_case(case, cls, config, [f32(shape)], weights, lambda x, w, b: conv_transpose(x, w, b, k, s, d, padding, op))


def depthwise_case(case, spatial, shape, k, multiplier=1, strides=1, padding="valid", dilation=1):
    k, s, d = tup(k, spatial), tup(strides, spatial), tup(dilation, spatial)
    c = shape[-1]
    weights = [f32(tuple(k) + (c, multiplier), 0.5), f32((c * multiplier,), 0.5)]
    cls = "DepthwiseConv1D" if spatial == 1 else "DepthwiseConv2D"
    config = {"kernel_size": k, "strides": s, "padding": padding, "depth_multiplier": multiplier, "dilation_rate": d,
              "activation": "linear", "use_bias": True}
    write_case(case, cls, config, [f32(shape)], weights, lambda x, w, b: depthwise(x, w, b, k, s, d, padding))


def separable_case(case, spatial, shape, filters, k, multiplier=1, strides=1, padding="valid"):
    k, s, d = tup(k, spatial), tup(strides, spatial), [1] * spatial
    c = shape[-1]
    weights = [f32(tuple(k) + (c, multiplier), 0.5), f32((1,) * spatial + (c * multiplier, filters), 0.5), f32((filters,), 0.5)]
    cls = "SeparableConv1D" if spatial == 1 else "SeparableConv2D"
    config = {"filters": filters, "kernel_size": k, "strides": s, "padding": padding, "depth_multiplier": multiplier,
              "dilation_rate": d, "activation": "linear", "use_bias": True}

    def forward(x, dw, pw, b):
        z = depthwise(x, dw, None, k, s, d, padding)
        return conv(z, pw, b, [1] * spatial, [1] * spatial, [1] * spatial, "valid")
    write_case(case, cls, config, [f32(shape)], weights, forward)


# ------------------------------------------------------------------ pooling
def pool1d_case(case, kind, shape, pool, strides=None, padding="valid"):
    s = strides or pool
    config = {"pool_size": [pool], "strides": [s], "padding": padding}

    def forward(x):
        xc = cf(x)
        before, after = same_pads(xc.shape[2], pool, s, 1) if padding == "same" else (0, 0)
        if kind == "max":
            return cl(F.max_pool1d(F.pad(xc, [before, after], value=-np.inf), pool, s))
        # 'same' averages only the real steps: divide by the pooled count of ones.
        total = F.avg_pool1d(F.pad(xc, [before, after]), pool, s) * pool
        count = F.avg_pool1d(F.pad(torch.ones_like(xc), [before, after]), pool, s) * pool
        return cl(total / count)
    write_case(case, "MaxPooling1D" if kind == "max" else "AveragePooling1D", config, [FX.rng.permutation(np.prod(shape)).reshape(shape) / 8.0 if kind == "max" else f32(shape)], [], forward)


def global_case(case, kind, spatial, shape, keepdims):
    cls = "Global%sPooling%dD" % ("Max" if kind == "max" else "Average", spatial)
    dims = list(range(1, 1 + spatial))
    # Distinct values so that the maximum (and its gradient) is unique.
    x = FX.rng.permutation(np.prod(shape)).reshape(shape) / 8.0 if kind == "max" else f32(shape)
    write_case(case, cls, {"keepdims": keepdims}, [x], [],
               lambda x: x.amax(dim=dims, keepdim=keepdims) if kind == "max" else x.mean(dim=dims, keepdim=keepdims))


# ------------------------------------------------------------------ reshaping
def reshaping_cases():
    write_case("reshape", "Reshape", {"target_shape": [3, -1]}, [f32((2, 4, 3))], [], lambda x: x.reshape(2, 3, 4))
    write_case("permute", "Permute", {"dims": [3, 1, 2]}, [f32((2, 3, 4, 5))], [], lambda x: x.permute(0, 3, 1, 2))
    write_case("repeat_vector", "RepeatVector", {"n": 3}, [f32((2, 4))], [], lambda x: x.unsqueeze(1).repeat(1, 3, 1))
    write_case("upsampling1d", "UpSampling1D", {"size": 3}, [f32((2, 4, 3))], [], lambda x: x.repeat_interleave(3, dim=1))
    write_case("upsampling2d_nearest", "UpSampling2D", {"size": [2, 3], "interpolation": "nearest"}, [f32((2, 3, 2, 3))], [],
               lambda x: cl(F.interpolate(cf(x), scale_factor=(2, 3), mode="nearest")))
    write_case("upsampling2d_bilinear", "UpSampling2D", {"size": [2, 3], "interpolation": "bilinear"}, [f32((2, 3, 4, 2))], [],
               lambda x: cl(F.interpolate(cf(x), scale_factor=(2, 3), mode="bilinear", align_corners=False)))
    write_case("zero_padding1d", "ZeroPadding1D", {"padding": [2, 1]}, [f32((2, 3, 2))], [], lambda x: F.pad(x, [0, 0, 2, 1]))
    write_case("zero_padding2d", "ZeroPadding2D", {"padding": [[1, 2], [0, 1]]}, [f32((2, 3, 2, 2))], [],
               lambda x: F.pad(x, [0, 0, 0, 1, 1, 2]))
    write_case("cropping1d", "Cropping1D", {"cropping": [1, 2]}, [f32((2, 6, 2))], [], lambda x: x[:, 1:-2])
    write_case("cropping2d", "Cropping2D", {"cropping": [[1, 0], [2, 1]]}, [f32((2, 4, 5, 2))], [], lambda x: x[:, 1:, 2:-1])


# ------------------------------------------------------------------ merging
def merging_cases():
    shape = (3, 4)
    three = [f32(shape) for _ in range(3)]
    write_case("multiply", "Multiply", {}, three, [], lambda a, b, c: a * b * c)
    write_case("average", "Average", {}, three, [], lambda a, b, c: (a + b + c) / 3)
    write_case("subtract", "Subtract", {}, three[:2], [], lambda a, b: a - b)
    write_case("maximum", "Maximum", {}, three, [], lambda a, b, c: torch.maximum(torch.maximum(a, b), c))
    write_case("minimum", "Minimum", {}, three, [], lambda a, b, c: torch.minimum(torch.minimum(a, b), c))
    write_case("dot_vectors_normalized", "Dot", {"axes": 1, "normalize": True}, [f32((3, 5)), f32((3, 5))], [],
               lambda a, b: (F.normalize(a, dim=1) * F.normalize(b, dim=1)).sum(1, keepdim=True))
    write_case("dot_sequences", "Dot", {"axes": 2, "normalize": False}, [f32((2, 3, 4)), f32((2, 5, 4))], [],
               lambda a, b: torch.bmm(a, b.transpose(1, 2)))
    write_case("dot_axes_pair", "Dot", {"axes": [1, 2], "normalize": False}, [f32((2, 4, 3)), f32((2, 5, 4))], [],
               lambda a, b: torch.einsum("bkp,bqk->bpq", a, b))


def main():
    for old in glob.glob(os.path.join(FX.out, "*.json")):
        os.remove(old)
    conv_case("conv1d_valid", 1, (2, 9, 3), 4, 3)
    conv_case("conv1d_same_stride2", 1, (2, 10, 3), 4, 4, strides=2, padding="same")
    conv_case("conv1d_causal_dilation2", 1, (2, 9, 2), 3, 3, padding="causal", dilation=2)
    conv_case("conv1d_groups_nobias", 1, (2, 7, 4), 6, 3, padding="same", groups=2, use_bias=False)
    conv_case("conv2d_groups2", 2, (2, 5, 6, 4), 6, (3, 2), padding="same", groups=2)
    conv_case("conv2d_groups_depthwise", 2, (2, 5, 5, 3), 6, 3, strides=2, padding="same", groups=3)
    transpose_case("conv2d_transpose_valid", 2, (2, 3, 4, 3), 2, 3)
    transpose_case("conv2d_transpose_same_s2", 2, (2, 3, 4, 3), 4, (3, 4), strides=2, padding="same")
    transpose_case("conv2d_transpose_valid_k2_s3", 2, (2, 3, 2, 2), 2, 2, strides=(3, 2))
    transpose_case("conv2d_transpose_same_dilation2", 2, (1, 4, 4, 2), 3, 3, padding="same", dilation=2)
    transpose_case("conv1d_transpose_same_s2", 1, (2, 5, 3), 4, 3, strides=2, padding="same")
    depthwise_case("depthwise2d_same", 2, (2, 5, 6, 3), 3, padding="same")
    depthwise_case("depthwise2d_valid_mult2_s2", 2, (2, 7, 6, 3), (3, 2), multiplier=2, strides=2)
    depthwise_case("depthwise2d_dilation2", 2, (1, 7, 7, 10), 3, padding="same", dilation=2)
    depthwise_case("depthwise1d_same_mult3", 1, (2, 8, 2), 4, multiplier=3, padding="same")
    separable_case("separable2d_same_mult2", 2, (2, 5, 5, 3), 4, 3, multiplier=2, padding="same")
    separable_case("separable1d_valid_s2", 1, (2, 9, 3), 5, 3, strides=2)
    pool1d_case("maxpool1d_valid", "max", (2, 7, 3), 2)
    pool1d_case("maxpool1d_same_3_s2", "max", (2, 8, 3), 3, 2, "same")
    pool1d_case("avgpool1d_valid_3_s1", "avg", (2, 7, 3), 3, 1)
    pool1d_case("avgpool1d_same_2", "avg", (2, 7, 3), 2, None, "same")
    global_case("global_max1d", "max", 1, (2, 5, 3), False)
    global_case("global_max2d_keepdims", "max", 2, (2, 3, 4, 3), True)
    global_case("global_avg1d_keepdims", "avg", 1, (2, 5, 3), True)
    global_case("global_avg2d", "avg", 2, (2, 3, 4, 3), False)
    reshaping_cases()
    merging_cases()
    # Drawn last, so that the cases above keep their inputs.
    transpose_case("conv2d_transpose_same_s2_output_padding1", 2, (2, 3, 4, 3), 2, 3, strides=2, padding="same", output_padding=1)
    transpose_case("conv2d_transpose_valid_s3_output_padding", 2, (2, 3, 2, 2), 2, (2, 3), strides=3, output_padding=(2, 1))
    transpose_case("conv2d_transpose_same_k4_output_padding", 2, (1, 3, 3, 2), 3, 4, strides=(2, 3), padding="same", output_padding=(1, 2))
    transpose_case("conv1d_transpose_same_s2_output_padding", 1, (2, 5, 3), 2, 3, strides=2, padding="same", output_padding=1)
    # Channel counts past 32 and odd widths: the depthwise kernel's two-column, 32-channel path and its tails.
    depthwise_case("depthwise2d_c41_same_w3", 2, (1, 2, 3, 41), 3, padding="same")
    depthwise_case("depthwise2d_c33_valid_s2", 2, (1, 5, 5, 33), (3, 2), strides=2)
    depthwise_case("depthwise2d_c32_same_dilation2_w5", 2, (1, 2, 5, 32), 3, padding="same", dilation=2)


if __name__ == "__main__":
    main()
