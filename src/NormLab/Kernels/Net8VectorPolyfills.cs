#if !NET9_0_OR_GREATER
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormLab.Kernels;

/// .NET 8 has no Vector256.FusedMultiplyAdd (added in .NET 9); the kernels call it under that name on
/// every target. The FMA instruction where the CPU has it, as .NET 9 emits; otherwise a multiply and an
/// add (one rounding more, on CPUs without FMA only).
static class Net8VectorPolyfills
{
    extension(Vector256)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<double> FusedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
            Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    }
}
#endif
