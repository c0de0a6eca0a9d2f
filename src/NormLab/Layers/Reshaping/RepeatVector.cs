using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>Repeats each input vector <c>n</c> times (keras.layers.RepeatVector): (batch, features) → (batch, n, features).</summary>
/// <example><code>new RepeatVector(10)</code></example>
public sealed class RepeatVector : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="n">The number of repetitions (>= 1).</param>
    /// <param name="inputShape">The shape of one sample, for the first layer of a model.</param>
    /// <param name="name">The layer's name.</param>
    /// <exception cref="ArgumentException">When <paramref name="n"/> is below 1.</exception>
    public RepeatVector(int n, int[]? inputShape = null, string? name = null) : base(name, inputShape)
    {
        if (n < 1) throw new ArgumentException($"{Describe()}: n must be >= 1, received {n}.");
        N = n;
    }

    /// <summary>The number of repetitions.</summary>
    public int N { get; }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        RequireRank(x, 2, 2);
        return Ops.RepeatElements(Ops.Reshape(x, x.Dims[0], 1, x.Dims[1]), 1, N);
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 2, 2);
        return [inputShape[0], N, inputShape[1]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["n"] = N;
        return config;
    }

    internal static RepeatVector FromConfig(JsonObject c) => new(c.GetInt("n", 1), name: c.GetString("name"));
}
