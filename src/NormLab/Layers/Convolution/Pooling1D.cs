using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>The shared configuration of the 1-D pooling layers over (batch, steps, channels); strides default to the pool size.
/// They run as 2-D pooling over an image of height 1.</summary>
public abstract class Pooling1D : Layer
{
    /// <summary>Validates and stores the window configuration.</summary>
    private protected Pooling1D(int poolSize, int? strides, string padding, int[]? inputShape, string? name) : base(name, inputShape)
    {
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        if (PoolSize < 1 || Strides < 1)
            throw new ArgumentException($"{Describe()}: poolSize and strides must be >= 1, received poolSize {PoolSize} and strides {Strides}.");
        Padding = ConvolutionLayer.PaddingName(padding, Describe());
    }

    /// <summary>The window length.</summary>
    public int PoolSize { get; }
    /// <summary>The step between windows.</summary>
    public int Strides { get; }
    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The window geometry of the height-1 image for an input shape, checked.</summary>
    private protected Pool2DGeometry Geometry(ReadOnlySpan<int> shape)
    {
        RequireRank(shape, 3, 3);
        var g = Pool2DGeometry.Create(shape[0], 1, shape[1], shape[2], 1, PoolSize, 1, Strides, Padding);
        if (g.OutW < 1)
            throw new ArgumentException($"{Describe()}: input of shape {Shapes.Format(shape)} is shorter than the pool size {PoolSize} with padding 'valid'.");
        if (shape[2] == 0)
            throw new ArgumentException($"{Describe()}: the input has 0 channels (shape {Shapes.Format(shape)}).");
        return g;
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training)
    {
        var g = Geometry(x.Dims);
        var y = Pool(Ops.Reshape(x, x.Dims[0], 1, x.Dims[1], x.Dims[2]), g);
        return Ops.Reshape(y, g.Batch, g.OutW, g.Channels);
    }

    /// <summary>The 2-D pooling op this layer applies.</summary>
    private protected abstract Tensor Pool(Tensor image, Pool2DGeometry g);

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return [inputShape[0], g.OutW, inputShape[2]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = new[] { PoolSize }.ToJson();
        config["strides"] = new[] { Strides }.ToJson();
        config["padding"] = Padding;
        return config;
    }

    private protected static (int pool, int strides, string padding, string? name) Read(JsonObject c)
    {
        int pool = (c.GetInts("pool_size") ?? [2])[0];
        return (pool, (c.GetInts("strides") ?? [pool])[0], c.GetString("padding", "valid")!, c.GetString("name"));
    }
}

/// <summary>The maximum over each window of steps (keras.layers.MaxPooling1D).</summary>
/// <example><code>new MaxPooling1D(2)</code></example>
/// <param name="poolSize">The window length (default 2).</param>
/// <param name="strides">The step between windows (default: the pool size).</param>
/// <param name="padding">"valid" (default) or "same".</param>
/// <param name="inputShape">The shape of one sample (steps, channels), for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class MaxPooling1D(int poolSize = 2, int? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : Pooling1D(poolSize, strides, padding, inputShape, name)
{
    private protected override Tensor Pool(Tensor image, Pool2DGeometry g) => Ops.MaxPool2D(image, g);

    internal static MaxPooling1D FromConfig(JsonObject c)
    {
        var (pool, strides, padding, name) = Read(c);
        return new MaxPooling1D(pool, strides, padding, name: name);
    }
}

/// <summary>The mean over each window of steps (keras.layers.AveragePooling1D; "same" averages only the real steps).</summary>
/// <example><code>new AveragePooling1D(3, strides: 1, padding: "same")</code></example>
/// <param name="poolSize">The window length (default 2).</param>
/// <param name="strides">The step between windows (default: the pool size).</param>
/// <param name="padding">"valid" (default) or "same".</param>
/// <param name="inputShape">The shape of one sample (steps, channels), for the first layer of a model.</param>
/// <param name="name">The layer's name.</param>
public sealed class AveragePooling1D(int poolSize = 2, int? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : Pooling1D(poolSize, strides, padding, inputShape, name)
{
    private protected override Tensor Pool(Tensor image, Pool2DGeometry g) => Ops.AveragePool2D(image, g);

    internal static AveragePooling1D FromConfig(JsonObject c)
    {
        var (pool, strides, padding, name) = Read(c);
        return new AveragePooling1D(pool, strides, padding, name: name);
    }
}
