#!/usr/bin/python3
"""Reference values for Fit's sample and class weights (issue 17).

Run:  /usr/bin/python3 tests/reference/make_fit_fixtures.py
Writes tests/NormLab.Tests/Fixtures/fit/<case>.json in the format of fixture_io.py, read by
tests/NormLab.Tests/Models/SampleWeightTests.cs.

Keras 3 semantics, written in PyTorch (float64):
* a weighted loss is sum_i(w_i * loss_i) / batch ("sum_over_batch_size"; not divided by sum(w));
  loss_i as Keras: (sparse) categorical cross-entropy from probabilities renormalizes p / sum(p)
  and clips to [1e-7, 1 - 1e-7] (float32 bounds), binary cross-entropy and mse average the last axis.
* class weights are sample weights w_i = class_weight[label_i] (1 for a class not listed).
* a training step with SGD(lr) on a Dense(3, softmax) model: w <- w - lr * d(weighted loss)/dw.
"""
import numpy as np
import torch

from fixture_io import FixtureSet

FX = FixtureSet("fit", seed=1717)
f32, u32, t, write = FX.f32, FX.u32, FX.t, FX.write
LO, HI = float(np.float32(1e-7)), float(np.float32(1) - np.float32(1e-7))


def per_sample(name, y_true, y_pred, from_logits):
    if name == "sparse_categorical_crossentropy":
        labels = y_true.long().reshape(-1)
        if from_logits:
            return torch.nn.functional.cross_entropy(y_pred, labels, reduction="none")
        q = (y_pred / y_pred.sum(-1, keepdim=True)).clamp(LO, HI)
        return -torch.log(q.gather(1, labels[:, None]))[:, 0]
    if name == "binary_crossentropy":
        if from_logits:
            return torch.nn.functional.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none").mean(-1)
        p = y_pred.clamp(LO, HI)
        return -(y_true * torch.log(p) + (1 - y_true) * torch.log(1 - p)).mean(-1)
    if name == "mse":
        return ((y_pred - y_true) ** 2).mean(-1)
    raise ValueError(name)


def weighted_loss_case(case, name, y_true, y_pred, weights, from_logits=False):
    pred = t(y_pred, grad=True)
    losses = per_sample(name, t(y_true), pred, from_logits)
    loss = (losses * t(weights)).sum() / len(weights)
    loss.backward()
    # Cross-check: the weighted mean equals the unweighted mean of the losses scaled by w.
    assert abs(loss.item() - float(np.mean(losses.detach().numpy() * weights))) < 1e-12
    write(case, {"loss": name, "fromLogits": from_logits},
          y_true=y_true, y_pred=y_pred, sample_weight=weights, loss=loss, dy_pred=pred.grad)


n, classes = 6, 4
labels = np.array([0, 1, 2, 3, 1, 2], dtype=np.float64)
weights = u32(n, 0.0, 3.0)
weights[2] = 0.0  # a sample that must not count
probs = u32((n, classes), 0.05, 1.0)
weighted_loss_case("weighted_scce_probs", "sparse_categorical_crossentropy", labels, probs, weights)
weighted_loss_case("weighted_scce_logits", "sparse_categorical_crossentropy", labels, f32((n, classes)), weights, from_logits=True)
binary = (u32((n, 2), 0, 1) > 0.5).astype(np.float64)
weighted_loss_case("weighted_bce_probs", "binary_crossentropy", binary, u32((n, 2), 0.02, 0.98), weights)
weighted_loss_case("weighted_bce_logits", "binary_crossentropy", binary, f32((n, 2)), weights, from_logits=True)
weighted_loss_case("weighted_mse", "mse", f32((n, 3)), f32((n, 3)), weights)

# One SGD step of Dense(3, softmax) with class weights {0: 0.5, 2: 4.0} (class 1 unlisted: 1).
x, kernel, bias = f32((8, 5)), f32((5, 3), 0.5), f32(3, 0.1)
y = np.array([0, 1, 2, 2, 0, 1, 2, 0], dtype=np.float64)
class_weight = {0: 0.5, 2: 4.0}
w = np.array([class_weight.get(int(c), 1.0) for c in y])
lr = 0.1
k, b = t(kernel, grad=True), t(bias, grad=True)
p = torch.softmax(t(x) @ k + b, dim=-1)
loss = (per_sample("sparse_categorical_crossentropy", t(y), p, False) * t(w)).sum() / len(w)
loss.backward()
write("class_weight_sgd_step", {"classWeight": {str(c): v for c, v in class_weight.items()}, "learningRate": lr},
      x=x, y=y, kernel=kernel, bias=bias, loss=loss,
      kernel_after=k.detach() - lr * k.grad, bias_after=b.detach() - lr * b.grad)
