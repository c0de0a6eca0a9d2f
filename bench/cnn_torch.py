#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench cnn`: the same MNIST-style CNN, timed on the same workloads.

Model: Conv2d(1->32, 3x3, same) + ReLU, Conv2d(32->64, 3x3, same) + ReLU, MaxPool 2x2, Flatten,
Linear(64*14*14 -> 10); softmax at inference, log_softmax + NLL (CrossEntropyLoss on logits)
for training, Adam(lr=1e-3). Workloads: one training step at batch 32 (zero_grad, forward,
backward, Adam step) and inference (torch.inference_mode) at batch 1 and batch 256.
Each workload runs in both NCHW and channels_last memory formats; the caller keeps the faster.

Modes:
  cnn_torch.py            one standalone run, prints a JSON summary (median ms per workload/format)
  cnn_torch.py --serve    used by the C# bench: prints {"ready": ...} after the warm-up, then for each
                          line "round" on stdin times one round and prints one JSON line; "quit" exits.
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

import torch_serve

THREADS = 2
WORKLOADS = ("train_b32", "infer_b1", "infer_b256")
FORMATS = ("nchw", "channels_last")
# Calls per timed repetition: batch-1 inference is too short to time one call at a time.
INNER = {"train_b32": 1, "infer_b1": 5, "infer_b256": 1}


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense = nn.Linear(64 * 14 * 14, 10)

    def forward(self, x):  # returns logits; softmax is applied by the caller
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        return self.dense(torch.flatten(x, 1))


class Setup:
    """One model, optimizer and input set in one memory format."""

    def __init__(self, memory_format):
        torch.manual_seed(0)
        fmt = torch.channels_last if memory_format == "channels_last" else torch.contiguous_format
        self.model = Cnn().to(memory_format=fmt)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.x32 = torch.rand(32, 1, 28, 28).contiguous(memory_format=fmt)
        self.y32 = torch.randint(0, 10, (32,))
        self.x1 = torch.rand(1, 1, 28, 28).contiguous(memory_format=fmt)
        self.x256 = torch.rand(256, 1, 28, 28).contiguous(memory_format=fmt)

    def train_b32(self):
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.nll_loss(F.log_softmax(self.model(self.x32), dim=1), self.y32)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def _infer(self, x):
        self.model.eval()
        with torch.inference_mode():
            return F.softmax(self.model(x), dim=1)

    def infer_b1(self):
        return self._infer(self.x1)

    def infer_b256(self):
        return self._infer(self.x256)


def main():
    torch.set_num_threads(THREADS)
    reps = 2
    if "--reps" in sys.argv:
        reps = int(sys.argv[sys.argv.index("--reps") + 1])
    setups = {f: Setup(f) for f in FORMATS}
    torch_serve.run({w: {f: getattr(setups[f], w) for f in FORMATS} for w in WORKLOADS}, reps, INNER)


if __name__ == "__main__":
    main()
