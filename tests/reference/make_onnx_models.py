"""Small PyTorch models exported by torch.onnx.export, with their inputs, outputs and one SGD step,
for the ONNX import tests (tests/NormLab.Tests/Onnx/OnnxImportTorchTests.cs).

Writes tests/NormLab.Tests/Fixtures/onnx/<case>.onnx and <case>.json. The JSON holds `x` (the input
in PyTorch's layout, NCHW for images), `y` (the eval-mode output), `target`, and the mean squared error
in training mode before (`loss_before`) and after (`loss_after`) one SGD step with learning rate `lr`.
"""
import io
import os

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from fixture_io import FixtureSet

torch.set_default_dtype(torch.float32)
LR = 0.1


class Residual(torch.nn.Module):
    """conv-BN-ReLU-conv-BN plus the input, then ReLU (a ResNet basic block)."""

    def __init__(self, channels):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(channels, channels, 3, padding=1), torch.nn.BatchNorm2d(channels), torch.nn.ReLU(),
            torch.nn.Conv2d(channels, channels, 3, padding=1), torch.nn.BatchNorm2d(channels))

    def forward(self, x):
        return torch.relu(self.body(x) + x)


def cnn():
    """The seeds' CNN (Conv-BN-ReLU twice, MaxPool, Flatten, Linear, Linear), channels shrunk to stay small."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
        torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16 * 6 * 6, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)), (4, 1, 12, 12)


def resnet():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), Residual(8),
        torch.nn.AvgPool2d(2), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 4)), (4, 3, 8, 8)


def sequence_mlp():
    """Linear layers on a (batch, time, features) input: MatMul + Add, Tanh, Softmax over the last axis."""
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 5), torch.nn.Softmax(dim=-1)), (3, 4, 6)


class LastStep(torch.nn.Module):
    """An LSTM or GRU over (batch, time, features), then a Linear layer on the last step.

    PyTorch exports its default zero state as shape arithmetic on the input (Shape, Gather, Expand),
    which does not import; the zero state is passed explicitly, as constant buffers."""

    def __init__(self, rnn, batch, hidden, states):
        super().__init__()
        self.rnn = rnn
        for name in states:
            self.register_buffer(name, torch.zeros(1, batch, hidden))
        self.states = states
        self.head = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        state = tuple(getattr(self, name) for name in self.states)
        y, _ = self.rnn(x, state if len(state) > 1 else state[0])
        return self.head(y[:, -1])


def lstm():
    """Without biases: PyTorch's LSTM has two (b_ih, b_hh) where Keras's has their sum, so one SGD step moves
    PyTorch's effective bias twice as far; lstm_bias checks the biases' import on the output only."""
    return LastStep(torch.nn.LSTM(3, 6, batch_first=True, bias=False), 4, 6, ["h0", "c0"]), (4, 5, 3)


def lstm_bias():
    return LastStep(torch.nn.LSTM(3, 6, batch_first=True), 4, 6, ["h0", "c0"]), (4, 5, 3)


def gru():
    return LastStep(torch.nn.GRU(3, 6, batch_first=True), 4, 6, ["h0"]), (4, 5, 3)


class BidirectionalRnn(torch.nn.Module):
    """A bidirectional LSTM or GRU over (batch, time, features), then a Linear layer on every step of its
    output or, with `final`, on the two directions' final states h_n[-2] and h_n[-1] concatenated. A
    time-major RNN (batch_first=False) gets the input transposed. Zero states as buffers (see LastStep)."""

    def __init__(self, rnn, batch, states, final=False):
        super().__init__()
        self.rnn = rnn
        for name in states:
            self.register_buffer(name, torch.zeros(2, batch, rnn.hidden_size))
        self.states = states
        self.final = final
        self.head = torch.nn.Linear(2 * rnn.hidden_size, 2)

    def forward(self, x):
        state = tuple(getattr(self, name) for name in self.states)
        y, h = self.rnn(x if self.rnn.batch_first else x.transpose(0, 1), state if len(state) > 1 else state[0])
        if self.final:
            h = h[0] if isinstance(h, tuple) else h
            return self.head(torch.cat([h[-2], h[-1]], dim=1))
        return self.head(y if self.rnn.batch_first else y.transpose(0, 1))


def lstm_bidirectional():
    """Without biases, as lstm: the output of every step."""
    return BidirectionalRnn(torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True, bias=False), 4, ["h0", "c0"]), (4, 5, 3)


def gru_bidirectional():
    """Time-major, the final states: torch exports Gather of Y_h along the directions and Concat."""
    return BidirectionalRnn(torch.nn.GRU(3, 4, bidirectional=True), 4, ["h0"], final=True), (4, 5, 3)


class MlpBlock(torch.nn.Module):
    """A transformer encoder block without the attention: x + Linear(GELU(Linear(LayerNorm(x))))."""

    def __init__(self, width, hidden):
        super().__init__()
        self.norm = torch.nn.LayerNorm(width)
        self.up = torch.nn.Linear(width, hidden)
        self.down = torch.nn.Linear(hidden, width)

    def forward(self, x):
        return x + self.down(torch.nn.functional.gelu(self.up(self.norm(x))))


class TransformerMlp(torch.nn.Module):
    """Two pre-norm MLP blocks, a final LayerNorm, the mean over time and a Linear head. At opset 13
    PyTorch writes LayerNorm as ReduceMean, Sub, Pow, Add, Sqrt, Div, Mul, Add and GELU as Div, Erf,
    Add, Mul, Mul (transformer covers the attention)."""

    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.Sequential(MlpBlock(8, 16), MlpBlock(8, 16))
        self.norm = torch.nn.LayerNorm(8)
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.norm(self.blocks(x)).mean(dim=1))


def transformer_mlp():
    return TransformerMlp(), (4, 5, 8)


class TransformerEncoder(torch.nn.Module):
    """A Linear embedding, nn.TransformerEncoderLayer (4 heads, no dropout), the mean over time and a Linear
    head. PyTorch exports the attention as run-time shape arithmetic (Shape, Gather, Div, Mul, Unsqueeze,
    Concat) feeding Reshapes that merge the batch with the heads, Transposes, Slices of the joint q/k/v
    projection and MatMuls of two computed tensors; at opset 17 LayerNorm is a LayerNormalization node."""

    def __init__(self, norm_first):
        super().__init__()
        self.embed = torch.nn.Linear(6, 16)
        self.encoder = torch.nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True, norm_first=norm_first)
        self.head = torch.nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.encoder(self.embed(x)).mean(dim=1))


def transformer():
    return TransformerEncoder(norm_first=False), (4, 5, 6)


def transformer_norm_first():
    return TransformerEncoder(norm_first=True), (4, 5, 6)


def group_norm():
    return torch.nn.GroupNorm(2, 6), (4, 6, 3, 3)


def torch_export(model, x, opset=13):
    buffer = io.BytesIO()
    # PRESERVE keeps BatchNormalization as its own node (EVAL folds it into the convolution).
    torch.onnx.export(model, x, buffer, opset_version=opset, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()))
    return buffer.getvalue()


def group_norm_per_group():
    """Weights equal within each group, so that opset 18's per-group scale and bias can hold them."""
    model = torch.nn.GroupNorm(3, 6)
    model.per_group = True
    return model, (4, 6, 3, 3)


