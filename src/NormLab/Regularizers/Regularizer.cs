using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Regularizers;

/// <summary>
/// A weight penalty added to the training loss: l1 * sum|w| + l2 * sum w² (Keras's L1, L2, L1L2;
/// the names "l1" and "l2" mean a factor of 0.01, as in Keras).
/// </summary>
/// <param name="l1">Factor of the sum of absolute weights, non-negative; default 0.</param>
/// <param name="l2">Factor of the sum of squared weights, non-negative; default 0.</param>
public sealed class Regularizer(double l1 = 0, double l2 = 0)
{
    private static readonly NamedRegistry<Regularizer> Registry = new("regularizer", new()
    {
        ["l1"] = c => new Regularizer(l1: c.GetDouble("l1", 0.01)),
        ["l2"] = c => new Regularizer(l2: c.GetDouble("l2", 0.01)),
        ["l1_l2"] = c => new Regularizer(c.GetDouble("l1", 0.01), c.GetDouble("l2", 0.01)),
        ["L1L2"] = c => new Regularizer(c.GetDouble("l1", 0), c.GetDouble("l2", 0)),
    });

    /// <summary>The L1 factor.</summary>
    public double L1 { get; } = l1;

    /// <summary>The L2 factor.</summary>
    public double L2 { get; } = l2;

    /// <summary>The differentiable penalty for <paramref name="weight"/>.</summary>
    /// <param name="weight">The weight being penalized; the result is a scalar tensor whose gradient flows into it.</param>
    public Tensor Penalty(Tensor weight)
    {
        Tensor penalty = Tensor.Scalar(0);
        if (L1 != 0) penalty = penalty + Ops.Sum(Ops.Abs(weight)) * L1;
        if (L2 != 0) penalty = penalty + Ops.Sum(Ops.Square(weight)) * L2;
        return penalty;
    }

    /// <summary>The saved form.</summary>
    public JsonObject GetConfig() => NamedRegistry<Regularizer>.ToConfig("L1L2", new() { ["l1"] = L1, ["l2"] = L2 });

    /// <summary>Rebuilds a regularizer from <see cref="GetConfig"/>'s output.</summary>
    /// <param name="config">A name string ("l1", "l2", "l1_l2") or a <c>{"class_name", "config"}</c> object as saved in a model file.</param>
    public static Regularizer FromConfig(JsonNode? config) => Registry.FromConfig(config);

    /// <summary>Lets "l1", "l2" or "l1_l2" be written where a regularizer is expected.</summary>
    /// <param name="name">"l1", "l2" or "l1_l2" (factor 0.01 each), e.g. <c>kernelRegularizer: "l2"</c>.</param>
    public static implicit operator Regularizer(string name) => Registry.Get(name);
}
