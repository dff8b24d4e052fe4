using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Positions;
using Finance.Domain.Statements;
using Finance.Storage;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using Microsoft.Extensions.Caching.Memory;
using NodaTime;

namespace Finance.Functions.Statements;

/// <summary>A statement or position as the ledger stands, with the version it was drawn from (for ETags).</summary>
/// <param name="Version">Changes whenever anything the answer depends on changes: the set-up, a posting, a close.</param>
public sealed record LedgerView<T>(T Value, string Version, bool MonthClosed);

/// <summary>
/// Statements and pool positions from the ledger. As the ledger stands now they come from the balance rows (one range
/// query) and are cached by ledger version, so repeated reads cost one head read; as at an earlier instant they are
/// computed from the journal up to that instant, so a board paper can be reproduced exactly later.
/// </summary>
public sealed class LedgerViews(LedgerStorage storage, LedgerRepository ledger, PoolSetupStore setups, IClock clock) : IDisposable
{
    /// <summary>Balances (and what is computed from them) kept per pool version; bounded.</summary>
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 256 });

    public void Dispose() => cache.Dispose();

    /// <summary>
    /// The budget statement to <paramref name="month"/>: as the ledger stands (both instants null; drawn now), or as at
    /// <paramref name="asAt"/> (what had happened by then) as known at <paramref name="knownAt"/> (only what had been
    /// recorded by then; null: all recorded so far). Null when the pool changed while being read (the caller answers 503).
    /// </summary>
    public async Task<LedgerView<BudgetStatement>?> StatementAsync(
        PoolRecord pool, FinancialMonth month, Instant? asAt, Instant? knownAt, CancellationToken cancellationToken)
    {
        var (at, known) = Moment(asAt, knownAt);
        return await StateAsync(pool, at, known, cancellationToken) is { } state ? Statement(state, month, at, known) : null;
    }

    /// <summary>The pool position to <paramref name="month"/>, as <see cref="StatementAsync"/> draws the statement.</summary>
    public async Task<LedgerView<PoolPosition>?> PositionAsync(
        PoolRecord pool, FinancialMonth month, Instant? asAt, Instant? knownAt, CancellationToken cancellationToken)
    {
        var (at, known) = Moment(asAt, knownAt);
        return await StateAsync(pool, at, known, cancellationToken) is { } state ? Position(state, month, at, known) : null;
    }

    /// <summary>
    /// Both instants, when either is given, the one left out being now (read once, so that the lines' versions, the
    /// journal read and the statement's face all mean the same moment); neither, when neither is.
    /// </summary>
    private (Instant? AsAt, Instant? KnownAt) Moment(Instant? asAt, Instant? knownAt)
    {
        if (asAt is null && knownAt is null)
        {
            return (null, null);
        }
        var now = clock.GetCurrentInstant();
        return (asAt ?? now, knownAt ?? now);
    }

    /// <summary>The ledger's head as it stood at most a second ago (as a statement as it stands sees it, and never behind a
    /// write made through this instance): whether a month is closed, so a closed month's frozen record can be served
    /// without drawing the open-month view, and its ETag, which every close, reopen and posting changes.</summary>
    public async Task<LedgerHead> RecentHeadAsync(PoolRecord pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        await storage.EnsureCreatedAsync(cancellationToken);
        return await ledger.ReadRecentHeadAsync(new LedgerPartition(new Finance.Domain.Model.PoolId(pool.PoolId), pool.Year), cancellationToken);
    }

    /// <summary>The statement and the position as the ledger stands, from one read of it (the organisation summary).</summary>
    public async Task<(LedgerView<BudgetStatement> Statement, LedgerView<PoolPosition> Position)?> StatementAndPositionAsync(
        PoolRecord pool, FinancialMonth month, CancellationToken cancellationToken) =>
        await StateAsync(pool, null, null, cancellationToken) is { } state
            ? (Statement(state, month, null, null), Position(state, month, null, null))
            : null;

    private LedgerView<BudgetStatement> Statement(
        (LedgerSetup Setup, LedgerHead Head, IReadOnlyList<JournalEntry> Entries, string Version) state, FinancialMonth month, Instant? asAt,
        Instant? knownAt)
    {
        var (setup, head, entries, version) = state;
        var now = clock.GetCurrentInstant();
        var statement = asAt is null && knownAt is null
            ? Cached($"statement|{version}|{month.Number}", () => Checked(BudgetStatement.Compute(setup.Pool, setup.Lines, entries, month, head.LatestPostedAt ?? now)))
                with { Period = new StatementPeriod(month, now, now) }
            : Checked(BudgetStatement.Compute(setup.Pool, setup.Lines, entries, month, asAt!.Value, knownAt!.Value));
        return new LedgerView<BudgetStatement>(statement, $"{version}-m{month.Number}", head.IsClosed(month));
    }

    private LedgerView<PoolPosition> Position(
        (LedgerSetup Setup, LedgerHead Head, IReadOnlyList<JournalEntry> Entries, string Version) state, FinancialMonth month, Instant? asAt,
        Instant? knownAt)
    {
        var (setup, head, entries, version) = state;
        var now = clock.GetCurrentInstant();
        var position = asAt is null && knownAt is null
            ? Cached($"position|{version}|{month.Number}", () => PoolPosition.Compute(setup.Pool, setup.Lines, entries, month, head.LatestPostedAt ?? now))
                with { Period = new StatementPeriod(month, now, now) }
            : PoolPosition.Compute(setup.Pool, setup.Lines, entries, month, asAt!.Value, knownAt!.Value);
        return new LedgerView<PoolPosition>(position, $"{version}-m{month.Number}", head.IsClosed(month));
    }

    /// <summary>
    /// The set-up and the entries: for an as-at and known-at (both or neither, see <see cref="Moment"/>), the lines in
    /// effect then as known then and the journal recorded up to <paramref name="knownAt"/> (the statement leaves out what
    /// took effect after the as-at); else the set-up as it is and the balances' equivalent of the journal.
    /// </summary>
    private async Task<(LedgerSetup Setup, LedgerHead Head, IReadOnlyList<JournalEntry> Entries, string Version)?> StateAsync(
        PoolRecord pool, Instant? asAt, Instant? knownAt, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        // As at an instant, or as known at one, the lines are those in effect then as known then (their versions).
        var built = asAt is { } at && knownAt is { } known
            ? await setups.AsAtAsync(pool, at, known, cancellationToken)
            : await setups.ForReadingAsync(pool, cancellationToken);
        if (built is null)
        {
            return null;
        }
        var setup = built.Value.Ledger;
        // As the ledger stands, the head this instance read within the last second will do (nothing posted through it
        // since): the product owner's bound on how far behind other instances a statement may be.
        var head = asAt is null && knownAt is null
            ? await ledger.ReadRecentHeadAsync(setup.Partition, cancellationToken)
            : await ledger.ReadHeadAsync(setup.Partition, cancellationToken);
        var version = $"v{pool.SetupVersion}-s{head.Seq}-c{string.Join('.', head.ClosedMonths.Select(m => m.Number))}";
        if (asAt is not null || knownAt is not null)
        {
            var journal = await ledger.ReadAllEntriesAsync(setup.Partition, knownAt, cancellationToken);
            return (setup, head, journal.Select(e => e.Entry).ToList(),
                $"{version}-a{asAt?.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture)}-k{knownAt?.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture)}");
        }
        var key = $"balances|{setup.Partition.PartitionKey}|{version}";
        if (!cache.TryGetValue(key, out IReadOnlyList<JournalEntry>? entries) || entries is null)
        {
            var balances = await ledger.ReadBalancesAsync(setup.Partition, cancellationToken);
            // Another posting may have landed since the head was read: the version names what was read.
            head = balances.Head;
            version = $"v{pool.SetupVersion}-s{head.Seq}-c{string.Join('.', head.ClosedMonths.Select(m => m.Number))}";
            key = $"balances|{setup.Partition.PartitionKey}|{version}";
            entries = balances.AsJournal();
            cache.Set(key, entries, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        }
        return (setup, head, entries, $"{setup.Partition.PartitionKey}-{version}");
    }

    /// <summary>A statement whose identities do not hold is never shown: it would mean the ledger is wrong.</summary>
    private static BudgetStatement Checked(BudgetStatement statement) =>
        statement.CheckIdentities() is { Count: > 0 } failures
            ? throw new LedgerInvariantException(
                $"The statement of {statement.Pool} to {statement.Month} breaks its identities: {string.Join("; ", failures.Select(f => $"{f.Identity}: {f.Detail}"))}")
            : statement;

    private T Cached<T>(string key, Func<T> compute)
        where T : class
    {
        if (cache.TryGetValue(key, out T? value) && value is not null)
        {
            return value;
        }
        value = compute();
        cache.Set(key, value, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        return value;
    }
}
