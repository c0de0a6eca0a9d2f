#!/usr/bin/python3
"""PyTorch side of `NormLab.Bench conv-layers`: the same layers, forward + backward, timed per call.

Workloads (batch 32, float32, all parameters and the input require gradients; backward from a ones seed):
  conv1d       Conv1d(64 -> 64, kernel 3, padding 1) on (32, 128 steps, 64 channels)
  depthwise2d  Conv2d(32 -> 32, 3x3, padding 1, groups 32) on (32, 28, 28, 32)
  transpose2d  ConvTranspose2d(32 -> 32, 3x3, stride 2, padding 1, output_padding 1) on (32, 28, 28, 32):
               Keras's Conv2DTranspose(32, 3, strides 2, padding "same"), output (32, 56, 56, 32)
Each runs in channels-first and channels-last (for 1-D: (N, C, L) and a (N, L, C) input transposed in the
call, as a channels-last Keras model would); the caller keeps the faster.

With --cpu: one thread, and the CPU time of the calling thread (time.thread_time) instead of wall clock.

Modes:
  conv_layers_torch.py          one standalone run, prints a JSON summary (median ms per workload/format)
  conv_layers_torch.py --serve  used by the C# bench: prints {"ready": ...} after the warm-up, then for each
                                line "round" on stdin times one round and prints one JSON line; "quit" exits.
"""
import sys
import time

import torch
import torch.nn as nn

import torch_serve

THREADS = 2
WORKLOADS = ("conv1d", "depthwise2d", "transpose2d")
FORMATS = ("channels_first", "channels_last")


class Setup:
    """One layer and input per workload in one memory format."""

    def __init__(self, memory_format):
        torch.manual_seed(0)
        self.last = memory_format == "channels_last"
        fmt = torch.channels_last if self.last else torch.contiguous_format
        self.layers = {
            "conv1d": nn.Conv1d(64, 64, 3, padding=1),
            "depthwise2d": nn.Conv2d(32, 32, 3, padding=1, groups=32).to(memory_format=fmt),
            "transpose2d": nn.ConvTranspose2d(32, 32, 3, stride=2, padding=1, output_padding=1).to(memory_format=fmt),
        }
        self.inputs = {
            "conv1d": torch.rand(32, 128, 64) if self.last else torch.rand(32, 64, 128),
            "depthwise2d": torch.rand(32, 32, 28, 28).contiguous(memory_format=fmt),
            "transpose2d": torch.rand(32, 32, 28, 28).contiguous(memory_format=fmt),
        }
        for x in self.inputs.values():
            x.requires_grad_(True)

    def run(self, workload):
        layer, x = self.layers[workload], self.inputs[workload]
        layer.zero_grad(set_to_none=True)
        x.grad = None
        y = layer(x.transpose(1, 2)).transpose(1, 2) if workload == "conv1d" and self.last else layer(x)
        y.backward(torch.ones_like(y))


CLOCK = time.thread_time if "--cpu" in sys.argv else time.perf_counter


def main():
    torch.set_num_threads(1 if "--cpu" in sys.argv else THREADS)
    setups = {f: Setup(f) for f in FORMATS}
    calls = {w: {f: (lambda f=f, w=w: setups[f].run(w)) for f in FORMATS} for w in WORKLOADS}
    torch_serve.run(calls, 3, clock=CLOCK)


if __name__ == "__main__":
    main()
