#!/usr/bin/python3
"""Golden fixtures for the activation layers and the deterministic image transforms (issue 20).

    /usr/bin/python3 tests/reference/make_misc_fixtures.py

Writes tests/NormLab.Tests/Fixtures/misc/*.json (the fixture_io format). Float64 PyTorch/SciPy, inputs
float32-representable, one numpy seed, so a rerun reproduces the files. Layers: `x`, weights in Keras
layout, `y`, `seed`, and the gradients of sum(y * seed). Channels-last data is moved to PyTorch's
channels-first where a torch function wants it, and back.
"""
import numpy as np
import scipy.ndimage
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

fx = FixtureSet("misc", seed=20)


def layer_case(case, config, fn, x, **weights):
    """y = fn(x, **weights); gradients of sum(y * seed) for x and every weight."""
    xt = fx.t(x, grad=True)
    wt = {k: fx.t(v, grad=True) for k, v in weights.items()}
    y = fn(xt, **wt)
    seed = fx.f32(tuple(y.shape))
    (y * fx.t(seed)).sum().backward()
    grads = {"d" + k: v.grad for k, v in wt.items()}
    fx.write(case, config, x=x, y=y, seed=seed, dx=xt.grad, **weights, **grads)


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's relu with arguments, written in torch."""
    top = x if max_value is None else torch.clamp(x, max=max_value)
    return torch.where(x > threshold, top, negative_slope * (x - threshold))


def nhwc(f):
    return lambda x, **w: f(x.permute(0, 3, 1, 2), **w).permute(0, 2, 3, 1)


def activation_layers():
    x = fx.u32((3, 8), -8, 8)
    x[np.abs(x) < 0.05] = 0.3   # no input on a kink
    assert np.allclose(keras_relu(fx.t(x)).numpy(), F.relu(fx.t(x)).numpy())
    assert np.allclose(keras_relu(fx.t(x), max_value=6.0).numpy(), F.relu6(fx.t(x)).numpy())
    layer_case("relu_default", {}, lambda v: keras_relu(v), x)
    layer_case("relu_args", {"maxValue": 4.0, "negativeSlope": 0.1, "threshold": 0.5},
               lambda v: keras_relu(v, 0.1, 4.0, 0.5), x)
    layer_case("leaky_relu_default", {"negativeSlope": 0.3}, lambda v: F.leaky_relu(v, 0.3), x)
    layer_case("elu_alpha", {"alpha": 0.5}, lambda v: F.elu(v, alpha=0.5), x)

    # PReLU shared over the spatial axes: torch's per-channel prelu on NCHW.
    x4 = fx.f32((2, 3, 4, 5))
    alpha_c = fx.u32((1, 1, 5), 0.05, 0.5)
    layer_case("prelu_shared_12", {"sharedAxes": [1, 2]},
               lambda v, alpha: nhwc(lambda u: F.prelu(u, alpha.reshape(-1)))(v), x4, alpha=alpha_c)
    alpha_full = fx.u32((3, 4, 5), 0.05, 0.5)
    layer_case("prelu_full", {}, lambda v, alpha: torch.where(v > 0, v, alpha * v), x4, alpha=alpha_full)

    x3 = fx.f32((2, 3, 4), scale=2)
    layer_case("softmax_axis1", {"axis": 1}, lambda v: torch.softmax(v, dim=1), x3)
    layer_case("softmax_axes12", {"axis": [1, 2]}, lambda v: torch.exp(v - torch.logsumexp(v, dim=(1, 2), keepdim=True)), x3)
    mask = (fx.rng.uniform(0, 1, (2, 1, 4)) > 0.35).astype(np.float64)
    mask[:, :, 0] = 1   # every row keeps something
    xt = fx.t(x3, grad=True)
    y = torch.softmax(torch.where(fx.t(mask) > 0.5, xt, torch.tensor(-1e9)), dim=-1)
    seed = fx.f32(tuple(y.shape))
    (y * fx.t(seed)).sum().backward()
    fx.write("softmax_masked", {"axis": -1}, x=x3, mask=mask, y=y, seed=seed, dx=xt.grad)


