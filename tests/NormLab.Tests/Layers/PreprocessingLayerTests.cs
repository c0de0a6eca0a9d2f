using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;
using static NormLab.Tests.GradCheck;

namespace NormLab.Tests.Layers;

/// <summary>
/// Rescaling, Resizing, CenterCrop, RandomCrop, RandomFlip, RandomTranslation, RandomRotation, RandomZoom,
/// RandomContrast and RandomBrightness: the harness; resizing against PyTorch's interpolate and fixed
/// rotations, zooms and translations against SciPy's map_coordinates with the same interpolation and fill
/// (make_misc_fixtures.py); the random ones: identity at inference, the same draw for the same seed, and
/// the ranges of their parameters; finite differences; named errors.
/// </summary>
public class PreprocessingLayerTests
{
    [Fact]
    public void Harness()
    {
        int[] images = [2, 6, 7, 3];
        LayerTest.Run(() => new Rescaling(1.0 / 255, offset: -0.5), images, images, trainableWeights: 0);
        LayerTest.Run(() => new Resizing(4, 9), images, [2, 4, 9, 3], trainableWeights: 0);
        LayerTest.Run(() => new Resizing(3, 3, interpolation: "nearest", cropToAspectRatio: true), images, [2, 3, 3, 3], trainableWeights: 0);
        LayerTest.Run(() => new CenterCrop(4, 5), images, [2, 4, 5, 3], trainableWeights: 0);
        LayerTest.Run(() => new CenterCrop(8, 5), images, [2, 8, 5, 3], trainableWeights: 0);
        LayerTest.Run(() => new RandomCrop(4, 5), images, [2, 4, 5, 3], trainableWeights: 0);
        LayerTest.Run(() => new RandomFlip("horizontal"), images, images, trainableWeights: 0);
        LayerTest.Run(() => new RandomTranslation(0.2, (-0.1, 0.3), fillMode: "constant", fillValue: 0.5), images, images, trainableWeights: 0);
        LayerTest.Run(() => new RandomRotation(0.1, interpolation: "nearest"), images, images, trainableWeights: 0);
        LayerTest.Run(() => new RandomZoom((-0.2, 0.3), widthFactor: 0.1, fillMode: "wrap"), images, images, trainableWeights: 0);
        LayerTest.Run(() => new RandomContrast((0.2, 0.5), valueRange: (-1, 1)), images, images, trainableWeights: 0);
        LayerTest.Run(() => new RandomBrightness(0.1, valueRange: (-1, 1)), images, images, trainableWeights: 0);
    }

