using NormLab.Onnx.Proto;

namespace NormLab.Onnx.Import;

/// <summary>
/// ONNX's Reshape of a computed tensor. The target may hold the batch size: entries that a Shape of a
/// computed tensor gave come for two probe batch sizes, and one that is k × each is k × batch. The batch
/// stays an axis of its own; an ONNX axis that holds it with others (attention's batch × heads, or
/// seq × batch) is held as up to three NormLab axes: the part before the batch, the batch, the part after.
/// </summary>
internal static class ReshapeImport
{
    internal static void Reshape(OnnxImporter im, NodeProto node)
    {
        var x = im.Value(node, 0);
        var target = Target(im, node, x);
        // ONNX's elements in order: the NormLab axes of each ONNX axis in turn, the batch among them.
        int[] flat = x.Axes.SelectMany(g => g).ToArray();
        int at = Array.IndexOf(flat, 0), p = Array.FindIndex(target, d => d.Batch);
        int before = Product(flat[..at].Select(a => x.Size(a, 1))), after = Product(flat[(at + 1)..].Select(a => x.Size(a, 1)));
        int outer = Product(target[..p].Select(d => d.Size)), inner = Product(target[(p + 1)..].Select(d => d.Size));
        int kb = before / outer, ka = after / inner;
        if (before % outer != 0 || after % inner != 0 || kb * ka != target[p].Size)
            throw OnnxOperators.Unsupported(node, $"target shape {Describe(target)} for an input of ONNX shape {x.OnnxShapeText}; the batch would move among the other elements");
        int[] shape = [.. target[..p].Select(d => d.Size), .. kb > 1 ? [kb] : Array.Empty<int>(), .. ka > 1 ? [ka] : Array.Empty<int>(), .. target[(p + 1)..].Select(d => d.Size)];
        var y = im.Permuted(x, [0, .. flat.Where(a => a != 0)]);
        if (!y.Symbol.Shape.SequenceEqual(shape)) y = im.Apply(new OnnxReshape(shape), y);
        int next = 1;
        var axes = new int[target.Length][];
        for (int j = 0; j < p; j++) axes[j] = [next++];
        axes[p] = [.. kb > 1 ? [next++] : Array.Empty<int>(), 0, .. ka > 1 ? [next++] : Array.Empty<int>()];
        for (int j = p + 1; j < target.Length; j++) axes[j] = [next++];
        im.Set(node.Output[0], y with { Axes = axes });
    }

    /// <summary>
    /// The target's entries: a fixed size, or (Batch) k × the batch. 0 copies the input's axis (unless
    /// allowzero), -1 takes the rest: the batch's share when no other entry holds it. A first entry equal
    /// to the graph's fixed batch size is the batch (exporters write it out).
    /// </summary>
    private static (int Size, bool Batch)[] Target(OnnxImporter im, NodeProto node, ImportedValue x)
    {
        var (first, second) = im.Probed(node, 1);
        long[] a = OnnxTensors.ToLongs(first), b = OnnxTensors.ToLongs(second);
        bool literalZeros = node.Int("allowzero", 0) != 0;
        var target = new (int Size, bool Batch)[a.Length];
        int rest = -1;
        for (int i = 0; i < a.Length; i++)
        {
            long k = a[i] / OnnxImporter.FirstProbe;
            if (a[i] != b[i] && (k < 1 || a[i] != k * OnnxImporter.FirstProbe || b[i] != k * OnnxImporter.SecondProbe))
                throw OnnxOperators.Unsupported(node, $"a target shape entry {i} that depends on the batch size other than as a multiple of it ({a[i]} and {b[i]} for batches {OnnxImporter.FirstProbe} and {OnnxImporter.SecondProbe})");
            if (a[i] != b[i]) target[i] = ((int)k, true);
            else if (a[i] == 0 && !literalZeros && i < x.Rank) target[i] = x.Axes[i].Contains(0) ? (Product(x.Axes[i].Where(n => n != 0).Select(n => x.Size(n, 1))), true) : (x.OnnxShape(1)[i], false);
            else if (a[i] == -1 && rest < 0) rest = i;
            else if (i == 0 && a[i] == im.StaticBatch && x.BatchAxis == 0) target[i] = (1, true);
            else if (a[i] >= 1) target[i] = ((int)a[i], false);
            else throw OnnxOperators.Unsupported(node, $"target shape [{string.Join(", ", a)}] with entry {a[i]} at {i}");
        }
        int sample = Product(x.Symbol.Shape);
        int known = Product(target.Where((_, i) => i != rest).Select(d => d.Size));
        if (rest >= 0 && known > 0 && sample % known == 0) target[rest] = (sample / known, !target.Any(d => d.Batch));
        if (target.Count(d => d.Batch) != 1 || Product(target.Select(d => d.Size)) != sample)
            throw OnnxOperators.Unsupported(node, $"target shape {Describe(target)} (as given: [{string.Join(", ", a)}]) for an input of ONNX shape {x.OnnxShapeText}; " +
                $"only reshapes that keep the batch whole import (an entry 0, -1, a multiple of the batch computed from a Shape, or the graph's batch size{(im.StaticBatch is int n ? " " + n : "")} first)");
        return target;
    }

    private static int Product(IEnumerable<int> sizes) => sizes.Aggregate(1, (p, d) => p * d);

    private static string Describe((int Size, bool Batch)[] target) =>
        $"[{string.Join(", ", target.Select(d => d.Batch ? (d.Size == 1 ? "batch" : $"{d.Size}×batch") : d.Size.ToString()))}]";
}
