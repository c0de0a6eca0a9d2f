using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace NormLab.Saving;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name to
/// dtype, shape and [begin, end) byte offsets, then the raw little-endian float32 data.
/// </summary>
internal static class SafeTensors
{
    internal static void Write(Stream stream, IReadOnlyList<(string name, Tensor value)> tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, value) in tensors)
        {
            long end = offset + 4L * value.Size;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = value.Shape.ToJson(),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        foreach (var (_, value) in tensors)
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(value.Data.AsSpan()));
    }

    /// <summary>Reads every tensor, in file order; any inconsistency is a <see cref="FormatException"/>.</summary>
    internal static List<(string name, Tensor value)> Read(byte[] bytes)
    {
        if (bytes.Length < 8) throw new FormatException("the weights file is shorter than its 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)bytes.Length - 8) throw new FormatException($"the weights header claims {headerLength} bytes but the file has {bytes.Length - 8}.");
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) as JsonObject
            ?? throw new FormatException("the weights header is not a JSON object.");
        long dataStart = 8 + (long)headerLength;
        var result = new List<(string, Tensor)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            var entry = node as JsonObject ?? throw new FormatException($"weight '{name}' has no header entry.");
            if (entry["dtype"]?.GetValue<string>() != "F32") throw new FormatException($"weight '{name}' is not F32.");
            var shape = entry.GetInts("shape") ?? throw new FormatException($"weight '{name}' has no shape.");
            if (shape.Any(d => d < 0)) throw new FormatException($"weight '{name}' has a negative dimension in shape [{string.Join(", ", shape)}].");
            var offsets = (entry["data_offsets"] as JsonArray ?? throw new FormatException($"weight '{name}' has no data_offsets array."))
                .Select(n => n?.GetValue<long>() ?? throw new FormatException($"weight '{name}' has a null data offset.")).ToArray();
            // In double first: a shape whose size overflows an int must not wrap around to a small one.
            if (4.0 * shape.Aggregate(1.0, (a, d) => a * d) > bytes.Length)
                throw new FormatException($"weight '{name}' of shape {Shapes.Format(shape)} is larger than the whole weights file ({bytes.Length:N0} bytes).");
            long size = 4L * Shapes.SizeOf(shape);
            if (offsets.Length != 2 || offsets[1] - offsets[0] != size || offsets[0] < 0 || dataStart + offsets[1] > bytes.Length)
                throw new FormatException($"weight '{name}' of shape {Shapes.Format(shape)} has data offsets outside the file (truncated?).");
            var data = new float[size / 4];
            Buffer.BlockCopy(bytes, (int)(dataStart + offsets[0]), data, 0, (int)size);
            result.Add((name, new Tensor(data, shape)));
        }
        return result.OrderBy(r => ((JsonObject)header[r.Item1]!)["data_offsets"]![0]!.GetValue<long>()).ToList();
    }
}
