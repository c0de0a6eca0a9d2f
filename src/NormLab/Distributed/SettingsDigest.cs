using System.Security.Cryptography;
using System.Text;

namespace NormLab.Distributed;

/// <summary>
/// The start-up check of a distributed job: every rank must run with the same settings (epochs, batch
/// sizes, learning rate, sample counts, ...). Ranks started with different arguments would otherwise
/// fail deep inside a collective ("Data unpack would read past end of buffer"), report a wrong error,
/// or train replicas that silently drift apart.
/// </summary>
internal static class SettingsDigest
{
    /// <summary>
    /// Gathers a hash of each setting from every rank and throws <see cref="ArgumentException"/> naming
    /// the first setting whose value differs from rank 0's. Every rank must pass the same setting names
    /// in the same order (the values are what may differ).
    /// </summary>
    internal static void RequireSame(Communicator world, IReadOnlyList<(string Name, string Value)> settings)
    {
        if (world.Size == 1) return;
        var mine = settings.Select(s => Hash(s.Name + "=" + s.Value)).ToArray();
        var all = world.Allgather<long>(mine);
        for (int i = 0; i < settings.Count; i++)
        {
            var differing = Enumerable.Range(1, world.Size - 1).Where(r => all[r * mine.Length + i] != all[i]).ToList();
            if (differing.Count == 0) continue;
            string where = world.Rank == 0 ? $"rank(s) {string.Join(", ", differing)} have a different value than rank 0's {settings[i].Value}"
                : differing.Contains(world.Rank) ? $"this rank ({world.Rank}) has {settings[i].Value}, rank 0 a different value"
                : $"rank(s) {string.Join(", ", differing)} differ from rank 0";
            throw new ArgumentException($"the ranks were started with different settings: {settings[i].Name} differs ({where}). " +
                "Start every rank with the same arguments.");
        }
    }

    private static long Hash(string text) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
}
