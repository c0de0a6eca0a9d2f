using NormLab.Kernels;
using NormLab.Optimizers;
using Xunit;

namespace NormLab.Tests.Autograd;

/// <summary>The fused and vectorized fast paths give what the unfused scalar paths give.</summary>
public class FusedOpsTests
{
    [Theory]
    [InlineData(2, 7, 6, 3, 5, "same")]
    [InlineData(3, 9, 8, 4, 9, "valid")]
    [InlineData(1, 5, 5, 2, 3, "same")]
    public void Conv2DWithRelu_EqualsConv2DThenRelu(int batch, int h, int w, int inC, int outC, string padding)
    {
        NormLabRandom.SetSeed(7);
        var g = Conv2DGeometry.Create(batch, h, w, inC, 3, 3, outC, 1, 1, 1, 1, padding);
        var x = Tensor.RandN(batch, h, w, inC);
        var k = Tensor.RandN(3, 3, inC, outC);
        var b = Tensor.RandN(outC);
        var seed = Tensor.RandN(batch, g.OutH, g.OutW, outC);
        foreach (var t in new[] { x, k, b }) t.RequiresGrad = true;

        var unfused = NormLab.Ops.Relu(NormLab.Ops.Conv2D(x, k, b, g));
        unfused.Backward(seed);
        var (dx, dk, db) = (x.Grad!.ToArray(), k.Grad!.ToArray(), b.Grad!.ToArray());
        foreach (var t in new[] { x, k, b }) t.Grad = null;

        var fused = NormLab.Ops.Conv2D(x, k, b, g, relu: true);
        fused.Backward(seed);
        Assert.Equal(unfused.ToArray(), fused.ToArray());
        Assert.Equal(dx, x.Grad!.ToArray());
        Assert.Equal(dk, k.Grad!.ToArray());
        Assert.Equal(db, b.Grad!.ToArray());
    }

    [Fact]
    public void ReluBackward_MasksByPositiveInput()
    {
        var x = Enumerable.Range(0, 21).Select(i => (float)(i % 3 - 1) * (i + 1)).ToArray();
        var g = Enumerable.Range(0, 21).Select(i => i + 0.5f).ToArray();
        var dx = new float[21];
        ElementwiseKernel.ReluBackward(x, g, dx);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] > 0 ? g[i] : 0f, dx[i]);
    }

    [Fact]
    public void Adam_MatchesScalarFormulaBitwise()
    {
        const int n = 37;
        var rng = new Random(3);
        float[] Fill() => Enumerable.Range(0, n).Select(_ => rng.NextSingle() - 0.5f).ToArray();
        var (w, grad, m, v) = (Fill(), Fill(), Fill(), Fill().Select(MathF.Abs).ToArray());
        var (w2, m2, v2) = ((float[])w.Clone(), (float[])m.Clone(), (float[])v.Clone());
        float alpha = 1e-3f, b1 = 0.1f, b2 = 0.001f, eps = 1e-7f;
        ElementwiseKernel.Adam(w, grad, m, v, alpha, b1, b2, eps);
        for (int i = 0; i < n; i++)
        {
            float g = grad[i];
            m2[i] += (g - m2[i]) * b1;
            v2[i] += (g * g - v2[i]) * b2;
            w2[i] -= alpha * m2[i] / (MathF.Sqrt(v2[i]) + eps);
        }
        Assert.Equal(m2, m);
        Assert.Equal(v2, v);
        Assert.Equal(w2, w);
    }
}
