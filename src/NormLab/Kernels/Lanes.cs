using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NormLab.Kernels;

/// <summary>
/// Doubles as a loop body sees them: <see cref="Lanes4"/> (Vector256), <see cref="Lanes2"/> (Vector128, what
/// ARM64's NEON holds) or <see cref="Lanes1"/> (one double, for the tail). A body written once against this
/// interface runs as the vector loop and as its tail (<see cref="ChannelLoop"/>), with the same operations in
/// the same order (no fused multiply-adds), so every lane gets the scalar result bit for bit.
/// </summary>
internal interface ILanes<T> : IAdditionOperators<T, T, T>, ISubtractionOperators<T, T, T>,
    IMultiplyOperators<T, T, T>, IDivisionOperators<T, T, T>, IUnaryNegationOperators<T, T>
    where T : struct, ILanes<T>
{
    /// <summary>How many doubles one value holds.</summary>
    static abstract int Count { get; }

    /// <summary>Every lane <paramref name="value"/>.</summary>
    static abstract T Create(double value);

    /// <summary>Count doubles from <paramref name="source"/>.</summary>
    static abstract T Load(ref double source);

    /// <summary>Count floats from <paramref name="source"/>, widened to double.</summary>
    static abstract T Load(ref float source);

    /// <summary>Writes the lanes to <paramref name="destination"/>.</summary>
    static abstract void Store(T value, ref double destination);

    /// <summary>Writes the lanes rounded to float to <paramref name="destination"/>.</summary>
    static abstract void Store(T value, ref float destination);

    /// <summary>Each lane rounded to float and back: <c>(double)(float)v</c>.</summary>
    static abstract T RoundToFloat(T value);

    /// <summary>The square root of each lane.</summary>
    static abstract T Sqrt(T value);
}

/// <summary>Four doubles in a <see cref="Vector256{T}"/>.</summary>
internal readonly struct Lanes4(Vector256<double> v) : ILanes<Lanes4>
{
    private readonly Vector256<double> v = v;

    public static int Count => 4;
    public static Lanes4 Create(double value) => new(Vector256.Create(value));
    public static Lanes4 Load(ref double source) => new(Vector256.LoadUnsafe(ref source));
    public static Lanes4 Load(ref float source) => new(Vector256.WidenLower(Vector128.LoadUnsafe(ref source).ToVector256Unsafe()));
    public static void Store(Lanes4 value, ref double destination) => value.v.StoreUnsafe(ref destination);
    public static void Store(Lanes4 value, ref float destination) => ToSingle(value.v).StoreUnsafe(ref destination);
    public static Lanes4 RoundToFloat(Lanes4 value) => new(Vector256.WidenLower(ToSingle(value.v).ToVector256Unsafe()));

    /// <summary>The four doubles rounded to float. The portable API narrows two Vector256 into one (two
    /// conversions and an insert); AVX's one instruction for four kept the BIN/SN coefficient loops 25% faster.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> ToSingle(Vector256<double> v) =>
        Avx.IsSupported ? Avx.ConvertToVector128Single(v) : Vector256.Narrow(v, v).GetLower();
    public static Lanes4 Sqrt(Lanes4 value) => new(Vector256.Sqrt(value.v));
    public static Lanes4 operator +(Lanes4 a, Lanes4 b) => new(a.v + b.v);
    public static Lanes4 operator -(Lanes4 a, Lanes4 b) => new(a.v - b.v);
    public static Lanes4 operator *(Lanes4 a, Lanes4 b) => new(a.v * b.v);
    public static Lanes4 operator /(Lanes4 a, Lanes4 b) => new(a.v / b.v);
    public static Lanes4 operator -(Lanes4 a) => new(-a.v);
}

