using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Calendar;
using NodaTime;

namespace Finance.Storage.Closes;

/// <summary>A partner's control total for a month: what its own ledger shows against the pool's cost centre.</summary>
public sealed record ControlTotal(string Organisation, int Month, long AmountPence, string? CostCentre, string? Reference, string SubmittedBy, Instant SubmittedAt);

/// <summary>
/// Control totals from partners' own ledgers, one per organisation and month (the latest submission standing): rows
/// <c>ctl~{start year}~{MM}~{organisation}</c> in the pool's partition of the Pools table.
/// </summary>
public sealed class ControlTotalStore(LedgerStorage storage)
{
    private const string Prefix = "ctl~";

    private const string TableName = StorageNames.PoolsTable;

    private TableClient Table => storage.Table(TableName);

    public async Task PutAsync(string poolId, FinancialMonth month, ControlTotal total, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(month);
        ArgumentNullException.ThrowIfNull(total);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(poolId, Key(month, total.Organisation))
        {
            ["Organisation"] = total.Organisation,
            ["Month"] = month.Number,
            ["AmountPence"] = total.AmountPence,
            ["SubmittedBy"] = total.SubmittedBy,
            ["SubmittedAt"] = total.SubmittedAt.ToDateTimeOffset(),
        };
        if (total.CostCentre is not null)
        {
            entity["CostCentre"] = total.CostCentre;
        }
        if (total.Reference is not null)
        {
            entity["Reference"] = total.Reference;
        }
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ControlTotal>> ForMonthAsync(string poolId, FinancialMonth month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(month);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var from = $"{Prefix}{month.Year.StartYear}~{month.Number:00}~";
        var filter = KeyRanges.StartingWith(poolId, from);
        var totals = new List<ControlTotal>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var total = new ControlTotal(
                row.Text(TableName, "Organisation"), row.Int32(TableName, "Month"), row.Int64(TableName, "AmountPence"),
                row.OptionalText(TableName, "CostCentre"), row.OptionalText(TableName, "Reference"), row.Text(TableName, "SubmittedBy"),
                row.Instant(TableName, "SubmittedAt"));
            if (total.Month != month.Number || !Identifier.IsValid(total.Organisation) || row.RowKey != Key(month, total.Organisation))
            {
                throw StoredEntity.Invalid(row, TableName, "its organisation or month is not the one its key names.");
            }
            totals.Add(total);
        }
        return totals;
    }

    private static string Key(FinancialMonth month, string organisation) => $"{Prefix}{month.Year.StartYear}~{month.Number:00}~{organisation}";
}
