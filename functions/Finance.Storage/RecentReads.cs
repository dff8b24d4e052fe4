using System.Collections.Concurrent;
using System.Diagnostics;

namespace Finance.Storage;

/// <summary>
/// Rows as this instance last read them, by key, for readers allowed to be a moment behind other instances (a statement
/// as it stands, by the product owner's bounds). A write through this instance forgets the key when it finishes, so the
/// instance that wrote never shows what was there before; a read that began before that moment cannot put back what it
/// read. Kept in memory per instance: the bound is on other instances, which read again once it has passed.
/// </summary>
public sealed class RecentReads<T>
    where T : class
{
    private readonly ConcurrentDictionary<string, (T? Value, long Since)> seen = new(StringComparer.Ordinal);

    /// <summary>What a read begun at most <paramref name="maxAge"/> ago found, with nothing written through this instance since.</summary>
    public T? Get(string key, TimeSpan maxAge) =>
        seen.TryGetValue(key, out var s) && s.Value is { } value && Stopwatch.GetElapsedTime(s.Since) <= maxAge ? value : null;

    /// <summary>Keeps <paramref name="value"/>, found by a read that began at <paramref name="readBegan"/>, unless something
    /// later (a read begun after it, or a write finished after it began) is already kept.</summary>
    public void Offer(string key, T value, long readBegan) =>
        seen.AddOrUpdate(key, (value, readBegan), (_, s) => readBegan > s.Since ? (value, readBegan) : s);

    /// <summary>A write to <paramref name="key"/> finished (or may have): what was kept is forgotten, and no read begun
    /// before now may put it back.</summary>
    public void Written(string key)
    {
        var now = RecentReads.Now();
        seen.AddOrUpdate(key, (null, now), (_, s) => (null, Math.Max(now, s.Since)));
    }
}

/// <summary>The clock <see cref="RecentReads{T}"/> keeps time by: monotonic, so a read's age cannot be set back.</summary>
public static class RecentReads
{
    /// <summary>A timestamp for a read about to begin, to give <see cref="RecentReads{T}.Offer"/> afterwards.</summary>
    public static long Now() => Stopwatch.GetTimestamp();
}
