using NormLab.Autograd;

namespace NormLab;

/// <summary>
/// A dense, contiguous, row-major float32 array with reverse-mode autograd.
/// Tensors are ordinary managed objects that the GC reclaims; <see cref="Dispose"/> is optional and
/// hands a tensor's memory to the next operation instead, while it is still in cache.
/// </summary>
/// <example><code>
/// Tensor a = Tensor.RandN(8, 3);  a.RequiresGrad = true;
/// Tensor loss = (a * a).Sum();
/// loss.Backward();                 // a.Grad == 2 * a
/// </code></example>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorStorage storage;
    private bool disposed;

    /// <summary>The values, row-major; its length is exactly <see cref="Size"/>.</summary>
    internal float[] Data => disposed ? throw DisposedError() : storage.Array;

    /// <summary>The recorded operation that produced this tensor, when autograd tracks it.</summary>
    internal Node? GradFn;

    private readonly int[] shape;

    /// <summary>Wraps <paramref name="data"/> without copying; disposing the tensor leaves the array to the GC.</summary>
    internal Tensor(float[] data, int[] shape) : this(new TensorStorage(data, pooled: false), shape) { }

    private Tensor(TensorStorage storage, ReadOnlySpan<int> shape)
    {
        int size = Shapes.SizeOf(shape);
        if (storage.Array.Length != size)
            throw new ArgumentException($"Tensor: data has {storage.Array.Length} values but shape {Shapes.Format(shape)} needs {size}.");
        this.storage = storage;
        this.shape = shape.ToArray();
    }

    /// <summary>
    /// A tensor whose values are undefined, its array recycled from tensors disposed earlier when one
    /// of the same size is free. For op outputs: the caller overwrites every value.
    /// </summary>
    internal static Tensor Uninitialized(ReadOnlySpan<int> shape)
    {
        var array = TensorPool.Rent(Shapes.SizeOf(shape), out bool recycled);
        return new(new TensorStorage(array, pooled: true, recycled), shape);
    }

    /// <summary>Whether this tensor's array was recycled from a disposed one: kernels then store into it
    /// normally rather than streaming past the cache (<see cref="Kernels.StreamingStores.Pays"/>).</summary>
    internal bool RecycledArray => storage.Recycled;

    /// <summary>The same values under another shape of the same size, sharing the array.</summary>
    internal Tensor View(int[] newShape)
    {
        if (disposed) throw DisposedError();
        var view = new Tensor(storage, newShape);
        storage.AddUser();
        return view;
    }

    /// <summary>Whether <see cref="Dispose"/> has been called; a disposed tensor's values can no longer be read.</summary>
    public bool IsDisposed => disposed;

    /// <summary>
    /// Declares that this tensor is no longer needed, so that its memory can go to the next operation
    /// while it is still in cache (without it the GC reclaims the tensor later, and the next operation
    /// writes memory it has not touched since the last collection). Reading the tensor afterwards
    /// throws <see cref="ObjectDisposedException"/>, and so does <see cref="Backward"/> through an
    /// operation that used it (its gradient needs the values): dispose after Backward. The memory is
    /// recycled once no other tensor shares it (a reshape does); only memory that NormLab's operations
    /// allocated is recycled. Disposing twice does nothing. Do not dispose a tensor that something else
    /// still uses: a layer's output can be its input itself (Dropout at inference), and weights belong
    /// to their layer.
    /// </summary>
    /// <example><code>
    /// for (int step = 0; step &lt; 100; step++)
    /// {
    ///     using Tensor y = norm.Call(x, training: true);   // takes the last step's output memory
    ///     total += y[0, 0];
    /// }
    /// </code></example>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        GradFn = null;
        Grad = null;
        Logits = null;
        storage.Release();
    }

    private ObjectDisposedException DisposedError() =>
        new(nameof(Tensor), $"Tensor of shape {Shapes.Format(shape)}{(Name != null ? $" ('{Name}')" : "")} was disposed; its values can no longer be read.");

    /// <summary>A copy of the dimensions.</summary>
    public int[] Shape => (int[])shape.Clone();

    /// <summary>The dimensions without a copy, for the library's own hot paths.</summary>
    internal ReadOnlySpan<int> Dims => shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of values.</summary>
    public int Size => storage.Array.Length;

    /// <summary>An optional name (weights carry Keras's weight names).</summary>
    public string? Name { get; set; }

    /// <summary>Whether operations on this tensor are recorded so <see cref="Backward"/> can reach it.</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The accumulated gradient after <see cref="Backward"/>; set it to null to clear.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The size of dimension <paramref name="axis"/> (negative counts from the end).</summary>
    /// <param name="axis">Dimension index in [-Rank, Rank); -1 is the last dimension.</param>
    /// <exception cref="ArgumentException">When <paramref name="axis"/> is outside [-Rank, Rank).</exception>
    public int Dim(int axis) => shape[Shapes.NormalizeAxis(axis, Rank, "Tensor.Dim")];

    /// <summary>A copy of the values, row-major.</summary>
    public float[] ToArray() => (float[])Data.Clone();

    /// <summary>The single value of a tensor with one element.</summary>
    /// <exception cref="InvalidOperationException">When the tensor does not hold exactly one value.</exception>
    public float Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Tensor.Item: needs exactly one value, the tensor has shape {Shapes.Format(shape)}.");
        return Data[0];
    }

    /// <summary>The value at the given indices.</summary>
    /// <param name="indices">One index per axis, in range.</param>
    [System.Runtime.CompilerServices.IndexerName("ValueAt")]
    public float this[params int[] indices] => Data[Shapes.FlatIndex(shape, indices)];

    /// <summary>A tensor with the same values that autograd does not track.</summary>
    public Tensor Detach() => new((float[])Data.Clone(), shape);

    /// <summary>
    /// Back-propagates from this tensor. <paramref name="seed"/> is the gradient of the final scalar
    /// with respect to this tensor (ones when omitted, so <c>Backward()</c> on a loss gives d loss).
    /// Gradients accumulate into <see cref="Grad"/> of every leaf that requires it.
    /// </summary>
    /// <param name="seed">Gradient of the final scalar with respect to this tensor, same shape as this tensor; default null means all ones.</param>
    /// <exception cref="ArgumentException">When <paramref name="seed"/>'s shape differs from this tensor's shape.</exception>
    /// <example><code>var loss = (w * x).Sum();
    /// loss.Backward();   // w.Grad now holds d loss / d w</code></example>
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
