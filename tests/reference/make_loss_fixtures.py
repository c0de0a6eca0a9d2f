"""Golden values for NormLab's losses (Keras 3 formulas written in PyTorch float64, cross-checked against
torch's own losses where one has the same formula) and the saturated cross-entropy recovery runs.
Writes tests/NormLab.Tests/Fixtures/losses/*.json; rerunning reproduces them (one numpy seed)."""
import numpy as np
import torch
import torch.nn.functional as F

from fixture_io import FixtureSet

EPS = 1e-7
fx = FixtureSet("losses", seed=17)


def mean_rows(per_row):
    """Keras: one loss per row of the last axis, summed and divided by their number."""
    return per_row.sum() / per_row.numel()


# ---- Keras 3 formulas (keras/src/losses/losses.py), float64 ----
def huber(t, p, delta=1.0):
    d = (p - t).abs()
    return torch.where(d <= delta, 0.5 * d ** 2, delta * d - 0.5 * delta ** 2).mean(-1)


def log_cosh(t, p):
    d = p - t
    return (d + F.softplus(-2 * d) - np.log(2)).mean(-1)


def kl_divergence(t, p):
    t, p = t.clamp(EPS, 1), p.clamp(EPS, 1)
    return (t * torch.log(t / p)).sum(-1)


def poisson(t, p):
    return (p - t * torch.log(p + EPS)).mean(-1)


def hinge_targets(t):
    return 2 * t - 1 if bool(((t == 0) | (t == 1)).all()) else t


def hinge(t, p):
    return torch.clamp(1 - hinge_targets(t) * p, min=0).mean(-1)


def squared_hinge(t, p):
    return (torch.clamp(1 - hinge_targets(t) * p, min=0) ** 2).mean(-1)


def categorical_hinge(t, p):
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1).values
    return torch.clamp(neg - pos + 1, min=0)


def normalize(x):
    return x / torch.sqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=EPS))


def cosine_similarity(t, p):
    return -(normalize(t) * normalize(p)).sum(-1)


def bce_elementwise(t, p, from_logits):
    if from_logits:
        return F.binary_cross_entropy_with_logits(p, t, reduction="none")
    pc = p.clamp(np.float32(EPS), np.float32(1 - np.float32(EPS)))
    return -(t * torch.log(pc) + (1 - t) * torch.log(1 - pc))


