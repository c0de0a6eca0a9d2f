"""Golden values for NormLab's stateful metrics, accumulated over three batches as Keras 3 accumulates
them (keras/src/metrics), computed with NumPy float64 and cross-checked against scikit-learn where the
formulas agree. Writes tests/NormLab.Tests/Fixtures/metrics/*.json; rerunning reproduces them."""
import numpy as np
from sklearn import metrics as sk

from fixture_io import FixtureSet

fx = FixtureSet("metrics", seed=19)
EPS = 1e-7


def divide_no_nan(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


# ---- Keras 3 accumulations ----
class Confusion:
    """update_confusion_matrix_variables: label positive when nonzero, prediction when > threshold (float32)."""

    def __init__(self, thresholds):
        self.t = np.asarray(thresholds, dtype=np.float32).astype(np.float64)
        self.tp = self.fp = self.tn = self.fn = np.zeros(len(self.t))

    def update(self, y, p, w):
        w = np.broadcast_to(w.reshape([-1] + [1] * (p.ndim - 1)), p.shape).reshape(-1) if w is not None else np.ones(p.size)
        pos, above = y.reshape(-1) != 0, p.reshape(-1)[:, None] > self.t[None, :]
        self.tp = self.tp + (w[:, None] * (above & pos[:, None])).sum(0)
        self.fp = self.fp + (w[:, None] * (above & ~pos[:, None])).sum(0)
        self.fn = self.fn + (w[:, None] * (~above & pos[:, None])).sum(0)
        self.tn = self.tn + (w[:, None] * (~above & ~pos[:, None])).sum(0)


class Precision(Confusion):
    def __init__(self, thresholds=0.5):
        super().__init__([thresholds])

    def result(self):
        return float(divide_no_nan(self.tp, self.tp + self.fp)[0])


class Recall(Confusion):
    def __init__(self, thresholds=0.5):
        super().__init__([thresholds])

    def result(self):
        return float(divide_no_nan(self.tp, self.tp + self.fn)[0])


class AUC(Confusion):
    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation"):
        inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        super().__init__([0.0 - EPS] + inner + [1.0 + EPS])
        self.curve, self.method = curve, summation_method

    def result(self):
        tp, fp, tn, fn = self.tp, self.fp, self.tn, self.fn
        if self.curve == "PR" and self.method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            dp = p[:-1] - p[1:]
            slope = divide_no_nan(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * p[1:]
            ratio = np.where((p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], np.maximum(p[1:], 0)), np.ones_like(p[1:]))
            return float(divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0)).sum())
        recall = divide_no_nan(tp, tp + fn)
        x, y = (divide_no_nan(fp, fp + tn), recall) if self.curve == "ROC" else (recall, divide_no_nan(tp, tp + fp))
        heights = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
                   "majoring": np.maximum(y[:-1], y[1:])}[self.method]
        return float(((x[:-1] - x[1:]) * heights).sum())


class MeanOf:
    """Mean over samples of fn(y_true, y_pred) (each sample's values averaged), weighted."""

    def __init__(self, fn, reduce="mean", root=False):
        self.fn, self.reduce, self.root, self.total, self.count = fn, reduce, root, 0.0, 0.0

    def update(self, y, p, w):
        v = self.fn(y, p).reshape(len(p), -1)
        v = v.mean(1) if self.reduce == "mean" else v.sum(1)
        w = np.ones(len(v)) if w is None else w
        self.total += (w * v).sum()
        self.count += w.sum()

    def result(self):
        value = self.total if self.reduce == "sum" else (self.total / self.count if self.count else 0.0)
        return float(np.sqrt(value)) if self.root else float(value)


def in_top_k(labels, p, k):
    target = p[np.arange(len(p)), labels]
    return ((p > target[:, None]).sum(1) < k).astype(np.float64)


