using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>
/// The recurrent, wrapper and attention layers on random shapes (sizes from 0, ranks 1-5), NaN values,
/// training on and off, and ComputeOutputShape on every rank: only errors that name the layer may escape
/// (for a wrapper: it or the layer it wraps, as Keras's wrappers answer with their inner layer's error).
/// </summary>
public class SequenceLayerSweepTests
{
    /// <summary>One sample constructor per layer class (and per option that changes the code path).</summary>
    private static readonly Func<Layer>[] Layers =
    [
        () => new GRU(3), () => new GRU(2, returnSequences: true, goBackwards: true, dropout: 0.5, recurrentDropout: 0.5),
        () => new SimpleRNN(2, returnSequences: true), () => new LSTM(2, returnState: true, dropout: 0.3),
        () => new Bidirectional(new GRU(2, returnSequences: true)), () => new Bidirectional(new SimpleRNN(2), "sum"),
        () => new TimeDistributed(new Dense(2)), () => new MultiHeadAttention(2, 3, dropout: 0.5),
        () => new MultiHeadAttention(1, 2, valueDim: 3, outputShape: 4, useBias: false),
        () => new Attention(useScale: true, scoreMode: "concat", dropout: 0.5), () => new AdditiveAttention(),
    ];

    [Fact]
    public void RandomShapesRaiseOnlyNamedErrors()
    {
        var rng = new Random(20);
        for (int it = 0; it < 600; it++)
        {
            int rank = rng.Next(1, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(6) == 0 ? 0 : rng.Next(1, 5)).ToArray();
            var x = Tensor.Zeros(shape);
            NormLabRandom.FillUniform(x.Data, -1, 1);
            if (x.Size > 0 && rng.Next(8) == 0) x.Data[rng.Next(x.Size)] = float.NaN;
            var layer = Layers[rng.Next(Layers.Length)]();
            string what = $"{layer.GetType().Name} on {Shapes.Format(shape)}";
            switch (layer)
            {
                case Bidirectional b: LayerFuzz.OnlyNamedErrors(layer, x, rng.Next(2) == 0, rng, what, names: [b.Name, b.ForwardLayer.Name, b.BackwardLayer.Name]); break;
                case TimeDistributed t: LayerFuzz.OnlyNamedErrors(layer, x, rng.Next(2) == 0, rng, what, names: [t.Name, t.Layer.Name]); break;
                default: LayerFuzz.OnlyNamedErrors(layer, x, rng.Next(2) == 0, rng, what); break;
            }
        }
    }

    [Fact]
    public void OutputShapesOfEveryRankRaiseOnlyNamedErrors()
    {
        foreach (var make in Layers)
            for (int rank = 0; rank <= 5; rank++)
            {
                var layer = make();
                var shape = Enumerable.Range(3, rank).ToArray();
                try { layer.ComputeOutputShape(shape); }
                catch (ArgumentException e)
                {
                    Assert.True(e.Message.Contains(layer.Name), $"{layer.GetType().Name}, shape {Shapes.Format(shape)}: {e.Message}");
                }
            }
    }
}