    [Theory]
    [InlineData("resize_up_bilinear")]
    [InlineData("resize_down_bilinear")]
    [InlineData("resize_up_nearest")]
    [InlineData("resize_down_nearest")]
    [InlineData("resize_crop_aspect")]
    public void Resizing_MatchesPyTorch(string name)
    {
        var f = NormFixture.Load(name, "misc");
        var c = f.Config;
        var layer = new Resizing((int)c["height"]!, (int)c["width"]!, (string)c["interpolation"]!, c["cropToAspectRatio"] is { } crop && (bool)crop);
        var x = f.T("x", requiresGrad: true);
        var y = layer.Call(x, training: true);
        f.AssertClose("y", y);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad);
    }

    [Theory]
    [InlineData("rotate_reflect")]
    [InlineData("rotate_constant")]
    [InlineData("rotate_wrap_nearest")]
    [InlineData("zoom_out_mirror")]
    [InlineData("zoom_in_nearest_fill")]
    [InlineData("translate_reflect")]
    public void FixedTransforms_MatchSciPy(string name)
    {
        var f = NormFixture.Load(name, "misc");
        var c = f.Config;
        string fill = (string)c["fillMode"]!, interpolation = (string)c["interpolation"]!;
        double fillValue = (double)c["fillValue"]!;
        // A range of one value makes the random layer's transform the fixture's.
        RandomAffineLayer layer = (string)c["kind"]! switch
        {
            "rotation" => new RandomRotation(((double)c["factor"]!, (double)c["factor"]!), fill, interpolation, fillValue: fillValue),
            "zoom" => new RandomZoom(((double)c["factor"]!, (double)c["factor"]!), null, fill, interpolation, fillValue: fillValue),
            _ => new RandomTranslation(((double)c["factor"]![0]!, (double)c["factor"]![0]!), ((double)c["factor"]![1]!, (double)c["factor"]![1]!), fill, interpolation, fillValue: fillValue),
        };
        var x = f.T("x");
        f.AssertClose("y", layer.Call(x, training: true), rtol: 1e-4, atol: 1e-4);
        Assert.Equal(x.ToArray(), layer.Call(x).ToArray());
        // The op itself, with the fixture's transform for every image.
        f.AssertClose("y", Ops.AffineTransform(x, f.T("transform"), interpolation, fill, fillValue), rtol: 1e-4, atol: 1e-4);
    }

    [Fact]
    public void RandomLayers_IdentityAtInference_SameDrawForSameSeed()
    {
        var x = Uniform(1, 0, 1, 4, 6, 7, 2);
        Layer[] layers =
        [
            new RandomFlip(), new RandomTranslation(0.3, 0.3), new RandomRotation(0.2), new RandomZoom(0.3),
            new RandomContrast(0.5, valueRange: (0, 1)), new RandomBrightness(0.3, valueRange: (0, 1)),
        ];
        foreach (var layer in layers)
        {
            Assert.Equal(x.ToArray(), layer.Call(x).ToArray());
            NormLabRandom.SetSeed(21);
            var first = layer.Call(x, training: true).ToArray();
            NormLabRandom.SetSeed(21);
            Assert.Equal(first, layer.Call(x, training: true).ToArray());
            Assert.NotEqual(x.ToArray(), first);
        }
    }

    [Fact]
    public void ASeededLayerRepeatsItsDraws_WhateverTheGlobalSeed()
    {
        var x = Uniform(1, 0, 1, 4, 6, 7, 2);
        Func<int?, Layer>[] makers =
        [
            s => new RandomFlip(seed: s), s => new RandomCrop(4, 5, seed: s), s => new RandomTranslation(0.3, 0.3, seed: s),
            s => new RandomRotation(0.2, seed: s), s => new RandomZoom(0.3, seed: s),
            s => new RandomContrast(0.5, valueRange: (0, 1), seed: s), s => new RandomBrightness(0.3, valueRange: (0, 1), seed: s),
        ];
        foreach (var make in makers)
        {
            NormLabRandom.SetSeed(1);
            var a = make(5);
            var first = a.Call(x, training: true).ToArray();
            var second = a.Call(x, training: true).ToArray();
            NormLabRandom.SetSeed(2);
            var b = make(5);
            Assert.Equal(first, b.Call(x, training: true).ToArray());
            Assert.Equal(second, b.Call(x, training: true).ToArray());
            Assert.NotEqual(first, make(6).Call(x, training: true).ToArray());
            Assert.Equal(5, (int)a.GetConfig()["seed"]!);
        }
        LayerTest.Run(() => new RandomRotation(0.2, seed: 3), [2, 6, 7, 3], [2, 6, 7, 3], trainableWeights: 0);
    }

    [Fact]
    public void RandomFlip_FlipsEachImageOrNot_HalfTheTime()
    {
        NormLabRandom.SetSeed(2);
        var x = Uniform(2, 0, 1, 400, 2, 3, 1);
        foreach (var mode in new[] { "horizontal", "vertical", "horizontal_and_vertical" })
        {
            var y = new RandomFlip(mode).Call(x, training: true);
            var counts = new Dictionary<(bool, bool), int>();
            for (int n = 0; n < 400; n++)
            {
                var found = new[] { false, true }.SelectMany(v => new[] { (false, v), (true, v) })
                    .Where(flip => Enumerable.Range(0, 6).All(p =>
                    {
                        int yy = p / 3, xx = p % 3;
                        int sy = flip.Item2 ? 1 - yy : yy, sx = flip.Item1 ? 2 - xx : xx;
                        return y.Data[n * 6 + p] == x.Data[n * 6 + sy * 3 + sx];
                    })).ToArray();
                var flips = Assert.Single(found);   // every output is the input flipped in exactly one way
                counts[flips] = counts.GetValueOrDefault(flips) + 1;
            }
            int kinds = mode == "horizontal_and_vertical" ? 4 : 2;
            Assert.Equal(kinds, counts.Count);
            Assert.All(counts.Values, c => Assert.InRange(c, 400.0 / kinds * 0.75, 400.0 / kinds * 1.25));
            if (mode == "horizontal") Assert.All(counts.Keys, k => Assert.False(k.Item2));
            if (mode == "vertical") Assert.All(counts.Keys, k => Assert.False(k.Item1));
        }
    }

    [Fact]
    public void RandomCrop_CutsAWindowAnywhere_AndResizesAtInference()
    {
        NormLabRandom.SetSeed(3);
        // Pixel values encode their position, so the crop's corner can be read back.
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 36).Select(i => (float)(i % 36)).ToArray(), 2, 6, 6, 1);
        var layer = new RandomCrop(3, 4);
        var corners = new HashSet<int>();
        for (int call = 0; call < 200; call++)
        {
            var y = layer.Call(x, training: true);
            int corner = (int)y.Data[0];
            int top = corner / 6, left = corner % 6;
            for (int n = 0; n < 2; n++)   // one window for the whole batch, as Keras
                for (int p = 0; p < 12; p++) Assert.Equal((top + p / 4) * 6 + left + p % 4, y.Data[n * 12 + p]);
            corners.Add(corner);
        }
        Assert.Equal(4 * 3, corners.Count);   // every top in [0, 3], every left in [0, 2]
        // Inference: the largest centered window of the target's aspect ratio, resized.
        Assert.Equal(new Resizing(3, 4, cropToAspectRatio: true).Call(x).ToArray(), layer.Call(x).ToArray());
    }

    [Fact]
    public void CenterCrop_TakesTheMiddle_AndResizesWhenTooSmall()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 35).Select(i => (float)i).ToArray(), 1, 5, 7, 1);
        // (5 - 2) / 2 = 1 row and (7 - 3) / 2 = 2 columns cut before, as Keras truncates.
        Assert.Equal([9f, 10, 11, 16, 17, 18], new CenterCrop(2, 3).Call(x).ToArray());
        var small = new CenterCrop(6, 6).Call(x);
        Assert.Equal(new Resizing(6, 6, cropToAspectRatio: true).Call(x).ToArray(), small.ToArray());
    }

    [Fact]
    public void ColourAugmentations_DrawTheirFactorsInRange()
    {
        NormLabRandom.SetSeed(4);
        var x = Uniform(5, 0.3, 0.7, 200, 4, 4, 2);
        var contrast = new RandomContrast((0.2, 0.5), valueRange: (0, 1)).Call(x, training: true);
        var brightness = new RandomBrightness((-0.1, 0.2), valueRange: (0, 1)).Call(x, training: true);
        double minFactor = double.MaxValue, maxFactor = double.MinValue, minDelta = double.MaxValue, maxDelta = double.MinValue;
        for (int n = 0; n < 200; n++)
        {
            var xs = x.Data.AsSpan(n * 32, 32).ToArray();
            var cs = contrast.Data.AsSpan(n * 32, 32).ToArray();
            var bs = brightness.Data.AsSpan(n * 32, 32).ToArray();
            // Contrast: per image one factor k and per channel its mean m: y = (x - m) k + m (no clipping at this range).
            double m0 = Enumerable.Range(0, 16).Average(p => xs[p * 2]);
            double k = (cs[0] - m0) / (xs[0] - m0);
            for (int p = 0; p < 16; p++)
                for (int ch = 0; ch < 2; ch++)
                {
                    double m = Enumerable.Range(0, 16).Average(q => xs[q * 2 + ch]);
                    Assert.True(Math.Abs((xs[p * 2 + ch] - m) * k + m - cs[p * 2 + ch]) < 1e-4, $"contrast [{n}, {p}, {ch}]");
                }
            (minFactor, maxFactor) = (Math.Min(minFactor, k), Math.Max(maxFactor, k));
            // Brightness: one delta per image, a fraction of the range width 1, clipped to [0, 1].
            double delta = bs[0] - xs[0];
            for (int p = 0; p < 32; p++) Assert.True(Math.Abs(Math.Clamp(xs[p] + delta, 0, 1) - bs[p]) < 1e-5, $"brightness [{n}, {p}]");
            (minDelta, maxDelta) = (Math.Min(minDelta, delta), Math.Max(maxDelta, delta));
        }
        Assert.InRange(minFactor, 0.8, 0.85);
        Assert.InRange(maxFactor, 1.45, 1.5);
        Assert.InRange(minDelta, -0.1 - 1e-6, -0.08);
        Assert.InRange(maxDelta, 0.18, 0.2 + 1e-6);
        // Results are clipped to valueRange.
        var bright = new RandomBrightness((0.9, 0.9), valueRange: (0, 1)).Call(x, training: true);
        Assert.All(bright.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void GradientsByFiniteDifferences()
    {
        var x = Uniform(6, 0.1, 0.9, 2, 5, 6, 2);
        CheckLayer(new Rescaling(2, 0.5), x);
        CheckLayer(new Resizing(7, 4), x);
        CheckLayer(new Resizing(3, 3, cropToAspectRatio: true), x);
        CheckLayer(new CenterCrop(3, 4), x);
        CheckLayer(new CenterCrop(7, 7), x);
        void Seeded(Layer layer) => CheckLayer(layer, x, training: true, beforeCall: () => NormLabRandom.SetSeed(8));
        Seeded(new RandomCrop(3, 4));
        Seeded(new RandomFlip());
        Seeded(new RandomTranslation(0.3, 0.3, fillMode: "constant", fillValue: 0.2));
        Seeded(new RandomRotation(0.2, fillMode: "reflect"));
        Seeded(new RandomZoom(0.3, fillMode: "mirror"));
        Seeded(new RandomContrast(0.5, valueRange: (0, 1)));
        Seeded(new RandomBrightness(0.2, valueRange: (-1, 2)));
    }

    [Fact]
    public void Summary_ShowsKerasShapesAndParameterCounts()
    {
        var model = new Sequential([
            new Rescaling(1.0 / 255, inputShape: [32, 30, 3], name: "rescale"),
            new RandomFlip(name: "flip"),
            new RandomRotation(0.1, name: "rotate"),
            new Resizing(16, 16, cropToAspectRatio: true, name: "resize"),
            new RandomCrop(12, 14, name: "crop"),
            new CenterCrop(10, 10, name: "center"),
            new PReLU(sharedAxes: [1, 2], name: "prelu"),
            new SpatialDropout2D(0.2, name: "drop"),
            new Flatten(name: "flatten"),
            new Dense(4, name: "dense"),
            new Softmax(name: "softmax"),
        ]);
        var lines = new List<string>();
        model.Summary(lines.Add);
        string Row(string name) => Assert.Single(lines, l => l.StartsWith($"│ {name} ("));
        Assert.Contains("(None, 32, 30, 3)", Row("rotate"));
        Assert.Contains("(None, 16, 16, 3)", Row("resize"));
        Assert.Contains("(None, 12, 14, 3)", Row("crop"));
        Assert.Contains("(None, 10, 10, 3)", Row("center"));
        Assert.EndsWith(" 3 │", Row("prelu").TrimEnd());   // one alpha per channel
        Assert.Contains("(None, 300)", Row("flatten"));
        Assert.Equal(3 + 300 * 4 + 4, model.CountParams());
    }

    [Fact]
    public void BadArgumentsAndShapesNameTheLayer()
    {
        AssertNamed(() => new Rescaling(double.NaN, name: "rs"), "rs", "scale");
        AssertNamed(() => new Resizing(0, 3, name: "rz"), "rz", "height");
        AssertNamed(() => new Resizing(3, 3, interpolation: "bicubic", name: "rz2"), "rz2", "bicubic");
        AssertNamed(() => new Resizing(3, 3, name: "rz3").Call(Tensor.Zeros(2, 4, 4)), "rz3", "rank 4");
        AssertNamed(() => new CenterCrop(3, -1, name: "cc"), "cc", "width");
        AssertNamed(() => new RandomCrop(3, 3, name: "rc").Call(Tensor.Zeros(2, 4, 4, 1, 1), training: true), "rc", "rank 4");
        AssertNamed(() => new RandomFlip("diagonal", name: "rf"), "rf", "diagonal");
        AssertNamed(() => new RandomTranslation(1.5, 0, name: "rt"), "rt", "heightFactor");
        AssertNamed(() => new RandomTranslation(0, (0.3, -1.1), name: "rt2"), "rt2", "widthFactor");
        AssertNamed(() => new RandomRotation(1.5, name: "rr3"), "rr3", "factor");
        AssertNamed(() => new RandomRotation(0.1, fillMode: "edge", name: "rr"), "rr", "edge");
        AssertNamed(() => new RandomRotation(0.1, interpolation: "cubic", name: "rr2"), "rr2", "cubic");
        AssertNamed(() => new RandomZoom((-1, 0), name: "zm"), "zm", "-1");
        AssertNamed(() => new RandomContrast(1.5, name: "ct"), "ct", "factor");
        AssertNamed(() => new RandomContrast(0.5, valueRange: (1, 0), name: "ct2"), "ct2", "valueRange");
        AssertNamed(() => new RandomBrightness((-2, 0), name: "br"), "br", "factor");
        AssertNamed(() => new RandomFlip(name: "rf2").Call(Tensor.Zeros(3, 4), training: true), "rf2", "(3, 4)");
        var e = Assert.Throws<ArgumentException>(() => Ops.AffineTransform(Tensor.Zeros(2, 3, 3, 1), Tensor.Zeros(3, 8)));
        Assert.Contains("(3, 8)", e.Message);
    }

    private static void AssertNamed(Action action, string name, string what)
    {
        var e = Assert.Throws<ArgumentException>(action);
        Assert.Contains(name, e.Message);
        Assert.Contains(what, e.Message);
    }
}