class F1:
    def __init__(self, average="macro", threshold=None, beta=1.0):
        self.average, self.threshold, self.beta = average, threshold, beta
        self.tp = self.fp = self.fn = self.support = 0.0

    def update(self, y, p, w):
        if self.threshold is None:
            pred = (p >= p.max(-1, keepdims=True)) & (np.abs(p) > 1e-9)
        else:
            pred = p > self.threshold
        pred = pred.astype(np.float64)
        w = (np.ones(len(p)) if w is None else w)[:, None]
        axis = None if self.average == "micro" else 0
        self.tp = self.tp + (w * pred * y).sum(axis)
        self.fp = self.fp + (w * pred * (1 - y)).sum(axis)
        self.fn = self.fn + (w * (1 - pred) * y).sum(axis)
        self.support = self.support + (w * y).sum(0)

    def result(self):
        precision = self.tp / (self.tp + self.fp + EPS)
        recall = self.tp / (self.tp + self.fn + EPS)
        f = (1 + self.beta ** 2) * precision * recall / (self.beta ** 2 * precision + recall + EPS)
        if self.average == "weighted":
            return float((f * self.support / (self.support.sum() + EPS)).sum())
        return float(np.mean(f))


class MeanIoU:
    def __init__(self, num_classes, ignore_class=None):
        self.n, self.ignore, self.cm = num_classes, ignore_class, np.zeros((num_classes, num_classes))

    def update(self, y, p, w):
        per = y.size // len(y)
        w = np.ones(y.size) if w is None else np.repeat(w, per)
        for t, q, weight in zip(y.reshape(-1).astype(int), p.reshape(-1).astype(int), w):
            if t != self.ignore:
                self.cm[t, q] += weight

    def result(self):
        tp = np.diag(self.cm)
        denominator = self.cm.sum(0) + self.cm.sum(1) - tp
        return float((tp / (denominator + EPS)).sum() / ((denominator > 1e-9).sum() + EPS))


def run(case_name, metric, config, batches, check=None):
    """Feeds the batches, records the result after each, and cross-checks the final one."""
    results, tensors = [], {}
    for i, (y, p, w) in enumerate(batches):
        metric.update(y, p, w)
        results.append(metric.result())
        tensors["y_true_%d" % i], tensors["y_pred_%d" % i] = y, p
        if w is not None:
            tensors["sample_weight_%d" % i] = w
    if check is not None:
        y = np.concatenate([b[0] for b in batches])
        p = np.concatenate([b[1] for b in batches])
        w = None if batches[0][2] is None else np.concatenate([b[2] for b in batches])
        expected, tolerance = check(y, p, w)
        assert abs(results[-1] - expected) <= tolerance, (case_name, results[-1], expected)
    fx.write(case_name, dict(config, batches=len(batches)), result=np.array(results), **tensors)


def batches(make, weighted=False, sizes=(7, 5, 6)):
    return [make(n) + ((fx.u32((n,), 0, 2) if weighted else None),) for n in sizes]


def binary(n, width=3):
    y = (fx.u32((n, width), 0, 1) > 0.6).astype(np.float64)
    # Scores that lean toward the label, so the curves are informative.
    p = np.clip(0.35 * y + fx.u32((n, width), 0, 0.65), 0, 1).astype(np.float32).astype(np.float64)
    return y, p


def categorical(n, classes=5):
    labels = fx.rng.integers(0, classes, n)
    return np.eye(classes)[labels], fx.u32((n, classes), 0, 1)


