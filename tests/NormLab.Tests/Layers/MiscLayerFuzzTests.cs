using NormLab.Layers;
using Xunit;

namespace NormLab.Tests.Layers;

/// <summary>
/// The activation, preprocessing and regularization layers on random arguments (out-of-range ones
/// included), ranks 0-5, sizes from 0 and NaN values, in training and inference: each call either works
/// or raises an error that names the layer (<see cref="LayerFuzz.OnlyNamedErrors"/>); and their
/// ComputeOutputShape on every rank.
/// </summary>
public class MiscLayerFuzzTests
{
    private static Layer Make(int pick, Random rng)
    {
        double Any() => rng.Next(6) == 0 ? -0.5 : rng.NextDouble() * 1.2;
        string[] fills = ["reflect", "wrap", "constant", "nearest", "mirror"];
        string interpolation = rng.Next(2) == 0 ? "bilinear" : "nearest";
        return pick switch
        {
            0 => new ReLU(rng.Next(3) == 0 ? null : Any() * 5, Any(), Any()),
            1 => new LeakyReLU(Any()),
            2 => new PReLU(sharedAxes: rng.Next(2) == 0 ? null : [rng.Next(0, 5)]),
            3 => new ELU(Any()),
            4 => new Softmax(rng.Next(-4, 4)),
            5 => new SpatialDropout1D(Any()),
            6 => new SpatialDropout2D(Any()),
            7 => new GaussianNoise(Any()),
            8 => new GaussianDropout(Any()),
            9 => new AlphaDropout(Any()),
            10 => new ActivityRegularization(Any(), Any()),
            11 => new Rescaling(Any(), Any()),
            12 => new Resizing(rng.Next(0, 5), rng.Next(1, 5), interpolation, rng.Next(2) == 0),
            13 => new CenterCrop(rng.Next(0, 5), rng.Next(1, 5)),
            14 => new RandomCrop(rng.Next(1, 5), rng.Next(0, 5)),
            15 => new RandomFlip(),
            16 => new RandomTranslation(Any(), (Any(), Any()), fills[rng.Next(5)], interpolation),
            17 => new RandomRotation(Any(), fills[rng.Next(5)], interpolation),
            18 => new RandomZoom(Any() - 0.5, rng.Next(2) == 0 ? null : Any(), fills[rng.Next(5)], interpolation),
            19 => new RandomContrast(Any(), (0, 1)),
            _ => new RandomBrightness(Any(), (0, 1)),
        };
    }

    private const int Kinds = 21;

    [Fact]
    public void RandomArgumentsAndShapesRaiseOnlyNamedErrors()
    {
        var rng = new Random(20);
        for (int it = 0; it < 3000; it++)
        {
            int rank = rng.Next(1, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(5) == 0 ? rng.Next(0, 2) : rng.Next(1, 7)).ToArray();
            int pick = rng.Next(Kinds);
            Layer layer;
            try { layer = Make(pick, rng); }
            catch (ArgumentException e)
            {
                Assert.Contains("'", e.Message);   // a bad argument names the layer ("ReLU 're_lu_3'")
                continue;
            }
            var data = Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b))
                .Select(_ => rng.Next(20) == 0 ? float.NaN : (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var x = Tensor.FromArray(data, shape);
            x.RequiresGrad = rng.Next(2) == 0;
            bool training = rng.Next(2) == 0;
            LayerFuzz.OnlyNamedErrors(layer, x, training, rng, $"{layer.GetType().Name}, shape {Shapes.Format(shape)}, training {training} (case {it})");
        }
    }

    [Fact]
    public void OutputShapesOfEveryRankRaiseOnlyNamedErrors()
    {
        var rng = new Random(21);
        for (int pick = 0; pick < Kinds; pick++)
            for (int rank = 0; rank <= 5; rank++)
            {
                Layer layer;
                try { layer = Make(pick, rng); }
                catch (ArgumentException) { continue; }
                var shape = Enumerable.Range(3, rank).ToArray();
                try { layer.ComputeOutputShape(shape); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    Assert.True(e.Message.Contains(layer.Name), $"{layer.GetType().Name}, shape {Shapes.Format(shape)}: {e.Message}");
                }
                catch (Exception e)
                {
                    Assert.Fail($"{layer.GetType().Name}, shape {Shapes.Format(shape)}: {e.GetType().Name} escaped: {e.Message}");
                }
            }
    }
}