def keras_rotation(angle, h, w):
    c, s = np.cos(angle), np.sin(angle)
    x_off = ((w - 1) - (c * (w - 1) - s * (h - 1))) / 2
    y_off = ((h - 1) - (s * (w - 1) + c * (h - 1))) / 2
    return [c, -s, x_off, s, c, y_off, 0, 0]


def keras_zoom(zx, zy, h, w):
    return [zx, 0, (w - 1) / 2 * (1 - zx), 0, zy, (h - 1) / 2 * (1 - zy), 0, 0]


SCIPY_MODE = {"reflect": "reflect", "wrap": "grid-wrap", "constant": "grid-constant", "nearest": "nearest", "mirror": "mirror"}


def transform_scipy(images, t, interpolation, fill_mode, fill_value):
    """Keras's affine_transform by scipy.ndimage.map_coordinates: output (x, y) samples the input at
    ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), per channel, each tap mapped by the fill mode."""
    n, h, w, c = images.shape
    ys, xs = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    k = t[6] * xs + t[7] * ys + 1
    sx = (t[0] * xs + t[1] * ys + t[2]) / k
    sy = (t[3] * xs + t[4] * ys + t[5]) / k
    out = np.empty_like(images)
    order = 1 if interpolation == "bilinear" else 0
    for i in range(n):
        for ch in range(c):
            out[i, :, :, ch] = scipy.ndimage.map_coordinates(images[i, :, :, ch], [sy, sx], order=order,
                                                             mode=SCIPY_MODE[fill_mode], cval=fill_value)
    return out


def transforms():
    images = fx.u32((2, 7, 9, 2), 0, 1)
    cases = {
        "rotate_reflect": ("rotation", 0.1, "reflect", "bilinear", 0.0, keras_rotation(0.1 * 2 * np.pi, 7, 9)),
        "rotate_constant": ("rotation", -0.15, "constant", "bilinear", 0.5, keras_rotation(-0.15 * 2 * np.pi, 7, 9)),
        "rotate_wrap_nearest": ("rotation", 0.07, "wrap", "nearest", 0.0, keras_rotation(0.07 * 2 * np.pi, 7, 9)),
        "zoom_out_mirror": ("zoom", 0.4, "mirror", "bilinear", 0.0, keras_zoom(1.4, 1.4, 7, 9)),
        "zoom_in_nearest_fill": ("zoom", -0.3, "nearest", "bilinear", 0.0, keras_zoom(0.7, 0.7, 7, 9)),
        "translate_reflect": ("translation", (0.3, -0.2), "reflect", "bilinear", 0.0, [1, 0, 0.2 * 9, 0, 1, -0.3 * 7, 0, 0]),
    }
    for case, (kind, factor, fill_mode, interpolation, fill_value, t) in cases.items():
        y = transform_scipy(images, np.array(t, dtype=np.float64), interpolation, fill_mode, fill_value)
        fx.write(case, {"kind": kind, "factor": factor if not isinstance(factor, tuple) else list(factor),
                        "fillMode": fill_mode, "interpolation": interpolation, "fillValue": fill_value},
                 x=images, transform=np.array(t), y=y)


def resizes():
    images = fx.f32((2, 5, 7, 3))
    for case, (h, w, mode) in {"resize_up_bilinear": (8, 11, "bilinear"), "resize_down_bilinear": (3, 4, "bilinear"),
                               "resize_up_nearest": (9, 10, "nearest"), "resize_down_nearest": (2, 3, "nearest")}.items():
        torch_mode = "nearest-exact" if mode == "nearest" else "bilinear"
        kwargs = {} if mode == "nearest" else {"align_corners": False}
        layer_case(case, {"height": h, "width": w, "interpolation": mode},
                   nhwc(lambda u: F.interpolate(u, size=(h, w), mode=torch_mode, **kwargs)), images)
    # crop_to_aspect_ratio: (5, 7) to (4, 4) keeps the centered 5 x 5 window (columns 1..5).
    layer_case("resize_crop_aspect", {"height": 4, "width": 4, "interpolation": "bilinear", "cropToAspectRatio": True},
               nhwc(lambda u: F.interpolate(u[:, :, :, 1:6], size=(4, 4), mode="bilinear", align_corners=False)), images)


if __name__ == "__main__":
    activation_layers()
    transforms()
    resizes()
