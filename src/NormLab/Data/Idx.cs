using System.Buffers.Binary;
using System.IO.Compression;

namespace NormLab.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (plain or gzip'd): a big-endian magic number
/// <c>00 00 type rank</c>, one 32-bit size per dimension, then the data.
/// </summary>
/// <remarks>Every problem with a file (wrong magic, unknown type, sizes that do not match the data,
/// a gzip stream cut short) raises a <see cref="FormatException"/> that names the file.</remarks>
public static class Idx
{
    /// <summary>The type byte for unsigned bytes, the only type MNIST uses.</summary>
    public const byte UnsignedByte = 0x08;

    /// <summary>Reads an unsigned-byte IDX file; a name ending in .gz is decompressed.</summary>
    /// <param name="path">The IDX file, optionally .gz.</param>
    /// <exception cref="System.IO.FileNotFoundException">When there is no file at <paramref name="path"/>.</exception>
    /// <exception cref="FormatException">When the file is not an unsigned-byte IDX file, or a .gz file is not gzip or is corrupt or cut short.</exception>
    public static (int[] dims, byte[] data) Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? Gunzip(path) : File.ReadAllBytes(path);
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"IDX file '{path}': the gzip stream is corrupt or cut short ({e.Message}).", e);
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException($"IDX file '{path}': the gzip stream is cut short ({e.Message}).", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses IDX bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <param name="bytes">The file's contents, decompressed.</param>
    /// <param name="source">The file name for error messages.</param>
    /// <exception cref="FormatException">When <paramref name="bytes"/> is too short, has the wrong magic number or data type, declares no dimensions, or holds a data size that does not match its dimensions.</exception>
    public static (int[] dims, byte[] data) Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.Length < 4)
            throw new FormatException($"IDX file '{source}': {bytes.Length} bytes is too short for the 4-byte magic number.");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new FormatException($"IDX file '{source}': wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}; expected 0x0000{UnsignedByte:X2}NN (unsigned bytes, NN dimensions).");
        if (bytes[2] != UnsignedByte)
            throw new FormatException($"IDX file '{source}': data type 0x{bytes[2]:X2} is not supported; expected 0x{UnsignedByte:X2} (unsigned byte).");
        int rank = bytes[3];
        if (rank < 1)
            throw new FormatException($"IDX file '{source}': the magic number declares {rank} dimensions; expected at least 1.");
        int header = 4 + 4 * rank;
        if (bytes.Length < header)
            throw new FormatException($"IDX file '{source}': {bytes.Length} bytes is too short for a header of {rank} dimensions ({header} bytes).");
        var dims = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (size > int.MaxValue) throw new FormatException($"IDX file '{source}': dimension {i} has an impossible size {size}.");
            dims[i] = (int)size;
            expected *= size;
            if (expected > int.MaxValue) throw new FormatException($"IDX file '{source}': dimensions [{string.Join(", ", dims[..(i + 1)])}] hold more than 2^31 values.");
        }
        long actual = bytes.Length - header;
        if (actual != expected)
            throw new FormatException($"IDX file '{source}': dimensions [{string.Join(", ", dims)}] need {expected} data bytes but the file holds {actual} (truncated or mismatched).");
        return (dims, bytes[header..].ToArray());
    }

    /// <summary>Writes unsigned bytes as IDX; a name ending in .gz is gzip'd.</summary>
    /// <param name="path">The file to write; .gz compresses it.</param>
    /// <param name="dims">The array's dimensions.</param>
    /// <param name="data">The values, row-major; as many as the dimensions' product.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="dims"/> is null.</exception>
    /// <exception cref="ArgumentException">When <paramref name="dims"/> is empty, longer than 255 or holds a negative size, or the length of <paramref name="data"/> differs from their product.</exception>
    public static void Write(string path, int[] dims, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(dims);
        // The header holds the rank in one byte and each size as an unsigned 32-bit number.
        if (dims.Length is 0 or > 255 || dims.Any(d => d < 0))
            throw new ArgumentException($"Idx.Write: dimensions must be 1 to 255 sizes of at least 0, received [{string.Join(", ", dims)}].");
        long count = dims.Aggregate(1L, (a, d) => a * d);
        if (count != data.Length)
            throw new ArgumentException($"Idx.Write: dimensions [{string.Join(", ", dims)}] need {count} bytes, received {data.Length}.");
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = UnsignedByte;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 + 4 * i), (uint)dims[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dims.Length));
        Saving.AtomicFile.Write(path, file =>
        {
            if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) file.Write(bytes);
            else
            {
                using var gzip = new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true);
                gzip.Write(bytes);
            }
        });
    }

    /// <summary>
    /// Inflates a gzip'd IDX file no further than its own header allows: the dimensions give the size, which
    /// must be one a gzip file of this length can hold (deflate compresses at most about 1032:1) and is
    /// allocated once; a stream longer than its header says is an error, not gigabytes of memory.
    /// </summary>
    private static byte[] Gunzip(string path)
    {
        var compressed = File.ReadAllBytes(path);
        if (compressed.Length < 18 || compressed[0] != 0x1f || compressed[1] != 0x8b)
            throw new FormatException($"IDX file '{path}': the name ends in .gz but the file is not gzip (no 1F 8B header).");
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var magic = new byte[4];
        int got = gzip.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4) throw CutShort(path, got, "the 4-byte magic number");
        var header = new byte[4 + 4 * magic[3]];
        magic.CopyTo(header, 0);
        got = 4 + gzip.ReadAtLeast(header.AsSpan(4), header.Length - 4, throwOnEndOfStream: false);
        if (got < header.Length) throw CutShort(path, got, $"a header of {magic[3]} dimensions ({header.Length} bytes)");
        // In double: the product of 32-bit sizes can overflow a long.
        double values = Enumerable.Range(0, magic[3]).Aggregate(1.0, (a, i) => a * BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + 4 * i)));
        double size = header.Length + values;
        if (size > Array.MaxLength || size > 1100.0 * compressed.Length + 1024)
            throw new FormatException($"IDX file '{path}': the header declares {values:N0} data bytes, more than a {compressed.Length:N0}-byte gzip file can hold.");
        var bytes = new byte[(int)size];
        header.CopyTo(bytes, 0);
        got = header.Length + gzip.ReadAtLeast(bytes.AsSpan(header.Length), bytes.Length - header.Length, throwOnEndOfStream: false);
        if (got < bytes.Length) throw CutShort(path, got, $"the {bytes.Length:N0} bytes its header declares");
        if (gzip.Read(new byte[1]) > 0)
            throw new FormatException($"IDX file '{path}': the gzip stream holds more data than the header's dimensions declare ({values:N0} bytes).");
        // GZipStream returns whatever it could inflate from a stream cut short, without an error;
        // the trailer's ISIZE (the uncompressed length mod 2^32) tells a whole stream from a cut one.
        uint trailer = BinaryPrimitives.ReadUInt32LittleEndian(compressed.AsSpan(compressed.Length - 4));
        if (trailer != (uint)bytes.Length)
            throw new FormatException($"IDX file '{path}': the gzip stream is cut short or corrupt (inflated {bytes.Length} bytes, the trailer says {trailer}).");
        return bytes;
    }

    private static FormatException CutShort(string path, int inflated, string needed) =>
        new($"IDX file '{path}': the gzip stream is cut short or too short: it inflates to {inflated:N0} bytes, less than {needed}.");
}
