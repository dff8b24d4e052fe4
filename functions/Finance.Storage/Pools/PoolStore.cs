using Azure.Data.Tables;

namespace Finance.Storage.Pools;

/// <summary>Pool rows: read for access decisions, created and replaced with If-Match, and listed for month end and the
/// organisation summary.</summary>
public sealed class PoolStore(LedgerStorage storage)
{
    /// <summary>The most pools one listing reads: far above a partnership's few dozen, bounded all the same.</summary>
    public const int MaxListed = 10_000;

    private TableClient Table => storage.Table(StorageNames.PoolsTable);

    /// <summary>How far behind a pool row read for a request that changes nothing may be on an instance other than the
    /// one that changed it: the statements' bound (a second), well within the 30 seconds access decisions may lag.</summary>
    public static readonly TimeSpan ReadsBehindBy = Ledger.LedgerRepository.StatementsBehindBy;

    /// <summary>The pool, or null when there is none with that id. <paramref name="poolId"/> must already be a valid id.</summary>
    public async Task<PoolRecord?> GetAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var began = RecentReads.Now();
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, PoolRecord.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var pool = found.HasValue ? PoolRecord.FromEntity(found.Value!) : null;
        if (pool is not null)
        {
            storage.RecentPools.Offer(poolId, pool, began);
        }
        return pool;
    }

    /// <summary>
    /// The pool as this instance read it less than <see cref="ReadsBehindBy"/> ago, with no change to it made here
    /// since; else read now. For requests that change nothing: a write decides on the row as it is
    /// (<see cref="GetAsync"/>), and writes with If-Match on it.
    /// </summary>
    public async Task<PoolRecord?> GetRecentAsync(string poolId, CancellationToken cancellationToken) =>
        storage.RecentPools.Get(poolId, ReadsBehindBy) ?? await GetAsync(poolId, cancellationToken).ConfigureAwait(false);

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
        finally
        {
            storage.RecentPools.Written(pool.PoolId);
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
        finally
        {
            storage.RecentPools.Written(current.PoolId);
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
