using Azure;
using Azure.Data.Tables;

namespace Finance.Storage.Imports;

/// <summary>
/// CSV imports: the record (progress, lease, outcome), the claim on its file's content and its resumptions in the Pools
/// table beside its pool, and the file exactly as uploaded in the imports container, written once.
/// </summary>
public sealed class ImportStore(LedgerStorage storage)
{
    /// <summary>The most imports one listing of a pool returns (a pool sees about one a month per finance lead).</summary>
    public const int MaxListed = 1000;

    private TableClient Table => storage.Table(StorageNames.PoolsTable);

    /// <summary>The pool's import records (not their claims or resumptions, whose prefixes sort outside the range).</summary>
    private static string ImportRows(string poolId) => KeyRanges.StartingWith(poolId, ImportRecord.RowPrefix);

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
        var filter = ImportRows(poolId);
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

    /// <summary>
    /// Adds the record and its file's claim in one entity group transaction: both or neither. False when either exists
    /// already (a concurrent repeat of the same request, or another import of the same bytes, got in first).
    /// </summary>
    public async Task<bool> TryAddAsync(ImportRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var claim = new ImportFileClaim(record.PoolId, record.FileSha256, record.ImportId);
        try
        {
            await TableTransactions.SubmitAsync(Table, [
                new(TableTransactionActionType.Add, record.ToEntity()),
                new(TableTransactionActionType.Add, claim.ToEntity()),
            ], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            return false;
        }
    }

    /// <summary>
    /// The pool's import of exactly these bytes, or null: one point read of the claim. Imports made before claims
    /// existed have none, so until the pool's marker row says every import has its claim, the first lookup in the pool
    /// writes the missing claims (one query of the pool's import rows, once per pool) and the marker; the earliest
    /// import of a content is the one its claim names.
    /// </summary>
    public async Task<ImportRecord?> FindByFileAsync(string poolId, string fileSha256, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var claimRead = Table.GetEntityIfExistsAsync<TableEntity>(poolId, ImportFileClaim.RowPrefix + fileSha256, cancellationToken: cancellationToken);
        var markerRead = Table.GetEntityIfExistsAsync<TableEntity>(poolId, ImportFileClaim.MarkerRowKey, select: ["RowKey"], cancellationToken: cancellationToken);
        var claim = await claimRead.ConfigureAwait(false);
        var marker = await markerRead.ConfigureAwait(false);
        if (claim.HasValue)
        {
            return await ClaimedAsync(ImportFileClaim.FromEntity(claim.Value!), cancellationToken).ConfigureAwait(false);
        }
        return marker.HasValue ? null : await ClaimEarlierImportsAsync(poolId, fileSha256, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImportRecord> ClaimedAsync(ImportFileClaim claim, CancellationToken cancellationToken) =>
        await GetAsync(claim.PoolId, claim.ImportId, cancellationToken).ConfigureAwait(false)
        ?? throw new StorageInvariantException($"{StorageNames.PoolsTable} {claim.PoolId}/{ImportFileClaim.RowPrefix}{claim.FileSha256}: it names import '{claim.ImportId}', which does not exist.");

    private async Task<ImportRecord?> ClaimEarlierImportsAsync(string poolId, string fileSha256, CancellationToken cancellationToken)
    {
        var filter = ImportRows(poolId);
        var earliest = new Dictionary<string, (string ImportId, DateTimeOffset UploadedAt)>(StringComparer.Ordinal);
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, select: ["RowKey", "FileSha256", "UploadedAt"], cancellationToken: cancellationToken)
                           .ConfigureAwait(false))
        {
            var sha = row.Text(StorageNames.PoolsTable, "FileSha256");
            var uploadedAt = row.Instant(StorageNames.PoolsTable, "UploadedAt").ToDateTimeOffset();
            if (!earliest.TryGetValue(sha, out var seen) || uploadedAt < seen.UploadedAt)
            {
                earliest[sha] = (row.RowKey[ImportRecord.RowPrefix.Length..], uploadedAt);
            }
        }
        foreach (var (sha, (importId, _)) in earliest)
        {
            await AddIfAbsentAsync(new ImportFileClaim(poolId, sha, importId).ToEntity(), cancellationToken).ConfigureAwait(false);
        }
        await AddIfAbsentAsync(new TableEntity(poolId, ImportFileClaim.MarkerRowKey), cancellationToken).ConfigureAwait(false);
        // Read back through the claim: one written meanwhile (a concurrent upload's, or another instance's pass) stands.
        var claim = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, ImportFileClaim.RowPrefix + fileSha256, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return claim.HasValue ? await ClaimedAsync(ImportFileClaim.FromEntity(claim.Value!), cancellationToken).ConfigureAwait(false) : null;
    }

    private async Task AddIfAbsentAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await Table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Written already: the first claim of a content stands.
        }
    }

    /// <summary>The resumption made under this key id in the pool, or null.</summary>
    public async Task<ImportResumption?> GetResumptionAsync(string poolId, string keyId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, ImportResumption.RowPrefix + keyId, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return row.HasValue ? ImportResumption.FromEntity(row.Value!) : null;
    }

    /// <summary>
    /// Sets a failed import applying again and records the resumption, in one transaction; null when the record changed
    /// since it was read or the key was used meanwhile (nothing written then).
    /// </summary>
    public async Task<ImportRecord?> TryResumeAsync(ImportRecord resumed, ImportResumption resumption, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resumed);
        ArgumentNullException.ThrowIfNull(resumption);
        try
        {
            var responses = await TableTransactions.SubmitAsync(Table, [
                new(TableTransactionActionType.UpdateReplace, resumed.ToEntity(), resumed.ETag),
                new(TableTransactionActionType.Add, resumption.ToEntity()),
            ], cancellationToken).ConfigureAwait(false);
            return resumed with { ETag = responses[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            return null;
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