def group_norm_graph(model, x):
    """ONNX's GroupNormalization node with the module's weights, per channel (opset 21) or per group
    (opset 18), written by hand: PyTorch 1.13 exports GroupNorm as Reshape, InstanceNormalization and a
    Reshape to the run-time Shape of the input, and the installed onnx (1.12) predates the operator, so
    the file is not checked."""
    per_group = getattr(model, "per_group", False)
    step = model.num_channels // model.num_groups if per_group else 1
    weight, bias = model.weight.detach().numpy()[::step], model.bias.detach().numpy()[::step]
    shape = ["batch", *x.shape[1:]]
    node = onnx.helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"], num_groups=model.num_groups, epsilon=model.eps)
    graph = onnx.helper.make_graph(
        [node], "group_norm",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, shape)],
        [onnx.numpy_helper.from_array(weight, "scale"), onnx.numpy_helper.from_array(bias, "bias")])
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 18 if per_group else 21)]).SerializeToString()


def gelu():
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.GELU()), (4, 6)


def gelu_graph(model, x):
    """Gemm and ONNX's Gelu node (opset 20) with the Linear layer's weights, written by hand: PyTorch 1.13
    writes GELU as Div, Erf, Add, Mul, Mul (transformer_mlp covers that), and onnx 1.12 predates Gelu."""
    linear = model[0]
    nodes = [onnx.helper.make_node("Gemm", ["x", "weight", "bias"], ["h"], transB=1),
             onnx.helper.make_node("Gelu", ["h"], ["y"])]
    graph = onnx.helper.make_graph(
        nodes, "gelu",
        [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["batch", x.shape[1]])],
        [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["batch", linear.out_features])],
        [onnx.numpy_helper.from_array(linear.weight.detach().numpy(), "weight"),
         onnx.numpy_helper.from_array(linear.bias.detach().numpy(), "bias")])
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)]).SerializeToString()


