using NormLab.Autograd;

namespace NormLab;

/// <summary>
/// A dense, contiguous, row-major float32 array with reverse-mode autograd.
/// Tensors are ordinary managed objects: there is nothing to dispose.
/// </summary>
/// <example><code>
/// Tensor a = Tensor.RandN(8, 3);  a.RequiresGrad = true;
/// Tensor loss = (a * a).Sum();
/// loss.Backward();                 // a.Grad == 2 * a
/// </code></example>
public sealed partial class Tensor
{
    /// <summary>The values, row-major; its length is exactly <see cref="Size"/>.</summary>
    internal readonly float[] Data;

    /// <summary>The recorded operation that produced this tensor, when autograd tracks it.</summary>
    internal Node? GradFn;

    private readonly int[] shape;

    /// <summary>Wraps <paramref name="data"/> without copying.</summary>
    internal Tensor(float[] data, int[] shape)
    {
        int size = Shapes.SizeOf(shape);
        if (data.Length != size)
            throw new ArgumentException($"Tensor: data has {data.Length} values but shape {Shapes.Format(shape)} needs {size}.");
        Data = data;
        this.shape = (int[])shape.Clone();
    }

    /// <summary>A copy of the dimensions.</summary>
    public int[] Shape => (int[])shape.Clone();

    /// <summary>The dimensions without a copy, for the library's own hot paths.</summary>
    internal ReadOnlySpan<int> Dims => shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of values.</summary>
    public int Size => Data.Length;

    /// <summary>An optional name (weights carry Keras's weight names).</summary>
    public string? Name { get; set; }

    /// <summary>Whether operations on this tensor are recorded so <see cref="Backward"/> can reach it.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The accumulated gradient after <see cref="Backward"/>; set it to null to clear.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => shape[Shapes.NormalizeAxis(axis, Rank, "Tensor.Dim")];

    /// <summary>A copy of the values, row-major.</summary>
    public float[] ToArray() => (float[])Data.Clone();

    /// <summary>The single value of a tensor with one element.</summary>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Tensor.Item: needs exactly one value, the tensor has shape {Shapes.Format(shape)}.");
        return Data[0];
    }

    /// <summary>The value at the given indices.</summary>
    [System.Runtime.CompilerServices.IndexerName("ValueAt")]
    public float this[params int[] indices] => Data[Shapes.FlatIndex(shape, indices)];

    /// <summary>A tensor with the same values that autograd does not track.</summary>
    public Tensor Detach() => new((float[])Data.Clone(), shape);

    /// <summary>
    /// Back-propagates from this tensor. <paramref name="seed"/> is the gradient of the final scalar
    /// with respect to this tensor (ones when omitted, so <c>Backward()</c> on a loss gives d loss).
    /// Gradients accumulate into <see cref="Grad"/> of every leaf that requires it.
    /// </summary>
    public void Backward(Tensor? seed = null)
    {
        if (seed != null && !Shapes.Equal(seed.Dims, shape))
            throw new ArgumentException($"Tensor.Backward: seed has shape {Shapes.Format(seed.Dims)} but the tensor has shape {Shapes.Format(shape)}.");
        Tape.Backward(this, seed ?? Ones(shape));
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        int shown = Math.Min(Size, 8);
        var head = string.Join(", ", Data.Take(shown).Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)));
        return $"Tensor(shape={Shapes.Format(shape)}, [{head}{(Size > shown ? ", ..." : "")}])";
    }
}
