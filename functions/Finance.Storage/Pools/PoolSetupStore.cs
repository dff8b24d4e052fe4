using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Model;
using Finance.Storage.Directory;
using Finance.Storage.Ledger;
using NodaTime;

namespace Finance.Storage.Pools;

/// <summary>
/// Reads and writes a pool's set-up in its partition of the Pools table: the pool row (name, parties, streams, agreement,
/// set-up version) and one row per line. Every change rewrites the pool row with If-Match and a new set-up version, in
/// the same entity group transaction as the line it changes, so the set-up has one version at a time.
/// </summary>
public sealed class PoolSetupStore(LedgerStorage storage, OrganisationStore organisations)
{
    /// <summary>How long a cached set-up may show an organisation's old name; its structure is never stale (ETag).</summary>
    public static readonly TimeSpan OrganisationNamesFor = TimeSpan.FromSeconds(30);

    /// <summary>Set-ups kept for postings, by pool; an entry is good while the pool row's ETag is the one it was built from.</summary>
    private readonly ConcurrentDictionary<string, (ETag ETag, DateTimeOffset BuiltAt, StoredSetup Stored, LedgerSetup Ledger)> cache = new(StringComparer.Ordinal);

    private TableClient Table => storage.Table(StorageNames.PoolsTable);

    /// <summary>The pool row and every line row, in one query of the pool's partition.</summary>
    public async Task<StoredSetup?> ReadAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        PoolRecord? pool = null;
        var lines = new List<LineDocument>();
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {poolId} and ((RowKey eq {PoolRecord.RowKey}) or (RowKey ge {LineDocument.RowPrefix} and RowKey lt {LineDocument.RowPrefix + "\uffff"}))");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == PoolRecord.RowKey)
            {
                pool = PoolRecord.FromEntity(row);
            }
            else
            {
                lines.Add(LineDocument.FromEntity(row));
            }
        }
        return pool is null ? null : new StoredSetup(pool, lines.OrderBy(l => l.LineId, StringComparer.Ordinal).ToList());
    }

    /// <summary>Every version of one part of the pool row (of every part, when null), in the order they were recorded.</summary>
    public async Task<IReadOnlyList<PoolPartVersion>> ReadPartVersionsAsync(string poolId, string? part, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        return await PoolPartVersions.ReadAsync(Table, poolId, part, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every version of every line of the pool (of one line, when given), in the order they were recorded.</summary>
    public async Task<IReadOnlyList<LineVersion>> ReadLineVersionsAsync(string poolId, string? lineId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var prefix = LineVersion.PrefixOf(lineId);
        var versions = new List<LineVersion>();
        var filter = KeyRanges.StartingWith(poolId, prefix);
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            versions.Add(LineVersion.FromEntity(row));
        }
        return versions.OrderBy(v => v.SetupVersion).ToList();
    }

    /// <summary>
    /// The set-up as at <paramref name="asAt"/> as known at <paramref name="knownAt"/>: the pool's name, streams and
    /// agreement in effect then (<see cref="PoolPartVersion.InEffect"/>), its organisations named as they were
    /// (<see cref="OrganisationStore.GetManyAsAtAsync"/>), and each line's version in effect
    /// (<see cref="LineVersion.InEffect"/>). Parties are as they are now. A version the pool as it is now cannot hold
    /// (a host since removed) is shown as it is now, rather than not at all.
    /// </summary>
    public async Task<(StoredSetup Stored, LedgerSetup Ledger)?> AsAtAsync(PoolRecord pool, Instant asAt, Instant knownAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (await ForReadingAsync(pool, cancellationToken).ConfigureAwait(false) is not { } now)
        {
            return null;
        }
        var lineVersions = ReadLineVersionsAsync(pool.PoolId, null, cancellationToken);
        var partVersions = PoolPartVersions.ReadAsync(Table, pool.PoolId, null, cancellationToken);
        var record = PoolPartVersion.InEffect(now.Stored.Pool, await partVersions.ConfigureAwait(false), asAt, knownAt);
        var then = now.Stored with { Pool = record };
        var directory = await organisations.GetManyAsAtAsync(then.OrganisationIds, asAt, knownAt, cancellationToken).ConfigureAwait(false);
        Pool domainPool;
        try
        {
            domainPool = StoredSetup.ToDomainPool(record, directory);
        }
        catch (ArgumentException)
        {
            (then, domainPool) = (now.Stored, StoredSetup.ToDomainPool(now.Stored.Pool, directory));
        }
        var lines = new List<(LineDocument Stored, BudgetLine Domain)>();
        foreach (var version in LineVersion.InEffect(now.Stored.Lines, await lineVersions.ConfigureAwait(false), asAt, knownAt))
        {
            lines.Add(DomainLine(domainPool, version) ?? DomainLine(domainPool, now.Stored.Line(version.LineId)!)
                ?? (now.Stored.Line(version.LineId)!, now.Ledger.Lines.Single(l => l.Id.Value == version.LineId)));
        }
        return (then with { Lines = lines.Select(l => l.Stored).ToList() },
            new LedgerSetup(domainPool, lines.Select(l => l.Domain).ToList(), pool.SetupVersion));
    }

    private static (LineDocument Stored, BudgetLine Domain)? DomainLine(Pool pool, LineDocument line)
    {
        try
        {
            return (line, StoredSetup.ToDomainLine(pool, line));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The stored set-up and the domain's view of it (organisations named from the directory), as it is now; null
    /// when there is no such pool.</summary>
    public async Task<(StoredSetup Stored, LedgerSetup Ledger)?> ReadWithLedgerAsync(string poolId, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(poolId, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }
        var directory = await organisations.GetManyAsync(stored.OrganisationIds, cancellationToken).ConfigureAwait(false);
        try
        {
            return (stored, stored.ToLedgerSetup(directory));
        }
        catch (ArgumentException e)
        {
            throw new StorageInvariantException($"{StorageNames.PoolsTable} {poolId}/*", $"the stored set-up does not make a valid pool: {e.Message}", e);
        }
    }

    /// <summary>
    /// The set-up for posting, for the pool version access was decided on (<paramref name="pool"/>): from the cache when
    /// the pool row has not changed since, else read again. Null if the pool changed in between (the caller re-reads).
    /// </summary>
    public Task<(StoredSetup Stored, LedgerSetup Ledger)?> ForPostingAsync(PoolRecord pool, CancellationToken cancellationToken) =>
        CachedAsync(pool, exactly: true, cancellationToken);

    /// <summary>
    /// The set-up for a request that changes nothing, read with <paramref name="pool"/> as this instance last saw it (at
    /// most a second old, <see cref="PoolStore.GetRecentAsync"/>): from the cache when the pool row has not changed
    /// since, else as read now, even when that is newer than <paramref name="pool"/>. Null only when the pool is gone.
    /// </summary>
    public Task<(StoredSetup Stored, LedgerSetup Ledger)?> ForReadingAsync(PoolRecord pool, CancellationToken cancellationToken) =>
        CachedAsync(pool, exactly: false, cancellationToken);

    private async Task<(StoredSetup Stored, LedgerSetup Ledger)?> CachedAsync(PoolRecord pool, bool exactly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (cache.TryGetValue(pool.PoolId, out var cached) && cached.ETag == pool.ETag && DateTimeOffset.UtcNow - cached.BuiltAt < OrganisationNamesFor)
        {
            return (cached.Stored, cached.Ledger);
        }
        if (await ReadWithLedgerAsync(pool.PoolId, cancellationToken).ConfigureAwait(false) is not { } read)
        {
            return null;
        }
        var (stored, ledger) = read;
        cache[pool.PoolId] = (stored.Pool.ETag, DateTimeOffset.UtcNow, stored, ledger);
        // Access was decided on the version the caller read; if the pool changed since, a write may not stand on it.
        return !exactly || stored.Pool.ETag == pool.ETag ? (stored, ledger) : null;
    }

    /// <summary>Replaces the pool row (a new set-up version) and, when given, puts one line row with a new version of the
    /// line, atomically, with a version of each part of the pool row that changed (<see cref="PoolPartVersion"/>); each
    /// version in effect from <paramref name="change"/>'s effective instant. <paramref name="replacing"/> is the line row
    /// the put replaces, as read with <paramref name="current"/> (null for a new line). Throws
    /// <see cref="StaleRecordException"/> when the pool row is no longer at <paramref name="current"/>'s version.</summary>
    public async Task<PoolRecord> WriteAsync(
        PoolRecord current, PoolRecord next, LineDocument? line, LineDocument? replacing, SetupChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(change);
        var updated = next with { SetupVersion = current.SetupVersion + 1 };
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateReplace, updated.ToEntity(), current.ETag),
        };
        if (line is not null)
        {
            actions.Add(new(replacing is null ? TableTransactionActionType.Add : TableTransactionActionType.UpsertReplace, line.ToEntity(current.PoolId)));
            // A line stored before versions were kept first gets a baseline of what it was, so the put does not reach back.
            // (The pool row's If-Match makes the row read with it the one the put replaces.)
            if (replacing is not null
                && !await KeyRanges.AnyAsync(Table, current.PoolId, LineVersion.PrefixOf(line.LineId), cancellationToken).ConfigureAwait(false))
            {
                actions.Add(new(TableTransactionActionType.Add, LineVersion.BaselineOf(replacing, current.SetupVersion).ToEntity(current.PoolId)));
            }
            var version = new LineVersion(line, line.UpdatedAt, change.EffectiveFrom ?? line.UpdatedAt, line.UpdatedBy, updated.SetupVersion);
            actions.Add(new(TableTransactionActionType.Add, version.ToEntity(current.PoolId)));
        }
        actions.AddRange(await PoolPartVersions.ActionsAsync(Table, current, updated, updated.SetupVersion, change, cancellationToken).ConfigureAwait(false));
        try
        {
            var responses = await TableTransactions.SubmitAsync(Table, actions, cancellationToken).ConfigureAwait(false);
            cache.TryRemove(current.PoolId, out _);
            return updated with { ETag = responses[0].Headers.ETag ?? default };
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404)
        {
            throw new StaleRecordException($"Pool '{current.PoolId}' changed while its set-up was being written.", e);
        }
        finally
        {
            storage.RecentPools.Written(current.PoolId);
        }
    }
}
