using System.Diagnostics;

namespace NormLab.Kernels;

/// <summary>
/// Shape of one NHWC 2-D convolution: input (Batch, InH, InW, InC), kernel (KernelH, KernelW, InC, OutC),
/// output (Batch, OutH, OutW, OutC). PadTop/PadLeft are the implicit zero rows/columns before the input.
/// </summary>
internal readonly record struct Conv2DGeometry(int Batch, int InH, int InW, int InC, int KernelH, int KernelW, int OutC,
    int StrideH, int StrideW, int DilationH, int DilationW, int PadTop, int PadLeft, int OutH, int OutW)
{
    /// <summary>
    /// Builds the geometry with Keras/TensorFlow padding rules: "valid" (no padding) or "same"
    /// (out = ceil(in / stride), pad_total = max((out - 1)·stride + (k - 1)·dilation + 1 - in, 0),
    /// pad_top = pad_total / 2, the extra row/column at the bottom/right).
    /// </summary>
    /// <example><code>var g = Conv2DGeometry.Create(32, 28, 28, 1, 3, 3, 32, 1, 1, 1, 1, "same"); // OutH = OutW = 28</code></example>
    internal static Conv2DGeometry Create(int batch, int inH, int inW, int inC, int kernelH, int kernelW, int outC,
        int strideH, int strideW, int dilationH, int dilationW, string padding)
    {
        Debug.Assert(batch >= 0 && inH >= 0 && inW >= 0 && inC >= 1 && outC >= 1);
        Debug.Assert(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1 && dilationH >= 1 && dilationW >= 1);
        var (outH, padTop) = WindowPadding.Compute(inH, (kernelH - 1) * dilationH + 1, strideH, padding);
        var (outW, padLeft) = WindowPadding.Compute(inW, (kernelW - 1) * dilationW + 1, strideW, padding);
        return new Conv2DGeometry(batch, inH, inW, inC, kernelH, kernelW, outC,
            strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW);
    }

    /// <summary>Length of one im2col row: KernelH·KernelW·InC (the GEMM depth of the forward pass).</summary>
    internal int PatchSize => KernelH * KernelW * InC;

    /// <summary>Output pixels over the whole batch: Batch·OutH·OutW (the GEMM rows).</summary>
    internal int OutputPixels => Batch * OutH * OutW;

    /// <summary>True when the convolution is a plain matrix product over pixels (1×1 kernel, stride 1, no padding).</summary>
    internal bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0
        && OutH == InH && OutW == InW;

    /// <summary>Elements of x: Batch·InH·InW·InC.</summary>
    internal long InputLength => (long)Batch * InH * InW * InC;

    /// <summary>Elements of y: Batch·OutH·OutW·OutC.</summary>
    internal long OutputLength => (long)Batch * OutH * OutW * OutC;

    /// <summary>Elements of the kernel: KernelH·KernelW·InC·OutC.</summary>
    internal long KernelLength => (long)KernelH * KernelW * InC * OutC;
}
