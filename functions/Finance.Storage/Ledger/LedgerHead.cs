using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Calendar;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>
/// The head row of a ledger partition: one per pool and year. Every posting and every month close rewrites it with
/// If-Match, so all writers to a partition serialize on it: a posting racing a close either lands before it or is
/// refused after it. It also carries the control totals readers check the balance rows against.
/// </summary>
public sealed record LedgerHead
{
    internal LedgerHead(LedgerPartition partition)
    {
        Partition = partition;
        ClosedMonths = [];
    }

    public LedgerPartition Partition { get; }

    /// <summary>False until the first posting or close creates the row.</summary>
    public bool Exists => ETag != default;

    /// <summary>The last entry's sequence number: entries are numbered 1, 2, 3… with no gaps, so this is also their count.</summary>
    public long Seq { get; init; }

    /// <summary>The last posting's number (postings are numbered like entries).</summary>
    public long Postings { get; init; }

    /// <summary>The sum of every entry's amount: the control total of the balance rows' <see cref="Balance.Net"/>.</summary>
    public Pence Net { get; init; }

    /// <summary>The sum of the balance rows' <see cref="Balance.Version"/>: a reader that sees a different sum saw a posting half-applied.</summary>
    public long BalanceVersions { get; init; }

    /// <summary>The newest pool set-up version any posting was checked against.</summary>
    public long SetupVersion { get; init; }

    /// <summary>The latest <see cref="Finance.Domain.Ledger.JournalEntry.PostedAt"/>: a statement from the balances is only good as at or after it.</summary>
    public Instant? LatestPostedAt { get; init; }

    public IReadOnlyList<FinancialMonth> ClosedMonths { get; init; }

    public ETag ETag { get; init; }

    public bool IsClosed(FinancialMonth month) => ClosedMonths.Contains(month);

    internal TableEntity ToEntity()
    {
        var entity = new TableEntity(Partition.PartitionKey, LedgerRows.Head)
        {
            ["Pool"] = Partition.Pool.Value,
            ["Year"] = Partition.Year.ToString(),
            ["Seq"] = Seq,
            ["Postings"] = Postings,
            ["NetPence"] = Net.Value,
            ["BalanceVersions"] = BalanceVersions,
            ["SetupVersion"] = SetupVersion,
            // "1,2,3": month numbers, readable in a storage explorer.
            ["ClosedMonths"] = string.Join(",", ClosedMonths.Select(m => m.Number.ToString(CultureInfo.InvariantCulture))),
        };
        if (LatestPostedAt is { } latest)
        {
            entity["LatestPostedAt"] = latest.ToDateTimeOffset();
        }
        return entity;
    }

    internal static LedgerHead FromEntity(LedgerPartition partition, TableEntity entity)
    {
        if (entity.PartitionKey != partition.PartitionKey || entity.RowKey != LedgerRows.Head)
        {
            throw new LedgerInvariantException($"Row {entity} is not the head of {partition}.");
        }
        var closed = new List<FinancialMonth>();
        foreach (var part in (entity.GetString("ClosedMonths") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 12)
            {
                throw new LedgerInvariantException($"The head of {partition} lists '{part}' among its closed months.");
            }
            closed.Add(partition.Year.Month(number));
        }
        return new LedgerHead(partition)
        {
            Seq = entity.GetInt64("Seq") ?? 0,
            Postings = entity.GetInt64("Postings") ?? 0,
            Net = new Pence(entity.GetInt64("NetPence") ?? 0),
            BalanceVersions = entity.GetInt64("BalanceVersions") ?? 0,
            SetupVersion = entity.GetInt64("SetupVersion") ?? 0,
            LatestPostedAt = entity.GetDateTimeOffset("LatestPostedAt") is { } latest ? Instant.FromDateTimeOffset(latest) : null,
            ClosedMonths = closed.Distinct().Order().ToArray(),
            ETag = entity.ETag,
        };
    }
}