def opset_17(model, x):
    return torch_export(model, x, opset=17)


EXPORTS = {"group_norm": group_norm_graph, "group_norm_per_group": group_norm_graph, "gelu": gelu_graph,
           "transformer": opset_17, "transformer_norm_first": opset_17}


def padded_cnn():
    """ZeroPad2d before a convolution: PyTorch writes Pad with its pads computed from constants
    (ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast), which the import folds."""
    return torch.nn.Sequential(
        torch.nn.ZeroPad2d((1, 2, 0, 1)), torch.nn.Conv2d(2, 3, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 6, 2)), (4, 2, 5, 5)


def randomize_statistics(model, rng):
    """Running statistics away from (0, 1) and LayerNorm and GroupNorm weights away from (1, 0), so the import must carry them over."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.tensor(rng.standard_normal(m.num_features) * 0.1, dtype=torch.float32))
            m.running_var.copy_(torch.tensor(rng.uniform(0.5, 1.5, m.num_features), dtype=torch.float32))
        if isinstance(m, (torch.nn.LayerNorm, torch.nn.GroupNorm)):
            # Away from (1, 0), so the import must carry the affine weights over.
            m.weight.copy_(torch.tensor(rng.uniform(0.5, 1.5, m.weight.shape), dtype=torch.float32))
            m.bias.copy_(torch.tensor(rng.standard_normal(m.bias.shape) * 0.1, dtype=torch.float32))
            if getattr(m, "per_group", False):
                step = m.num_channels // m.num_groups
                m.weight.copy_(m.weight[::step].repeat_interleave(step))
                m.bias.copy_(m.bias[::step].repeat_interleave(step))


def main():
    fixtures = FixtureSet("onnx", seed=23)
    for case, make in [("cnn", cnn), ("resnet", resnet), ("sequence_mlp", sequence_mlp),
                       ("lstm", lstm), ("lstm_bias", lstm_bias), ("gru", gru), ("transformer_mlp", transformer_mlp),
                       ("group_norm", group_norm), ("gelu", gelu),
                       ("group_norm_per_group", group_norm_per_group), ("padded_cnn", padded_cnn),
                       ("transformer", transformer), ("transformer_norm_first", transformer_norm_first),
                       ("lstm_bidirectional", lstm_bidirectional), ("gru_bidirectional", gru_bidirectional)]:
        torch.manual_seed(23)
        model, shape = make()
        with torch.no_grad():
            randomize_statistics(model, fixtures.rng)
        x = torch.tensor(fixtures.f32(shape), dtype=torch.float32)
        model.eval()
        exported = EXPORTS.get(case, torch_export)(model, x)
        with torch.no_grad():
            y = model(x)
        target = torch.tensor(fixtures.f32(tuple(y.shape)), dtype=torch.float32)
        model.train()
        loss_before = torch.mean((model(x) - target) ** 2)
        loss_before.backward()
        torch.optim.SGD(model.parameters(), lr=LR).step()
        with torch.no_grad():
            loss_after = torch.mean((model(x) - target) ** 2)
        path = os.path.join(fixtures.out, case + ".onnx")
        os.makedirs(fixtures.out, exist_ok=True)
        with open(path, "wb") as f:
            f.write(exported)
        assert os.path.getsize(path) < 200_000, (path, os.path.getsize(path))
        fixtures.write(case, {"lr": LR}, x=x.double(), y=y.double(), target=target.double(),
                       loss_before=loss_before.double(), loss_after=loss_after.double())


if __name__ == "__main__":
    main()
