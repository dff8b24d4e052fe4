using Azure.Data.Tables;

namespace Finance.Storage;

/// <summary>
/// Rows of one partition whose keys begin with a prefix: every kind of row here (line versions, part versions,
/// imports, control totals, organisation versions) is kept under its own prefix, and read as this range.
/// </summary>
public static class KeyRanges
{
    /// <summary>The filter for the rows of <paramref name="partitionKey"/> whose row keys begin with <paramref name="prefix"/>.</summary>
    public static string StartingWith(string partitionKey, string prefix) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}");

    /// <summary>Whether any such row exists: one request, for at most one key.</summary>
    public static async Task<bool> AnyAsync(TableClient table, string partitionKey, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        await foreach (var page in table.QueryAsync<TableEntity>(StartingWith(partitionKey, prefix), 1, ["RowKey"], cancellationToken)
            .AsPages().ConfigureAwait(false))
        {
            return page.Values.Count > 0;
        }
        return false;
    }
}
