using System.Text.Json.Nodes;
using NormLab.Regularizers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// Keras's ActivityRegularization: passes its input through and, on every call, adds
/// <c>l1 * sum|x| + l2 * sum x²</c> of that input to the training loss (Keras 3: not divided by the batch size).
/// </summary>
public sealed class ActivityRegularization : Layer
{
    private readonly Regularizer regularizer;

    /// <summary>Creates the layer.</summary>
    /// <param name="l1">The L1 factor (&gt;= 0, default 0).</param>
    /// <param name="l2">The L2 factor (&gt;= 0, default 0).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">Layer name (Keras <c>name</c>); default null gives a unique one from the class name in snake_case, numbered from the second layer of that class on (e.g. "re_lu", "re_lu_1").</param>
    /// <exception cref="ArgumentException">When <paramref name="l1"/> or <paramref name="l2"/> is negative, NaN or infinite.</exception>
    public ActivityRegularization(double l1 = 0, double l2 = 0, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (!(l1 >= 0) || double.IsInfinity(l1)) throw new ArgumentException($"{Describe()}: l1 must be a finite number >= 0, received {l1}.");
        if (!(l2 >= 0) || double.IsInfinity(l2)) throw new ArgumentException($"{Describe()}: l2 must be a finite number >= 0, received {l2}.");
        regularizer = new Regularizer(l1, l2);
    }

    /// <summary>The L1 factor.</summary>
    public double L1 => regularizer.L1;

    /// <summary>The L2 factor.</summary>
    public double L2 => regularizer.L2;

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        if (L1 != 0 || L2 != 0) AddLoss(regularizer.Penalty(x));
        return x;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["l1"] = L1;
        config["l2"] = L2;
        return config;
    }

    internal static ActivityRegularization FromConfig(JsonObject c) => new(c.GetDouble("l1", 0), c.GetDouble("l2", 0), name: c.GetString("name"));
}
