namespace NormLab;

/// <summary>
/// The array behind one tensor and the views that share it (a reshape does not copy). It counts the
/// tensors still using it, so that disposing the last one hands a pooled array back to
/// <see cref="TensorPool"/>.
/// </summary>
internal sealed class TensorStorage(float[] array, bool pooled, bool recycled = false)
{
    internal readonly float[] Array = array;

    /// <summary>The array came back from a disposed tensor, recently written, so probably still in cache.</summary>
    internal readonly bool Recycled = recycled;

    private int users = 1;

    /// <summary>One more tensor (a view) uses the array.</summary>
    internal void AddUser() => Interlocked.Increment(ref users);

    /// <summary>One tensor no longer uses the array; the last one returns a pooled array to the pool.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref users) == 0 && pooled) TensorPool.Return(Array);
    }
}
