#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench vit`: the lab's pre-LN ViT, one training step at batch 64.

Model (as `normlab compare --arch vit --norms layer --placement pre`): Conv2d(1, 64, 7, stride 7) to 16 tokens,
a learned (16, 64) position table, 4 nn.TransformerEncoderLayer(64, 4 heads, 128, dropout 0, relu,
norm_first=True, layer_norm_eps 1e-5), a final LayerNorm, the token mean, Linear(64, 10); Adam (lr 1e-3)
on the cross-entropy. One step = zero_grad, forward, backward, optimizer step; float32, 2 threads.
Prints one JSON object: {"torch": version, "threads": n, "ms": [ms per step, ...]}. Options: --reps N (30).
"""
import json
import sys
import time

import torch
import torch.nn as nn

THREADS = 2


class ViT(nn.Module):
    def __init__(self):
        super().__init__()
        self.patches = nn.Conv2d(1, 64, 7, stride=7)
        self.positions = nn.Parameter(torch.randn(16, 64) * 0.02)
        self.blocks = nn.Sequential(*[nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True, norm_first=True,
                                                                 layer_norm_eps=1e-5) for _ in range(4)])
        self.norm = nn.LayerNorm(64, eps=1e-5)
        self.head = nn.Linear(64, 10)

    def forward(self, images):
        tokens = self.patches(images).flatten(2).transpose(1, 2) + self.positions
        return self.head(self.norm(self.blocks(tokens)).mean(1))


def main():
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 30
    model = ViT()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images, labels = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()

    for _ in range(5):  # warm-up
        step()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1e3)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "ms": times}))


if __name__ == "__main__":
    main()
