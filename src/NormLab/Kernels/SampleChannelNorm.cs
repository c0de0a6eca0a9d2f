using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NormLab.Kernels;

/// <summary>
/// The two data passes of the backward of any normalization whose per-(sample, channel) output is an
/// affine function of x: batch-instance and switchable normalization mix several statistics, but in
/// the end every (n, c) slice is <c>y = (x - mh[n, c]) * a[n, c] + sh[n, c]</c> (the forward is
/// <see cref="Normalize.Affine"/>), and its gradient is <c>dx = dy * p + (x - mh) * q + r</c> with
/// per-(n, c) coefficients that the layer derives from two sums per (n, c). View: <c>[N, O, C, I]</c>.
/// </summary>
internal static class SampleChannelNorm
{
    /// <summary>Per (n, c): <c>sumDy = sum dy</c>, <c>sumDyX = sum dy * (x - mh[n, c])</c> (length N*C each).</summary>
    internal static void Sums(float[] x, float[] dy, int N, int O, int C, int I, float[] mh, double[] sumDy, double[] sumDyX)
    {
        int chunks = NormParallel.Chunks(N, (long)O * C * I * 2);
        NormParallel.For(N, chunks, (_, n0, n1) =>
        {
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
            var fa = new float[C]; var fb = new float[C];
            for (int n = n0; n < n1; n++)
            {
                Array.Clear(sumDy, n * C, C); Array.Clear(sumDyX, n * C, C);
                if (I == 1)
                {
                    // Float partials over blocks of rows (accumulators in registers, Normalize.RowSums),
                    // flushed to double (keeps long sums accurate).
                    for (int o0 = 0; o0 < O; o0 += 64)
                    {
                        int o1 = Math.Min(O, o0 + 64);
                        Normalize.RowSums(ref xr, ref gr, ((long)n * O + o0) * C, o1 - o0, C, ref mh[n * C], fa, fb);
                        for (int c = 0; c < C; c++) { sumDy[n * C + c] += fa[c]; sumDyX[n * C + c] += fb[c]; }
                    }
                }
                else
                {
                    for (int o = 0; o < O; o++)
                        for (int c = 0; c < C; c++)
                        {
                            long off = (((long)n * O + o) * C + c) * I;
                            Normalize.SegmentGradSums(ref Unsafe.Add(ref xr, (nint)off), ref Unsafe.Add(ref gr, (nint)off), I, mh[n * C + c], out float a, out float b);
                            sumDy[n * C + c] += a; sumDyX[n * C + c] += b;
                        }
                }
            }
        });
    }

    /// <summary>Scalar math: dx[n, o, c, i] = dy * p[n, c] + (x - mh[n, c]) * q[n, c] + r[n, c].</summary>
    internal static void Apply(float[] x, float[] dy, float[] dx, int N, int O, int C, int I, float[] mh, float[] p, float[] q, float[] r)
    {
        int rows = N * O;
        int chunks = NormParallel.Chunks(rows, (long)C * I * 2);
        NormParallel.For(rows, chunks, (_, r0, r1) =>
        {
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float gr = ref MemoryMarshal.GetArrayDataReference(dy);
            ref float dr = ref MemoryMarshal.GetArrayDataReference(dx);
            for (int row = r0; row < r1; row++)
            {
                int n = row / O;
                long rowOff = (long)row * C * I;
                if (I == 1)
                {
                    // Rows of the same sample in one call: 16-row blocks, coefficients in registers.
                    int re = Math.Min(r1, (n + 1) * O);
                    Normalize.BackwardRows(ref xr, ref gr, ref dr, rowOff, re - row, C, ref mh[n * C], ref p[n * C], ref q[n * C], ref r[n * C]);
                    row = re - 1;
                }
                else
                {
                    for (int c = 0; c < C; c++)
                    {
                        int j = n * C + c;
                        nint off = (nint)(rowOff + (long)c * I);
                        ref float xs = ref Unsafe.Add(ref xr, off); ref float gs = ref Unsafe.Add(ref gr, off); ref float ds = ref Unsafe.Add(ref dr, off);
                        var vm = Vector256.Create(mh[j]); var vp = Vector256.Create(p[j]); var vq = Vector256.Create(q[j]); var vr = Vector256.Create(r[j]);
                        int iv = Vector256.IsHardwareAccelerated ? I - I % 8 : 0;
                        // Scalar math: dx = dy * p + (x - mh) * q + r
                        for (int i = 0; i < iv; i += 8)
                        {
                            var t = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, (nuint)i) - vm, vq, vr);
                            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gs, (nuint)i), vp, t).StoreUnsafe(ref ds, (nuint)i);
                        }
                        for (int i = iv; i < I; i++)
                            Unsafe.Add(ref ds, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref gs, i), p[j],
                                MathF.FusedMultiplyAdd(Unsafe.Add(ref xs, i) - mh[j], q[j], r[j]));
                    }
                }
            }
        });
    }
}