def binary_crossentropy(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    return bce_elementwise(t, p, from_logits).mean(-1)


def binary_focal_crossentropy(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    bce = bce_elementwise(t, p, from_logits)
    q = torch.sigmoid(p) if from_logits else p
    p_t = t * q + (1 - t) * (1 - q)
    focal = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        focal = (t * alpha + (1 - t) * (1 - alpha)) * focal
    return focal.mean(-1)


def categorical_crossentropy(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        return -(t * F.log_softmax(p, -1)).sum(-1)
    q = (p / p.sum(-1, keepdim=True)).clamp(EPS, 1 - EPS)
    return -(t * torch.log(q)).sum(-1)


def categorical_focal_crossentropy(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:  # NormLab: log-softmax without the clip (equal to Keras where no probability is below 1e-7)
        log_q = F.log_softmax(p, -1)
        q = log_q.exp()
    else:
        q = (p / p.sum(-1, keepdim=True)).clamp(EPS, 1 - EPS)
        log_q = torch.log(q)
    return (alpha * (1 - q) ** gamma * -(t * log_q)).sum(-1)


LOSSES = {f.__name__: f for f in [huber, log_cosh, kl_divergence, poisson, hinge, squared_hinge, categorical_hinge,
                                  cosine_similarity, binary_crossentropy, binary_focal_crossentropy,
                                  categorical_crossentropy, categorical_focal_crossentropy]}


def cross_check(name, t, p, args, per_sample):
    """Independent torch implementations where torch has the same formula."""
    other = None
    if name == "huber":
        other = F.huber_loss(p, t, reduction="none", delta=args.get("delta", 1.0)).mean(-1)
    elif name == "kl_divergence" and bool((t >= EPS).all()) and bool(((p >= EPS) & (p <= 1)).all()):
        other = F.kl_div(torch.log(p), t, reduction="none").sum(-1)
    elif name == "poisson":
        other = F.poisson_nll_loss(p, t, log_input=False, full=False, eps=EPS, reduction="none").mean(-1)
    elif name == "cosine_similarity":
        other = -F.cosine_similarity(p, t, dim=-1, eps=1e-12)
    elif name == "log_cosh":
        other = torch.log(torch.cosh(p - t)).mean(-1)
    elif name == "categorical_focal_crossentropy" and args.get("gamma", 2.0) == 0 and args.get("alpha") == 1.0:
        other = categorical_crossentropy(t, p, args.get("from_logits", False), args.get("label_smoothing", 0.0))
    if other is not None:
        assert torch.allclose(per_sample, other, rtol=1e-9, atol=1e-9), (name, per_sample, other)


def case(case_name, loss, args, y_true, y_pred, sample_weight=None):
    """One fixture: the per-sample losses of Keras's formula, their weighted mean over all rows, and d/d y_pred."""
    t, p = fx.t(y_true), fx.t(y_pred, grad=True)
    t = t.reshape(p.shape) if t.dim() == p.dim() - 1 else t  # Keras expands (N) targets to (N, 1)
    per_sample = LOSSES[loss](t, p, **args)
    cross_check(loss, t, p, args, per_sample)
    weighted = per_sample if sample_weight is None else per_sample * fx.t(sample_weight).reshape(
        [-1] + [1] * (per_sample.dim() - 1))
    value = mean_rows(weighted)
    value.backward()
    tensors = dict(y_true=y_true, y_pred=y_pred, loss=value, dy_pred=p.grad)
    if sample_weight is not None:
        tensors["sample_weight"] = sample_weight
    fx.write(case_name, {"loss": loss, "args": args}, **tensors)


def one_hot(labels, classes):
    return np.eye(classes)[labels]


def loss_cases():
    B, C = 6, 4
    yt, yp = fx.f32((B, C)), fx.f32((B, C))
    case("huber", "huber", {}, yt, yp * 2)
    case("huber_delta", "huber", {"delta": 0.5}, yt, yp)
    case("log_cosh", "log_cosh", {}, yt, yp * 3)
    dist_t = fx.u32((B, C), 0.05, 1.0)
    dist_t /= dist_t.sum(-1, keepdims=True)
    case("kl_divergence", "kl_divergence", {}, dist_t.astype(np.float32).astype(np.float64), fx.u32((B, C), 0.05, 1.0))
    case("poisson", "poisson", {}, np.floor(fx.u32((B, C), 0, 5)), fx.u32((B, C), 0.2, 4.0))
    bits = (fx.u32((B, C), 0, 1) > 0.5).astype(np.float64)
    case("hinge_binary", "hinge", {}, bits, fx.u32((B, C), -2, 2))
    case("hinge_signed", "hinge", {}, 2 * bits - 1, fx.u32((B, C), -2, 2))
    case("squared_hinge", "squared_hinge", {}, bits, fx.u32((B, C), -2, 2))
    labels = np.array([0, 3, 1, 2, 3, 1])
    case("categorical_hinge", "categorical_hinge", {}, one_hot(labels, C), fx.u32((B, C), -2, 2))
    case("cosine_similarity", "cosine_similarity", {}, yt, yp)
    probs = fx.u32((B, C), 0.05, 1.0)
    logits = fx.f32((B, C), scale=2)
    case("cce_label_smoothing", "categorical_crossentropy", {"label_smoothing": 0.2}, one_hot(labels, C), probs)
    case("cce_logits_label_smoothing", "categorical_crossentropy", {"from_logits": True, "label_smoothing": 0.1}, one_hot(labels, C), logits)
    case("cfce_probs", "categorical_focal_crossentropy", {}, one_hot(labels, C), probs)
    case("cfce_logits", "categorical_focal_crossentropy", {"from_logits": True, "alpha": 0.5, "gamma": 1.5}, one_hot(labels, C), logits)
    case("cfce_label_smoothing", "categorical_focal_crossentropy", {"label_smoothing": 0.1}, one_hot(labels, C), probs)
    case("cfce_gamma0_is_cce", "categorical_focal_crossentropy", {"alpha": 1.0, "gamma": 0.0, "from_logits": True}, one_hot(labels, C), logits)
    bprobs = fx.u32((B, C), 0.05, 0.95)
    case("bce_label_smoothing", "binary_crossentropy", {"label_smoothing": 0.2}, bits, bprobs)
    case("bfce_probs", "binary_focal_crossentropy", {}, bits, bprobs)
    case("bfce_logits_balanced", "binary_focal_crossentropy", {"from_logits": True, "apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0}, bits, logits)
    case("bfce_label_smoothing", "binary_focal_crossentropy", {"label_smoothing": 0.1, "gamma": 1.0}, bits, bprobs)
    # Targets (N) against predictions (N, 1), as Keras accepts them.
    case("huber_column", "huber", {}, yt[:, 0], yp[:, :1] * 2)
    case("bce_column", "binary_crossentropy", {}, bits[:, 0], bprobs[:, :1])
    # Per-sample weights: Keras multiplies each sample's loss and divides by the number of samples.
    case("huber_sample_weight", "huber", {}, yt, yp * 2, sample_weight=fx.u32((B,), 0, 2))
    case("cfce_sample_weight", "categorical_focal_crossentropy", {}, one_hot(labels, C), probs, sample_weight=fx.u32((B,), 0, 2))
    # Rank 3 (batch, steps, classes): one loss per step, averaged over batch and steps.
    case("cce_rank3", "categorical_crossentropy", {"from_logits": True}, one_hot(np.array([[0, 1, 2], [2, 2, 0]]), 3), fx.f32((2, 3, 3)))
    case("kl_divergence_rank3", "kl_divergence", {}, fx.u32((2, 3, 3), 0.05, 1), fx.u32((2, 3, 3), 0.05, 1))


def recovery(case_name, x, y, kernel, bias, loss, steps, lr):
    """Full-batch Adam (Keras's epsilon 1e-7) on a confidently wrong one-layer model, trained from logits as
    PyTorch does; the loss of each step (before its update) and the final loss."""
    w, b = fx.t(kernel, grad=True), fx.t(bias, grad=True)
    opt = torch.optim.Adam([w, b], lr=lr, eps=1e-7)
    xs, ys, losses = fx.t(x), fx.t(y), []
    for _ in range(steps):
        opt.zero_grad()
        logits = xs @ w + b
        if loss == "sparse_categorical_crossentropy":
            value = F.cross_entropy(logits, ys.long())
        else:
            value = F.binary_cross_entropy_with_logits(logits, ys.reshape(logits.shape))
        value.backward()
        opt.step()
        losses.append(value.item())
    fx.write(case_name, {"loss": loss, "steps": steps, "learningRate": lr},
             x=x, y=y, kernel=kernel, bias=bias, losses=np.array(losses))


def recovery_cases():
    n = 32
    x = fx.f32((n, 4), scale=3)
    # Separable labels (a linear rule of x), half of each class.
    score = x @ np.array([1.0, -1.0, 0.5, 0.0])
    labels = (score > np.median(score)).astype(np.float64)
    # Softmax: bias +30 / -30 says class 0 for every sample, confidently wrong on the class-1 half.
    recovery("recovery_softmax", x, labels, fx.f32((4, 2), scale=0.1), np.array([30.0, -30.0]),
             "sparse_categorical_crossentropy", steps=400, lr=0.1)
    # Sigmoid: bias +30 says 1 for every sample, confidently wrong on the class-0 half.
    recovery("recovery_sigmoid", x, labels, fx.f32((4, 1), scale=0.1), np.array([30.0]),
             "binary_crossentropy", steps=400, lr=0.1)


if __name__ == "__main__":
    loss_cases()
    recovery_cases()
