namespace NormLab.Saving;

/// <summary>
/// The CRC-32 of zip (IEEE 802.3, reflected polynomial 0xEDB88320). ZipArchive stores each entry's CRC but
/// does not check it when reading, so a flipped byte in a model file's weights would load silently.
/// </summary>
internal static class Crc32
{
    private static readonly uint[] Table = MakeTable();

    private static uint[] MakeTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    internal static uint Of(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
