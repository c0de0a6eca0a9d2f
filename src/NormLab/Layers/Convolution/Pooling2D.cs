using System.Text.Json.Nodes;
using NormLab.Kernels;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>The shared configuration of the 2-D pooling layers (NHWC; strides default to the pool size).</summary>
public abstract class Pooling2D : Layer
{
    /// <summary>Validates and stores the window configuration.</summary>
    /// <param name="poolSize">The window's (height, width).</param>
    /// <param name="strides">The step between windows; null is the pool size.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
    /// <param name="name">Optional layer name; a unique one from the class name when null.</param>
    protected Pooling2D(Size2 poolSize, Size2? strides, string padding, int[]? inputShape, string? name) : base(name, inputShape)
    {
        PoolSize = poolSize;
        Strides = strides ?? poolSize;
        if (PoolSize.Height < 1 || PoolSize.Width < 1 || Strides.Height < 1 || Strides.Width < 1)
            throw new ArgumentException($"{Describe()}: poolSize and strides must be >= 1, received poolSize {PoolSize} and strides {Strides}.");
        Padding = ConvolutionLayer.PaddingName(padding, Describe());
    }

    /// <summary>The window's (height, width).</summary>
    public Size2 PoolSize { get; }
    /// <summary>The step between windows.</summary>
    public Size2 Strides { get; }
    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The window geometry for an input shape, checked.</summary>
    private protected Pool2DGeometry Geometry(ReadOnlySpan<int> shape)
    {
        if (shape.Length != 4)
            throw new ArgumentException($"{Describe()}: expected input of rank 4 (batch, height, width, channels), received shape {Shapes.Format(shape)}.");
        var g = Pool2DGeometry.Create(shape[0], shape[1], shape[2], shape[3], PoolSize.Height, PoolSize.Width, Strides.Height, Strides.Width, Padding);
        if (g.OutH < 1 || g.OutW < 1)
            throw new ArgumentException($"{Describe()}: input of shape {Shapes.Format(shape)} is smaller than the pool size {PoolSize} with padding 'valid'.");
        return g;
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        var g = Geometry(inputShape);
        return [inputShape[0], g.OutH, g.OutW, inputShape[3]];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var config = base.GetConfig();
        config["pool_size"] = PoolSize.ToArray().ToJson();
        config["strides"] = Strides.ToArray().ToJson();
        config["padding"] = Padding;
        return config;
    }

    private protected static (Size2 pool, Size2 strides, string padding, string? name) Read(JsonObject c) =>
        (Size2.FromArray(c.GetInts("pool_size") ?? [2]), Size2.FromArray(c.GetInts("strides") ?? c.GetInts("pool_size") ?? [2]),
         c.GetString("padding", "valid")!, c.GetString("name"));
}

/// <summary>The maximum over each window (keras.layers.MaxPooling2D).</summary>
/// <example><code>new MaxPooling2D((2, 2))</code></example>
/// <param name="poolSize">The window's (height, width), or one size for both (default 2).</param>
/// <param name="strides">The step between windows; null (default) is the pool size.</param>
/// <param name="padding">"valid" (default) or "same".</param>
/// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public class MaxPooling2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : Pooling2D(poolSize ?? 2, strides, padding, inputShape, name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.MaxPool2D(x, Geometry(x.Dims));

    internal static MaxPooling2D FromConfig(JsonObject c)
    {
        var (pool, strides, padding, name) = Read(c);
        return new MaxPooling2D(pool, strides, padding, name: name);
    }
}

/// <summary>Keras's alias of <see cref="MaxPooling2D"/>.</summary>
/// <param name="poolSize">The window's (height, width), or one size for both (default 2).</param>
/// <param name="strides">The step between windows; null (default) is the pool size.</param>
/// <param name="padding">"valid" (default) or "same".</param>
/// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public sealed class MaxPool2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : MaxPooling2D(poolSize, strides, padding, inputShape, name);

/// <summary>The mean over each window (keras.layers.AveragePooling2D).</summary>
/// <param name="poolSize">The window's (height, width), or one size for both (default 2).</param>
/// <param name="strides">The step between windows; null (default) is the pool size.</param>
/// <param name="padding">"valid" (default) or "same".</param>
/// <param name="inputShape">Optional input shape without the batch dimension, for the first layer of a model.</param>
/// <param name="name">Optional layer name; a unique one from the class name when null.</param>
public sealed class AveragePooling2D(Size2? poolSize = null, Size2? strides = null, string padding = "valid", int[]? inputShape = null, string? name = null)
    : Pooling2D(poolSize ?? 2, strides, padding, inputShape, name)
{
    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Ops.AveragePool2D(x, Geometry(x.Dims));

    internal static AveragePooling2D FromConfig(JsonObject c)
    {
        var (pool, strides, padding, name) = Read(c);
        return new AveragePooling2D(pool, strides, padding, name: name);
    }
}
