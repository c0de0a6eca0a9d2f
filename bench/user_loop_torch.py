#!/usr/bin/python3
"""PyTorch side of bench/UserLoop (`bench/user-loop.sh`): the loop a PyTorch user writes for each workload.

Training steps (Adam, lr 1e-3; cross-entropy on the logits; zero_grad(set_to_none=True), forward, backward, step):
  cnn_bn_b32, cnn_bn_b8  Conv2d(1->32, 3x3, same) BN ReLU, Conv2d(32->64) BN ReLU, MaxPool 2, Flatten, Linear(10)
  lstm_ln_b32            Embedding(1000, 64), LSTM(128) all steps, LayerNorm, LSTM(128) last step, LayerNorm, Linear(10)
  mlp_bn_b128            Linear(784->256) ReLU, BatchNorm1d, Linear(10)
Inference:
  cnn_predict_b1         the CNN+BN model in eval mode under torch.inference_mode, softmax, batch 1
Forward + backward of one layer (x.grad = None, zero_grad, y = layer(x), y.backward(seed)), input and parameter gradients:
  bn_img, gn4_img, gn_inst_img, ln_img   on (32, 28, 28, 64) channels-last activations (NCHW and channels_last
                                         tensors for BN and GN; LayerNorm over the last axis of the NHWC tensor)
  ln_seq, bn_seq                         on (32, 20, 128): LayerNorm(128); BatchNorm1d(128) on the transposed (N, C, L) view
Keras's defaults where they differ: BatchNorm eps 1e-3, momentum 0.01 (Keras 0.99); LayerNorm eps 1e-3.
Each workload runs in every format that applies; the caller keeps the faster.

Modes:
  user_loop_torch.py          one standalone run, prints a JSON summary (median ms per workload/format)
  user_loop_torch.py --serve  prints {"ready": ...} after the warm-up, then for each line "round" on stdin
                              times one round and prints one JSON line; "quit" exits.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_serve

THREADS = 2
# Calls per timed repetition: batch-1 inference is too short to time one call at a time.
INNER = {"cnn_predict_b1": 10}


def cnn_bn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 14 * 14, 10))


class LstmLn(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(1000, 64)
        self.lstm1 = nn.LSTM(64, 128, batch_first=True)
        self.norm1 = nn.LayerNorm(128, eps=1e-3)
        self.lstm2 = nn.LSTM(128, 128, batch_first=True)
        self.norm2 = nn.LayerNorm(128, eps=1e-3)
        self.dense = nn.Linear(128, 10)

    def forward(self, tokens):
        x = self.norm1(self.lstm1(self.embedding(tokens))[0])
        return self.dense(self.norm2(self.lstm2(x)[0][:, -1]))


def mlp_bn():
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.BatchNorm1d(256, eps=1e-3, momentum=0.01), nn.Linear(256, 10))


def train_step(model, x, y):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        model.train()
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return step


def predict(model, x):
    def call():
        model.eval()
        with torch.inference_mode():
            return F.softmax(model(x), dim=1)
    return call


def forward_backward(layer, x, view=lambda t: t):
    x.requires_grad_(True)
    seed = torch.ones_like(x)

    def call():
        x.grad = None
        layer.zero_grad(set_to_none=True)
        view(layer(view(x))).backward(seed)
    return call


def workloads():
    """{workload: {format: callable}}, built once; every model and input seeded."""
    torch.manual_seed(0)
    result = {}
    for name, batch in (("cnn_bn_b32", 32), ("cnn_bn_b8", 8)):
        result[name] = {}
        for fmt_name, fmt in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
            result[name][fmt_name] = train_step(cnn_bn().to(memory_format=fmt),
                                                torch.rand(batch, 1, 28, 28).contiguous(memory_format=fmt), torch.randint(0, 10, (batch,)))
    result["lstm_ln_b32"] = {"default": train_step(LstmLn(), torch.randint(0, 1000, (32, 20)), torch.randint(0, 10, (32,)))}
    result["mlp_bn_b128"] = {"default": train_step(mlp_bn(), torch.rand(128, 784), torch.randint(0, 10, (128,)))}
    result["cnn_predict_b1"] = {
        fmt_name: predict(cnn_bn().to(memory_format=fmt), torch.rand(1, 1, 28, 28).contiguous(memory_format=fmt))
        for fmt_name, fmt in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last))}
    for name, layer in (("bn_img", nn.BatchNorm2d(64, eps=1e-3, momentum=0.01)), ("gn4_img", nn.GroupNorm(4, 64, eps=1e-3)),
                        ("gn_inst_img", nn.GroupNorm(64, 64, eps=1e-3))):
        result[name] = {
            "nchw": forward_backward(layer, torch.rand(32, 64, 28, 28)),
            "channels_last": forward_backward(layer, torch.rand(32, 64, 28, 28).contiguous(memory_format=torch.channels_last)),
        }
    result["ln_img"] = {"default": forward_backward(nn.LayerNorm(64, eps=1e-3), torch.rand(32, 28, 28, 64))}
    result["ln_seq"] = {"default": forward_backward(nn.LayerNorm(128, eps=1e-3), torch.rand(32, 20, 128))}
    result["bn_seq"] = {"ncl": forward_backward(nn.BatchNorm1d(128, eps=1e-3, momentum=0.01), torch.rand(32, 20, 128),
                                                view=lambda t: t.transpose(1, 2))}
    return result


def main():
    torch.set_num_threads(THREADS)
    reps = 3
    if "--reps" in sys.argv:
        reps = int(sys.argv[sys.argv.index("--reps") + 1])
    torch_serve.run(workloads(), reps, INNER, standalone_rounds=3)


if __name__ == "__main__":
    main()
