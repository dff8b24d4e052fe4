using NodaTime;

namespace Finance.Storage;

/// <summary>
/// The one rule for which version of something set up (a line, a part of the pool, an organisation's names) a
/// statement as at an instant, as known at another, shows.
/// </summary>
public static class VersionSelection
{
    /// <summary>
    /// Of <paramref name="versions"/> in the order they were recorded: the latest recorded by <paramref name="knownAt"/>
    /// that had taken effect by <paramref name="asAt"/>; when none had, the first recorded by the known-at (so what
    /// was set up is never missing from a statement of entries dated before it); null when none was recorded by then.
    /// </summary>
    public static T? Shown<T>(IReadOnlyList<T> versions, Func<T, Instant> recordedAt, Func<T, Instant> effectiveFrom, Instant asAt, Instant knownAt)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(recordedAt);
        ArgumentNullException.ThrowIfNull(effectiveFrom);
        var known = versions.Where(v => recordedAt(v) <= knownAt).ToList();
        return known.Count == 0 ? null : known.LastOrDefault(v => effectiveFrom(v) <= asAt) ?? known[0];
    }
}
