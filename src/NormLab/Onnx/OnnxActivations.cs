namespace NormLab.Onnx;

/// <summary>Keras's activation functions, by name, as ONNX operators (or exact subgraphs of them).</summary>
internal static class OnnxActivations
{
    /// <summary>Applies the activation <paramref name="name"/> to <paramref name="x"/> (elementwise ones keep the layout).</summary>
    internal static string Apply(OnnxGraph g, string hint, string x, string name)
    {
        hint = $"{hint}/{name}";
        switch (name)
        {
            case "linear": return x;
            case "relu": return g.Node("Relu", hint, [x]);
            case "sigmoid": return g.Node("Sigmoid", hint, [x]);
            case "tanh": return g.Node("Tanh", hint, [x]);
            case "softmax": return g.Node("Softmax", hint, [x], OnnxGraph.Attr("axis", -1));
            case "elu": return g.Node("Elu", hint, [x], OnnxGraph.Attr("alpha", 1.0));
            case "selu": return g.Node("Selu", hint, [x], OnnxGraph.Attr("alpha", 1.6732632423543772), OnnxGraph.Attr("gamma", 1.0507009873554805));
            case "softplus": return g.Node("Softplus", hint, [x]);
            case "softsign": return g.Node("Softsign", hint, [x]);
            case "exponential": return g.Node("Exp", hint, [x]);
            case "leaky_relu": return g.Node("LeakyRelu", hint, [x], OnnxGraph.Attr("alpha", 0.2));
            case "relu6": return g.Node("Clip", hint, [x, g.Scalar(hint + "/min", 0), g.Scalar(hint + "/max", 6)]);
            // Keras 3: relu6(x + 3) / 6 = max(0, min(1, x / 6 + 0.5)).
            case "hard_sigmoid": return g.Node("HardSigmoid", hint, [x], OnnxGraph.Attr("alpha", 1.0 / 6), OnnxGraph.Attr("beta", 0.5));
            case "hard_silu" or "hard_swish": return g.Node("HardSwish", hint, [x]);
            case "swish" or "silu": return g.Node("Mul", hint, [x, g.Node("Sigmoid", hint, [x])]);
            case "mish": return g.Node("Mul", hint, [x, g.Node("Tanh", hint, [g.Node("Softplus", hint, [x])])]);
            case "gelu":
                // The exact (erf) form, as NormLab's: 0.5 x (1 + erf(x / sqrt 2)).
                var erf = g.Node("Erf", hint, [g.Node("Mul", hint, [x, g.Scalar(hint + "/inv_sqrt2", 1 / Math.Sqrt(2))])]);
                var onePlus = g.Node("Add", hint, [erf, g.Scalar(hint + "/one", 1)]);
                return g.Node("Mul", hint, [g.Node("Mul", hint, [x, onePlus]), g.Scalar(hint + "/half", 0.5)]);
            default:
                throw new NotSupportedException($"ExportOnnx: the activation '{name}' has no ONNX mapping.");
        }
    }
}
