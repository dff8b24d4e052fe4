using Azure;
using Azure.Data.Tables;

namespace Finance.Storage.Imports;

/// <summary>
/// CSV imports: the record (progress, lease, outcome) in the Pools table beside its pool, and the file exactly as
/// uploaded in the imports container, written once.
/// </summary>
public sealed class ImportStore(LedgerStorage storage)
{
    /// <summary>The most imports one listing of a pool returns (a pool sees about one a month per finance lead).</summary>
    public const int MaxListed = 1000;

    private TableClient Table => storage.Table(StorageNames.PoolsTable);

    public async Task<ImportRecord?> GetAsync(string poolId, string importId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, ImportRecord.RowPrefix + importId, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return row.HasValue ? ImportRecord.FromEntity(row.Value!) : null;
    }

    /// <summary>The pool's imports, newest first.</summary>
    public async Task<IReadOnlyList<ImportRecord>> ListAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {poolId} and RowKey ge {ImportRecord.RowPrefix} and RowKey lt {ImportRecord.RowPrefix + "\uffff"}");
        var imports = new List<ImportRecord>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (imports.Count == MaxListed)
            {
                break;
            }
            imports.Add(ImportRecord.FromEntity(row));
        }
        return imports.OrderByDescending(i => i.UploadedAt).ToList();
    }

    /// <summary>Imports still applying, in every pool (for the resume sweep).</summary>
    public async Task<IReadOnlyList<(string PoolId, string ImportId)>> UnfinishedAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<(string, string)>();
        var filter = TableClient.CreateQueryFilter(
            $"RowKey ge {ImportRecord.RowPrefix} and RowKey lt {ImportRecord.RowPrefix + "\uffff"} and Status eq {nameof(ImportStatus.Applying)}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken)
                           .ConfigureAwait(false))
        {
            found.Add((row.PartitionKey, row.RowKey[ImportRecord.RowPrefix.Length..]));
        }
        return found;
    }

    /// <summary>Adds the record; false when one with its id exists already (a concurrent repeat got in first).</summary>
    public async Task<bool> TryAddAsync(ImportRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Table.AddEntityAsync(record.ToEntity(), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>Replaces the record if it is still at the version read; null when someone else changed it.</summary>
    public async Task<ImportRecord?> TryUpdateAsync(ImportRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        try
        {
            var response = await Table.UpdateEntityAsync(record.ToEntity(), record.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return record with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>Keeps the file as uploaded, once. <see cref="BlobConflictException"/> when a file of that name exists with
    /// other bytes.</summary>
    public async Task WriteFileOnceAsync(string blobName, byte[] content, IDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await StoredBlobs.WriteOnceAsync(storage.Container(StorageNames.ImportsContainer), blobName, content, "text/csv", metadata, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The file exactly as uploaded.</summary>
    public async Task<byte[]> ReadFileAsync(ImportRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return (await StoredBlobs.ReadAsync(storage.Container(StorageNames.ImportsContainer), record.BlobName, cancellationToken).ConfigureAwait(false)).Content;
    }
}