def metric_cases():
    def sk_binary(fn):
        return lambda y, p, w: (fn(y.reshape(-1), (p > np.float32(0.5)).reshape(-1),
                                   sample_weight=None if w is None else np.repeat(w, y.shape[1]), zero_division=0), 1e-9)

    run("precision", Precision(), {"metric": "precision", "args": {}}, batches(binary), sk_binary(sk.precision_score))
    run("precision_weighted", Precision(0.3), {"metric": "precision", "args": {"thresholds": 0.3}}, batches(binary, weighted=True))
    run("recall", Recall(), {"metric": "recall", "args": {}}, batches(binary), sk_binary(sk.recall_score))
    run("recall_weighted", Recall(), {"metric": "recall", "args": {}}, batches(binary, weighted=True), sk_binary(sk.recall_score))

    def sk_roc(y, p, w):
        fine = AUC(num_thresholds=20001)
        fine.update(y, p, w)
        exact = sk.roc_auc_score(y.reshape(-1), p.reshape(-1), sample_weight=None if w is None else np.repeat(w, y.shape[1]))
        assert abs(fine.result() - exact) < 1e-3, (fine.result(), exact)  # Keras's approximation converges to sklearn's
        return exact, 0.02

    run("auc_roc", AUC(), {"metric": "auc", "args": {}}, batches(binary), sk_roc)
    run("auc_roc_weighted", AUC(num_thresholds=50), {"metric": "auc", "args": {"num_thresholds": 50}}, batches(binary, weighted=True), sk_roc)
    run("auc_roc_minoring", AUC(num_thresholds=20, summation_method="minoring"),
        {"metric": "auc", "args": {"num_thresholds": 20, "summation_method": "minoring"}}, batches(binary))
    run("auc_pr", AUC(curve="PR"), {"metric": "auc", "args": {"curve": "PR"}}, batches(binary),
        lambda y, p, w: (sk.average_precision_score(y.reshape(-1), p.reshape(-1)), 0.05))
    run("auc_pr_majoring", AUC(curve="PR", summation_method="majoring"),
        {"metric": "auc", "args": {"curve": "PR", "summation_method": "majoring"}}, batches(binary, weighted=True))

    run("top_k", MeanOf(lambda y, p: in_top_k(y.argmax(-1), p, 2)), {"metric": "top_k_categorical_accuracy", "args": {"k": 2}},
        batches(categorical, weighted=True),
        lambda y, p, w: (sk.top_k_accuracy_score(y.argmax(-1), p, k=2, sample_weight=w, labels=range(5)), 1e-9))

    def sparse(n):
        y, p = categorical(n)
        return y.argmax(-1).astype(np.float64), p

    run("sparse_top_k", MeanOf(lambda y, p: in_top_k(y.astype(int), p, 3)), {"metric": "sparse_top_k_categorical_accuracy", "args": {"k": 3}},
        batches(sparse), lambda y, p, w: (sk.top_k_accuracy_score(y.astype(int), p, k=3, labels=range(5)), 1e-9))

    def sk_f1(average):
        def check(y, p, w):
            pred = (p >= p.max(-1, keepdims=True)).astype(int)
            return sk.f1_score(y.astype(int), pred, average=average, sample_weight=w, zero_division=0), 1e-5
        return check

    for average in ["macro", "micro", "weighted"]:
        run("f1_" + average, F1(average), {"metric": "f1_score", "args": {"average": average}},
            batches(categorical, weighted=average != "micro"), sk_f1(average))
    run("f1_threshold", F1("macro", threshold=0.5), {"metric": "f1_score", "args": {"threshold": 0.5}},
        batches(categorical), lambda y, p, w: (sk.f1_score(y.astype(int), (p > 0.5).astype(int), average="macro", zero_division=0), 1e-5))

    def regression(n):
        return fx.f32((n, 3)), fx.f32((n, 3))

    run("rmse", MeanOf(lambda y, p: (p - y) ** 2, root=True), {"metric": "root_mean_squared_error", "args": {}}, batches(regression, weighted=True),
        lambda y, p, w: (np.sqrt(sk.mean_squared_error(y, p, sample_weight=w)), 1e-9))

    def segmentation(n):
        return fx.rng.integers(0, 4, (n, 2, 3)).astype(np.float64), fx.rng.integers(0, 4, (n, 2, 3)).astype(np.float64)

    def sk_iou(y, p, w):
        present = sorted(set(y.reshape(-1).astype(int)) | set(p.reshape(-1).astype(int)))
        return sk.jaccard_score(y.reshape(-1), p.reshape(-1), labels=present, average="macro",
                                sample_weight=None if w is None else np.repeat(w, 6)), 1e-6

    run("mean_iou", MeanIoU(4), {"metric": "mean_iou", "args": {"num_classes": 4}}, batches(segmentation, weighted=True), sk_iou)
    run("mean_iou_ignore", MeanIoU(5, ignore_class=0), {"metric": "mean_iou", "args": {"num_classes": 5, "ignore_class": 0}},
        batches(segmentation))

    def values(n):
        return np.zeros((n,)), fx.f32((n, 4))

    run("mean", MeanOf(lambda y, p: p), {"metric": "mean", "args": {}}, batches(values, weighted=True),
        lambda y, p, w: (np.average(p.mean(1), weights=w), 1e-9))
    run("sum", MeanOf(lambda y, p: p, reduce="sum"), {"metric": "sum", "args": {}}, batches(values, weighted=True),
        lambda y, p, w: ((w * p.sum(1)).sum(), 1e-9))
    run("binary_accuracy_weighted", MeanOf(lambda y, p: ((p > 0.5) == y).astype(np.float64)),
        {"metric": "binary_accuracy", "args": {}}, batches(binary, weighted=True))


if __name__ == "__main__":
    metric_cases()
