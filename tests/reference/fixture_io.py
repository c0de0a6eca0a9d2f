"""Shared plumbing of the normalization fixture scripts: seeded float32-representable inputs and the
JSON fixture format read by tests/NormLab.Tests/Normalization/NormFixture.cs."""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)


class FixtureSet:
    """Fixtures written to tests/NormLab.Tests/Fixtures/<folder>/, inputs drawn from one seeded stream."""

    def __init__(self, folder, seed):
        self.out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "NormLab.Tests", "Fixtures", folder)
        self.rng = np.random.default_rng(seed)

    def f32(self, shape, scale=1.0, shift=0.0):
        """Random float32-representable values, returned as float64."""
        return (self.rng.standard_normal(shape) * scale + shift).astype(np.float32).astype(np.float64)

    def u32(self, shape, lo, hi):
        """Uniform float32-representable values, returned as float64."""
        return self.rng.uniform(lo, hi, shape).astype(np.float32).astype(np.float64)

    @staticmethod
    def t(a, grad=False):
        return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)

    @staticmethod
    def pack(**tensors):
        out = {}
        for k, v in tensors.items():
            if isinstance(v, torch.Tensor):
                v = v.detach().numpy()
            v = np.asarray(v, dtype=np.float64)
            out[k] = {"shape": list(v.shape), "data": [float("%.9g" % z) for z in v.reshape(-1)]}
        return out

    def write(self, case, config, **tensors):
        os.makedirs(self.out, exist_ok=True)
        path = os.path.join(self.out, case + ".json")
        with open(path, "w") as f:
            json.dump({"case": case, "config": config, "tensors": self.pack(**tensors)}, f, separators=(",", ":"))
        size = os.path.getsize(path)
        assert size < 30_000, (case, size)
        print("%-28s %6d bytes" % (case, size))
