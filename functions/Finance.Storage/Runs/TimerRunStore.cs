using Azure.Data.Tables;
using NodaTime;

namespace Finance.Storage.Runs;

/// <summary>When a timer function last ran, whether the host fired it late, and how many times it has run.</summary>
public sealed record TimerRun(string Name, Instant LastRunAt, bool LastWasPastDue, Instant? ScheduledLast, Instant? ScheduledNext, long Runs);

/// <summary>Timer runs in the Runs table: partition <c>timer</c>, row key the function name.</summary>
public sealed class TimerRunStore(LedgerStorage storage)
{
    private const string Partition = "timer";

    private const string TableName = StorageNames.RunsTable;

    private TableClient Table => storage.Table(TableName);

    /// <summary>Timer names are letters and digits: only ever a row key in a point read, never part of a filter.</summary>
    public static bool IsTimerName(string? name) => name is { Length: > 0 and <= 64 } && name.All(char.IsAsciiLetterOrDigit);

    /// <summary>Counts a run. A lost count under two overlapping firings is acceptable for a heartbeat; the last run time
    /// is what matters.</summary>
    public async Task<TimerRun> RecordAsync(string name, Instant ranAt, bool isPastDue, Instant? scheduledLast, Instant? scheduledNext, CancellationToken cancellationToken)
    {
        if (!IsTimerName(name))
        {
            throw new ArgumentException("A timer name is letters and digits.", nameof(name));
        }
        var previous = await GetAsync(name, cancellationToken).ConfigureAwait(false);
        var run = new TimerRun(name, ranAt, isPastDue, scheduledLast, scheduledNext, (previous?.Runs ?? 0) + 1);
        var entity = new TableEntity(Partition, name)
        {
            ["LastRunAt"] = run.LastRunAt.ToDateTimeOffset(),
            ["LastWasPastDue"] = run.LastWasPastDue,
            ["Runs"] = run.Runs,
        };
        if (scheduledLast is { } last)
        {
            entity["ScheduledLast"] = last.ToDateTimeOffset();
        }
        if (scheduledNext is { } next)
        {
            entity["ScheduledNext"] = next.ToDateTimeOffset();
        }
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        return run;
    }

    public async Task<TimerRun?> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (!IsTimerName(name))
        {
            return null;
        }
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!found.HasValue)
        {
            return null;
        }
        var e = found.Value!;
        return new TimerRun(
            name, e.Instant(TableName, "LastRunAt"), e.Boolean(TableName, "LastWasPastDue"), e.OptionalInstant(TableName, "ScheduledLast"),
            e.OptionalInstant(TableName, "ScheduledNext"), e.Int64(TableName, "Runs"));
    }
}
