using Azure.Data.Tables;

namespace Finance.Storage.Pools;

/// <summary>Pool rows: read for access decisions, created and replaced with If-Match, and listed for month end and the
/// organisation summary.</summary>
public sealed class PoolStore(LedgerStorage storage)
{
    /// <summary>The most pools one listing reads: far above a partnership's few dozen, bounded all the same.</summary>
    public const int MaxListed = 10_000;

    private TableClient Table => storage.Table(StorageNames.PoolsTable);

    /// <summary>The pool, or null when there is none with that id. <paramref name="poolId"/> must already be a valid id.</summary>
    public async Task<PoolRecord?> GetAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, PoolRecord.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? PoolRecord.FromEntity(found.Value!) : null;
    }

    /// <summary>Creates the pool with the first version of its name (<see cref="PoolPartVersion"/>), atomically;
    /// <see cref="StaleRecordException"/> when a pool with its id appeared meanwhile.</summary>
    public async Task<PoolRecord> AddAsync(PoolRecord pool, SetupChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(change);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, pool.ToEntity()) };
        actions.AddRange(await PoolPartVersions.ActionsAsync(Table, null, pool, pool.SetupVersion, change, cancellationToken).ConfigureAwait(false));
        try
        {
            var added = await TableTransactions.SubmitAsync(Table, actions, cancellationToken).ConfigureAwait(false);
            return pool with { ETag = added[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException e) when (e.Status == 409)
        {
            throw new StaleRecordException($"Pool '{pool.PoolId}' was created by someone else meanwhile.", e);
        }
    }

    /// <summary>Replaces the pool row if it is still at <paramref name="current"/>'s version, else
    /// <see cref="StaleRecordException"/>; a changed name gets a new version (<see cref="PoolPartVersion"/>) in the same
    /// transaction.</summary>
    public async Task<PoolRecord> ReplaceAsync(PoolRecord current, PoolRecord next, SetupChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(change);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, next.ToEntity(), current.ETag) };
        actions.AddRange(await PoolPartVersions.ActionsAsync(Table, current, next, next.SetupVersion, change, cancellationToken).ConfigureAwait(false));
        try
        {
            var updated = await TableTransactions.SubmitAsync(Table, actions, cancellationToken).ConfigureAwait(false);
            return next with { ETag = updated[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException e) when (e.Status is 404 or 409 or 412)
        {
            throw new StaleRecordException($"Pool '{current.PoolId}' changed since it was read.", e);
        }
    }

    /// <summary>Every pool, in id order.</summary>
    public async Task<IReadOnlyList<PoolRecord>> ListAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var pools = new List<PoolRecord>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {PoolRecord.RowKey}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (pools.Count == MaxListed)
            {
                throw new StorageInvariantException($"{StorageNames.PoolsTable} pool rows", $"there are more than {MaxListed}, the most one listing reads.");
            }
            pools.Add(PoolRecord.FromEntity(row));
        }
        return pools.OrderBy(p => p.PoolId, StringComparer.Ordinal).ToList();
    }
}