/// <summary>Two doubles in a <see cref="Vector128{T}"/>.</summary>
internal readonly struct Lanes2(Vector128<double> v) : ILanes<Lanes2>
{
    private readonly Vector128<double> v = v;

    public static int Count => 2;
    public static Lanes2 Create(double value) => new(Vector128.Create(value));
    public static Lanes2 Load(ref double source) => new(Vector128.LoadUnsafe(ref source));
    public static Lanes2 Load(ref float source) => new(Vector128.WidenLower(Vector64.LoadUnsafe(ref source).ToVector128Unsafe()));
    public static void Store(Lanes2 value, ref double destination) => value.v.StoreUnsafe(ref destination);
    public static void Store(Lanes2 value, ref float destination) => Vector128.Narrow(value.v, value.v).GetLower().StoreUnsafe(ref destination);
    public static Lanes2 RoundToFloat(Lanes2 value) => new(Vector128.WidenLower(Vector128.Narrow(value.v, value.v)));
    public static Lanes2 Sqrt(Lanes2 value) => new(Vector128.Sqrt(value.v));
    public static Lanes2 operator +(Lanes2 a, Lanes2 b) => new(a.v + b.v);
    public static Lanes2 operator -(Lanes2 a, Lanes2 b) => new(a.v - b.v);
    public static Lanes2 operator *(Lanes2 a, Lanes2 b) => new(a.v * b.v);
    public static Lanes2 operator /(Lanes2 a, Lanes2 b) => new(a.v / b.v);
    public static Lanes2 operator -(Lanes2 a) => new(-a.v);
}

/// <summary>One double: the tail of a vector loop, or the whole loop where the machine has no vectors.</summary>
internal readonly struct Lanes1(double v) : ILanes<Lanes1>
{
    private readonly double v = v;

    public static int Count => 1;
    public static Lanes1 Create(double value) => new(value);
    public static Lanes1 Load(ref double source) => new(source);
    public static Lanes1 Load(ref float source) => new(source);
    public static void Store(Lanes1 value, ref double destination) => destination = value.v;
    public static void Store(Lanes1 value, ref float destination) => destination = (float)value.v;
    public static Lanes1 RoundToFloat(Lanes1 value) => new((float)value.v);
    public static Lanes1 Sqrt(Lanes1 value) => new(Math.Sqrt(value.v));
    public static Lanes1 operator +(Lanes1 a, Lanes1 b) => new(a.v + b.v);
    public static Lanes1 operator -(Lanes1 a, Lanes1 b) => new(a.v - b.v);
    public static Lanes1 operator *(Lanes1 a, Lanes1 b) => new(a.v * b.v);
    public static Lanes1 operator /(Lanes1 a, Lanes1 b) => new(a.v / b.v);
    public static Lanes1 operator -(Lanes1 a) => new(-a.v);
}

/// <summary>A loop body over the (row, channel) entries of a [rows, channels] table (per-(sample, channel)
/// statistics), written once for every <see cref="ILanes{T}"/>.</summary>
internal interface IChannelBody
{
    /// <summary>Entries (row, channel) to (row, channel + T.Count - 1); <paramref name="index"/> is the first's
    /// index in the table, row * channels + channel.</summary>
    void Run<T>(int row, int channel, int index) where T : struct, ILanes<T>;
}

/// <summary>The one driver of <see cref="IChannelBody"/> loops: each row's channels in the widest vectors the
/// machine accelerates, then the row's last few channels one at a time through the same body. A kernel that
/// runs it is marked <see cref="MethodImplOptions.AggressiveOptimization"/>: its body's lane operations are
/// calls until the JIT inlines them, and tiered compilation left the first hundreds of calls (a benchmark's
/// warm-up, a short training run) on that slow code.</summary>
internal static class ChannelLoop
{
    /// <summary>Runs <paramref name="body"/> over every (row, channel) of a [rows, channels] table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Run<TBody>(ref TBody body, int rows, int channels) where TBody : struct, IChannelBody
    {
        for (int n = 0, j0 = 0; n < rows; n++, j0 += channels)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; c + 4 <= channels; c += 4) body.Run<Lanes4>(n, c, j0 + c);
            else if (Vector128.IsHardwareAccelerated)
                for (; c + 2 <= channels; c += 2) body.Run<Lanes2>(n, c, j0 + c);
            for (; c < channels; c++) body.Run<Lanes1>(n, c, j0 + c);
        }
    }
}
