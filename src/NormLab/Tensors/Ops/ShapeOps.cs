using NormLab.Autograd;

namespace NormLab;

public static partial class Ops
{
    /// <summary>The same values with a new shape; one dimension may be -1 (inferred).</summary>
    /// <param name="x">Input tensor; its values are kept in row-major order.</param>
    /// <param name="shape">New dimension sizes with the same total size; at most one may be -1 (inferred).</param>
    /// <exception cref="ArgumentException">When the sizes do not match or more than one dimension is -1.</exception>
    public static Tensor Reshape(Tensor x, params int[] shape)
    {
        var resolved = ResolveReshape(x, shape);
        return Tape.Record(x.View(resolved), [x], g => [g.View(x.Shape)]);
    }

    private static int[] ResolveReshape(Tensor x, int[] shape)
    {
        var resolved = (int[])shape.Clone();
        int unknown = Array.IndexOf(resolved, -1);
        int known = 1;
        for (int i = 0; i < resolved.Length; i++) if (i != unknown) known *= resolved[i];
        if (unknown >= 0 && known > 0 && x.Size % known == 0) resolved[unknown] = x.Size / known;
        if (resolved.Any(d => d < 0) || Shapes.SizeOf(resolved) != x.Size)
            throw new ArgumentException($"Reshape: cannot reshape a tensor of shape {Shapes.Format(x.Dims)} ({x.Size} values) into {Shapes.Format(shape)}.");
        return resolved;
    }

    /// <summary>Permutes the axes (the transpose of a matrix is <c>Transpose(x, 1, 0)</c>).</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="permutation">For each output axis, the input axis it takes; a permutation of 0..rank-1.</param>
    /// <exception cref="ArgumentException">When <paramref name="permutation"/> is not a permutation of the axes of <paramref name="x"/>.</exception>
    public static Tensor Transpose(Tensor x, params int[] permutation)
    {
        if (permutation.Length != x.Rank || permutation.OrderBy(p => p).Where((p, i) => p != i).Any())
            throw new ArgumentException($"Transpose: [{string.Join(", ", permutation)}] is not a permutation of the {x.Rank} axes of shape {Shapes.Format(x.Dims)}.");
        var shape = permutation.Select(p => x.Dims[p]).ToArray();
        var inverse = new int[permutation.Length];
        for (int i = 0; i < permutation.Length; i++) inverse[permutation[i]] = i;
        var output = new Tensor(PermuteData(x, permutation), shape);
        return Tape.Record(output, [x], g => [Transpose(g, inverse)]);
    }

    private static float[] PermuteData(Tensor x, int[] permutation)
    {
        var sourceStrides = Shapes.Strides(x.Dims);
        var shape = permutation.Select(p => x.Dims[p]).ToArray();
        var strides = permutation.Select(p => sourceStrides[p]).ToArray();
        var result = new float[x.Size];
        var index = new int[shape.Length];
        for (int flat = 0; flat < result.Length; flat++)
        {
            int source = 0;
            for (int d = 0; d < shape.Length; d++) source += index[d] * strides[d];
            result[flat] = x.Data[source];
            for (int d = shape.Length - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return result;
    }

    /// <summary>The slice [start, start + length) along <paramref name="axis"/>.</summary>
    /// <param name="x">Input tensor.</param>
    /// <param name="axis">Axis to slice, in [-rank, rank).</param>
    /// <param name="start">First index kept along <paramref name="axis"/>, from 0.</param>
    /// <param name="length">Number of indices kept; <paramref name="start"/> + <paramref name="length"/> must not exceed the axis size.</param>
    /// <exception cref="ArgumentException">When the range falls outside the axis.</exception>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        axis = Shapes.NormalizeAxis(axis, x.Rank, "Slice");
        var (outer, size, inner) = Shapes.Split(x.Dims, axis);
        if (start < 0 || length < 0 || start + length > size)
            throw new ArgumentException($"Slice: [{start}, {start + length}) is outside axis {axis} of size {size}.");
        var shape = x.Shape;
        shape[axis] = length;
        var result = new float[outer * length * inner];
        for (int o = 0; o < outer; o++)
            Array.Copy(x.Data, (o * size + start) * inner, result, o * length * inner, length * inner);
        return Tape.Record(new Tensor(result, shape), [x], g =>
        {
            var dx = new float[x.Size];
            for (int o = 0; o < outer; o++)
                Array.Copy(g.Data, o * length * inner, dx, (o * size + start) * inner, length * inner);
            return [new Tensor(dx, x.Shape)];
        });
    }

    /// <summary>Joins tensors along <paramref name="axis"/>; every other dimension must match.</summary>
    /// <param name="tensors">Tensors of equal rank, at least one.</param>
    /// <param name="axis">Axis to join along, in [-rank, rank) (Keras <c>axis</c>, default -1 in <c>Concatenate</c>).</param>
    /// <exception cref="ArgumentException">When the list is empty or the other dimensions differ.</exception>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis) => Concat(tensors, axis, "Concat");

    /// <summary><see cref="Concat(IReadOnlyList{Tensor}, int)"/> with <paramref name="who"/> (a layer) named in its errors.</summary>
    internal static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis, string who)
    {
        if (tensors.Count == 0) throw new ArgumentException($"{who}: needs at least one tensor.");
        var first = tensors[0];
        axis = Shapes.NormalizeAxis(axis, first.Rank, who);
        foreach (var t in tensors)
            if (t.Rank != first.Rank || Enumerable.Range(0, t.Rank).Any(d => d != axis && t.Dims[d] != first.Dims[d]))
                throw new ArgumentException($"{who}: shapes {string.Join(", ", tensors.Select(s => Shapes.Format(s.Dims)))} differ outside axis {axis}.");
        var (outer, _, inner) = Shapes.Split(first.Dims, axis);
        int total = tensors.Sum(t => t.Dims[axis]);
        var shape = first.Shape;
        shape[axis] = total;
        var result = new float[outer * total * inner];
        int offset = 0;
        foreach (var t in tensors)
        {
            int chunk = t.Dims[axis] * inner;
            for (int o = 0; o < outer; o++) Array.Copy(t.Data, o * chunk, result, o * total * inner + offset, chunk);
            offset += chunk;
        }
        var inputs = tensors.ToArray();
        return Tape.Record(new Tensor(result, shape), inputs, g =>
        {
            var grads = new Tensor?[inputs.Length];
            int start = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                int size = inputs[i].Dims[axis];
                if (inputs[i].RequiresGrad) grads[i] = Slice(g, axis, start, size);
                start += size;
            }
            return grads;
        });
    }

    /// <summary>Stacks equally shaped tensors along a new axis.</summary>
    /// <param name="tensors">Tensors of identical shape, at least one.</param>
    /// <param name="axis">Position of the new axis in the result, in [-(rank+1), rank+1).</param>
    /// <exception cref="ArgumentException">When the list is empty or the shapes differ.</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis)
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: needs at least one tensor.");
        int rank = tensors[0].Rank + 1;
        axis = Shapes.NormalizeAxis(axis, rank, "Stack");
        var expanded = tensors.Select(t =>
        {
            var shape = t.Dims.ToArray().ToList();
            shape.Insert(axis, 1);
            return Reshape(t, shape.ToArray());
        }).ToList();
        return Concat(expanded, axis);
    }
}
