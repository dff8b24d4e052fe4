using Azure.Data.Tables;
using Finance.Storage.Closes;
using NodaTime;
using NodaTime.Text;

namespace Finance.Storage.Runs;

/// <summary>One pool's part of a month-end run.</summary>
public sealed record MonthEndPoolResult(string PoolId, string Period, bool AutoClose, bool Blocking, string Outcome, string Detail, IReadOnlyList<FindingRecord> Findings);

/// <summary>A month-end run's report, written as JSON to the reports container.</summary>
public sealed record MonthEndReport(Instant RanAt, bool IsPastDue, string Trigger, string? Period, LocalDate? DueDate, IReadOnlyList<MonthEndPoolResult> Pools);

/// <summary>
/// Month-end run reports: each written once as JSON in the reports container (<c>month-end/{instant}-{trigger}-{id}.json</c>),
/// and the name of the latest in the Runs table (partition <c>month-end</c>, row <c>latest</c>).
/// </summary>
public sealed class MonthEndReportStore(LedgerStorage storage)
{
    private const string Partition = "month-end";

    private const string Latest = "latest";

    private const string TableName = StorageNames.RunsTable;

    /// <summary>Writes the report and makes it the latest; returns its blob name.</summary>
    public async Task<string> WriteAsync(MonthEndReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var name = $"month-end/{InstantPattern.General.Format(report.RanAt).Replace(":", "", StringComparison.Ordinal)}-{report.Trigger}-{Guid.NewGuid():N}.json";
        await StoredBlobs.WriteOnceAsync(storage.Container(StorageNames.ReportsContainer), name, ArchiveJson.Write(report), "application/json", null, cancellationToken)
            .ConfigureAwait(false);
        await storage.Table(TableName).UpsertEntityAsync(
            new TableEntity(Partition, Latest) { ["Report"] = name, ["RanAt"] = report.RanAt.ToDateTimeOffset() }, TableUpdateMode.Replace, cancellationToken)
            .ConfigureAwait(false);
        return name;
    }

    /// <summary>The latest report, exactly as written, or null before the first run.</summary>
    public async Task<byte[]?> LatestAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var row = await storage.Table(TableName).GetEntityIfExistsAsync<TableEntity>(Partition, Latest, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }
        var name = row.Value!.Text(TableName, "Report");
        var bytes = (await StoredBlobs.ReadAsync(storage.Container(StorageNames.ReportsContainer), name, cancellationToken).ConfigureAwait(false)).Content;
        // Read back to check it is a report, then served as stored.
        _ = ArchiveJson.Read<MonthEndReport>(bytes, $"{StorageNames.ReportsContainer} blob {name}");
        return bytes;
    }
}
