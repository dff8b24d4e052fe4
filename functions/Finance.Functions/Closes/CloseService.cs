using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Reconciliation;
using Finance.Domain.Statements;
using Finance.Domain.YearEnd;
using Finance.Functions.Statements;
using Finance.Storage;
using Finance.Storage.Closes;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Closes;

public enum CloseOutcomeKind
{
    Closed,
    AlreadyClosed,
    Reopened,
    NotEnded,
    PreviousOpen,
    LaterClosed,
    NotClosed,
    Blocked,
    YearEndImpossible,
}

/// <param name="Link">The link written (or the existing one for a month already closed).</param>
/// <param name="Findings">For a refusal because of blocking findings: all the findings.</param>
public sealed record CloseOutcome(CloseOutcomeKind Kind, StoredLink? Link, IReadOnlyList<FindingRecord> Findings, string Detail);

/// <summary>What verification found: how many links, and every difference or break (empty when the chain holds).</summary>
public sealed record ChainVerification(string PoolId, string FinancialYear, int Links, int ClosesRecomputed, IReadOnlyList<string> Problems)
{
    public bool Holds => Problems.Count == 0;
}

/// <summary>
/// Month-end close of a pool: reconcile, lock, freeze the statement in the chain of closes; reopen with a reason; verify
/// the chain against the journal. Accruals need no entries: an accrual counts only at the end of its own month (the
/// domain's rule), so closing month M is what reverses M's outstanding accruals into M+1; the close records their total.
/// </summary>
public sealed class CloseService(
    LedgerStorage storage, LedgerRepository ledger, PoolSetupStore setups, CloseChain chain, ControlTotalStore controlTotals,
    IClock clock)
{
    private const int MaxAppendAttempts = 5;

    public async Task<(StoredSetup Stored, LedgerSetup Ledger)?> SetupAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        return await setups.ReadWithLedgerAsync(poolId, cancellationToken);
    }

    /// <summary>The findings for the month as the ledger stands now.</summary>
    public async Task<ReconciliationReport?> ReconcileAsync(string poolId, FinancialMonth month, CancellationToken cancellationToken)
    {
        if (await SetupAsync(poolId, cancellationToken) is not { } setup)
        {
            return null;
        }
        var entries = await ledger.ReadAllEntriesAsync(setup.Ledger.Partition, cancellationToken: cancellationToken);
        var links = await chain.ReadAsync(poolId, month.Year, cancellationToken);
        var totals = await controlTotals.ForMonthAsync(poolId, month, cancellationToken);
        return Reconcile(setup.Ledger, entries, month, clock.GetCurrentInstant(), links, totals);
    }

    /// <summary>
    /// Closes the month: refuses a month not yet ended, one whose previous month is open, or (without an override reason)
    /// one with blocking findings; locks it; freezes the statement. Closing a closed month changes nothing; a close that
    /// stopped after locking (a crash) is completed.
    /// </summary>
    public async Task<CloseOutcome?> CloseAsync(PoolRecord pool, FinancialMonth month, string by, string? overrideReason, CancellationToken cancellationToken)
    {
        if (LondonTime.Today(clock) <= month.PeriodEnd)
        {
            return new CloseOutcome(CloseOutcomeKind.NotEnded, null, [],
                $"{month} ends on {month.PeriodEnd:d MMMM yyyy}; it can be closed from the day after.");
        }
        for (var attempt = 1; ; attempt++)
        {
            if (await SetupAsync(pool.PoolId, cancellationToken) is not { } setup)
            {
                return null;
            }
            var partition = setup.Ledger.Partition;
            var head = await ledger.ReadHeadAsync(partition, cancellationToken);
            var links = await chain.ReadAsync(pool.PoolId, month.Year, cancellationToken);
            var latest = links.LastOrDefault(l => l.Link.Month == month.Number);
            if (head.IsClosed(month) && latest?.Link.Kind == CloseEventKind.Close)
            {
                return new CloseOutcome(CloseOutcomeKind.AlreadyClosed, latest, latest.Link.Findings, $"{month} is already closed.");
            }
            if (month.Number > 1 && !head.IsClosed(month.Previous))
            {
                return new CloseOutcome(CloseOutcomeKind.PreviousOpen, null, [], $"{month.Previous} is still open; months close in order.");
            }
            var entries = await ledger.ReadAllEntriesAsync(partition, cancellationToken: cancellationToken);
            var report = Reconcile(setup.Ledger, entries, month, clock.GetCurrentInstant(), links, await controlTotals.ForMonthAsync(pool.PoolId, month, cancellationToken));
            var findings = report.Findings.Select(FindingRecord.From).ToList();
            if (!head.IsClosed(month))
            {
                if (report.HasBlocking && string.IsNullOrWhiteSpace(overrideReason))
                {
                    return new CloseOutcome(CloseOutcomeKind.Blocked, null, findings,
                        $"{report.Findings.Count(f => f.Severity == Severity.Blocking)} blocking finding(s) stand; fix them, or close with an override reason.");
                }
                if (month.Number == 12 && YearEndProblem(setup.Ledger, entries, by) is { } impossible)
                {
                    return new CloseOutcome(CloseOutcomeKind.YearEndImpossible, null, findings, impossible);
                }
                var before = head.Seq;
                head = await ledger.CloseMonthAsync(partition, month, cancellationToken);
                if (head.Seq != before || entries.Count != head.Seq)
                {
                    // Something was posted between the read and the lock: freeze what the ledger held at the lock.
                    entries = await ledger.ReadAllEntriesAsync(partition, cancellationToken: cancellationToken);
                }
            }
            // The frozen statement is of the entries up to the lock (any later one is for an open month) as at the close.
            var frozen = entries.Where(e => e.Seq <= head.Seq).Select(e => e.Entry).ToList();
            var at = Instant.FromUnixTimeTicks(Instant.Max(clock.GetCurrentInstant(), frozen.Count == 0 ? Instant.MinValue : frozen.Max(e => e.PostedAt)).ToUnixTimeTicks());
            var statement = BudgetStatement.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozen, month, at);
            var accruals = statement.Totals.YtdAccruals;
            var yearEnd = month.Number == 12 ? await YearEndAsync(setup, frozen, at, by, cancellationToken) : null;
            try
            {
                var link = await chain.AppendAsync(
                    pool.PoolId, month.Year,
                    (seq, previous) => new CloseLink(
                        CloseLink.CurrentFormat, seq, CloseEventKind.Close, pool.PoolId, month.Year.ToString(), month.Number, at, by, null, overrideReason,
                        head.Seq, pool.SetupVersion, previous, FrozenStatement.From(statement), null, null, accruals.Value, findings, yearEnd),
                    _ => StatementCsv.Write(statement, withPence: true),
                    cancellationToken);
                return new CloseOutcome(CloseOutcomeKind.Closed, link, findings, $"{month} closed.");
            }
            catch (StaleRecordException) when (attempt < MaxAppendAttempts)
            {
                // Another close or reopening of this pool moved the chain: read again and decide again.
            }
        }
    }

    /// <summary>Why the year cannot be closed as it stands (no carried-forward stream for an underspend the agreement keeps), or null.</summary>
    private static string? YearEndProblem(LedgerSetup setup, IReadOnlyList<StoredEntry> entries, string by)
    {
        try
        {
            YearEndClose.Compute(setup.Pool, setup.Lines, entries.Select(e => e.Entry).ToList(), Instant.MaxValue, by);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Closing month 12 closes the year: settles it on its outturn under the agreement and posts the carry-forward entries
    /// into next year's ledger (the same pool, a year on), once: under a fixed idempotency key, with the ids the domain
    /// gives them, so a repeated close posts nothing twice.
    /// </summary>
    private async Task<YearEndRecord> YearEndAsync(
        (StoredSetup Stored, LedgerSetup Ledger) setup, IReadOnlyList<JournalEntry> frozen, Instant at, string by, CancellationToken cancellationToken)
    {
        var result = YearEndClose.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozen, at, by);
        var nextRecord = setup.Stored.Pool with { Year = result.Year.Next };
        var nextPool = StoredSetup.ToDomainPool(nextRecord, setup.Ledger.Pool.Organisations.ToDictionary(o => o.Id.Value, StringComparer.Ordinal));
        var nextSetup = new LedgerSetup(nextPool, setup.Stored.Lines.Select(l => StoredSetup.ToDomainLine(nextPool, l)).ToList(), setup.Ledger.Version);
        if (result.CarryForwardEntries.Count > 0)
        {
            foreach (var run in PostingSize.Split(result.CarryForwardEntries, withIdempotency: true).Select((entries, i) => (entries, i)))
            {
                var key = $"year-end-{result.Year.StartYear}-{run.i}";
                await ledger.PostAsync(nextSetup, run.entries, new IdempotencyRequest(key, MonthEndService.SystemPrincipal, key,
                    receipt => new StoredResponse(StatusCodes.Status201Created, $"{{\"posting\":{receipt.Posting}}}")), cancellationToken);
            }
        }
        return new YearEndRecord(
            result.TotalBudget.Value, result.TotalOutturn.Value, result.CarriedForward.Value, result.ReturnedToPartners.Value, result.PaidByPartners.Value,
            result.Unaccounted.Value,
            result.Settlement.Select(x => new SettlementRecord(x.Partner.Value, x.Name, x.OverspendPayable.Value, x.UnderspendReturned.Value, x.Net.Value)).ToList(),
            result.CarryForwardEntries.Select(e => e.Id.Value).ToList(), nextSetup.Partition.PartitionKey);
    }

    /// <summary>Reopens a closed month with a reason; later months must be reopened first. The frozen statement stays.</summary>
    public async Task<CloseOutcome?> ReopenAsync(PoolRecord pool, FinancialMonth month, string by, string reason, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await SetupAsync(pool.PoolId, cancellationToken) is not { } setup)
            {
                return null;
            }
            var partition = setup.Ledger.Partition;
            var head = await ledger.ReadHeadAsync(partition, cancellationToken);
            if (!head.IsClosed(month))
            {
                return new CloseOutcome(CloseOutcomeKind.NotClosed, null, [], $"{month} is not closed.");
            }
            if (month.Number < 12 && head.IsClosed(month.Next))
            {
                return new CloseOutcome(CloseOutcomeKind.LaterClosed, null, [], $"{month.Next} is closed; reopen it first.");
            }
            head = await ledger.ReopenMonthAsync(partition, month, cancellationToken);
            try
            {
                var link = await chain.AppendAsync(
                    pool.PoolId, month.Year,
                    (seq, previous) => new CloseLink(
                        CloseLink.CurrentFormat, seq, CloseEventKind.Reopen, pool.PoolId, month.Year.ToString(), month.Number, clock.GetCurrentInstant(),
                        by, reason, null, head.Seq, pool.SetupVersion, previous, null, null, null, 0, []),
                    null,
                    cancellationToken);
                return new CloseOutcome(CloseOutcomeKind.Reopened, link, [], $"{month} reopened.");
            }
            catch (StaleRecordException) when (attempt < MaxAppendAttempts)
            {
                // The month is open again already; the next try records the reopening on the chain's new tip.
                await ledger.CloseMonthAsync(partition, month, cancellationToken);
            }
        }
    }

    /// <summary>The chain of closes and reopenings of a pool's year, in order.</summary>
    public Task<IReadOnlyList<StoredLink>> ChainAsync(string poolId, FinancialYear year, CancellationToken cancellationToken) =>
        chain.ReadAsync(poolId, year, cancellationToken);

    /// <summary>The latest frozen statement of a closed month, or null when the month is not closed (or never was frozen).</summary>
    public async Task<StoredLink?> FrozenAsync(string poolId, FinancialMonth month, CancellationToken cancellationToken)
    {
        var links = await chain.ReadAsync(poolId, month.Year, cancellationToken);
        var latest = links.LastOrDefault(l => l.Link.Month == month.Number);
        return latest?.Link.Kind == CloseEventKind.Close ? latest : null;
    }

    public Task<byte[]> FrozenCsvAsync(StoredLink frozen, CancellationToken cancellationToken) =>
        chain.ReadBlobAsync(frozen.Link.CsvBlob ?? throw new InvalidOperationException($"{frozen.BlobName} has no CSV."), cancellationToken);

    /// <summary>The frozen statement recomputed from the journal (entries up to the lock, as at the close), for the workbook.</summary>
    public async Task<BudgetStatement?> FrozenStatementAsync(StoredLink frozen, CancellationToken cancellationToken)
    {
        if (await SetupAsync(frozen.Link.PoolId, cancellationToken) is not { } setup)
        {
            return null;
        }
        var entries = await ledger.ReadAllEntriesAsync(setup.Ledger.Partition, cancellationToken: cancellationToken);
        var frozenEntries = entries.Where(e => e.Seq <= frozen.Link.LedgerSeq).Select(e => e.Entry).ToList();
        return BudgetStatement.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozenEntries, setup.Ledger.Pool.Year.Month(frozen.Link.Month), frozen.Link.At);
    }

    /// <summary>
    /// Checks the chain (sequence numbers, each link's hash of the one before, the tip, the CSVs) and recomputes every
    /// frozen statement from the journal (its entries up to the lock, as at the close), reporting any difference.
    /// </summary>
    public async Task<ChainVerification?> VerifyAsync(string poolId, FinancialYear year, CancellationToken cancellationToken)
    {
        if (await SetupAsync(poolId, cancellationToken) is not { } setup)
        {
            return null;
        }
        var links = await chain.ReadAsync(poolId, year, fresh: true, cancellationToken);
        var (tipSeq, tipSha) = await chain.TipAsync(poolId, year, cancellationToken);
        var entries = setup.Ledger.Pool.Year == year
            ? await ledger.ReadAllEntriesAsync(setup.Ledger.Partition, cancellationToken: cancellationToken)
            : [];
        var problems = new List<string>();
        string? previous = null;
        var recomputed = 0;
        for (var i = 0; i < links.Count; i++)
        {
            var (name, link, _, sha) = links[i];
            if (link.Seq != i + 1)
            {
                problems.Add($"{name}: sequence number {link.Seq} where {i + 1} was expected (a link is missing or extra).");
            }
            if (!string.Equals(link.PreviousSha256, previous, StringComparison.Ordinal))
            {
                problems.Add($"{name}: carries previous SHA-256 {link.PreviousSha256 ?? "(none)"}, but the link before it hashes to {previous ?? "(none)"}: the chain is broken here.");
            }
            previous = sha;
            if (link.Kind != CloseEventKind.Close)
            {
                continue;
            }
            if (link.CsvBlob is { } csvName)
            {
                var csv = await chain.ReadBlobIfExistsAsync(csvName, cancellationToken);
                if (csv is null)
                {
                    problems.Add($"{csvName}: missing.");
                }
                else if (CloseChain.Hash(csv) != link.CsvSha256)
                {
                    problems.Add($"{csvName}: its SHA-256 is not the one its close recorded.");
                }
            }
            var month = year.Month(link.Month);
            var frozen = entries.Where(e => e.Seq <= link.LedgerSeq).Select(e => e.Entry).ToList();
            var again = FrozenStatement.From(BudgetStatement.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozen, month, link.At));
            recomputed++;
            foreach (var difference in Differences(link.Statement!, again))
            {
                problems.Add($"{name} ({month}): {difference}");
            }
        }
        if (tipSeq != links.Count || !string.Equals(tipSha, previous, StringComparison.Ordinal))
        {
            problems.Add($"The chain's recorded tip is link {tipSeq} ({tipSha ?? "none"}), but the links read end at {links.Count} ({previous ?? "none"}).");
        }
        return new ChainVerification(poolId, year.ToString(), links.Count, recomputed, problems);
    }

    /// <summary>Every amount that differs between the frozen statement and the one recomputed from the journal.</summary>
    private static IEnumerable<string> Differences(FrozenStatement frozen, FrozenStatement again)
    {
        var recomputed = again.Amounts().ToDictionary(a => a.What, a => a.Pence, StringComparer.Ordinal);
        foreach (var (what, pence) in frozen.Amounts())
        {
            if (!recomputed.TryGetValue(what, out var now))
            {
                yield return $"{what} is frozen as {pence}p but the journal no longer gives it.";
            }
            else if (now != pence)
            {
                yield return $"{what} is frozen as {pence}p but the journal gives {now}p.";
            }
        }
    }

    private static ReconciliationReport Reconcile(
        LedgerSetup setup, IReadOnlyList<StoredEntry> entries, FinancialMonth month, Instant at, IReadOnlyList<StoredLink> links, IReadOnlyList<ControlTotal> totals)
    {
        var closes = links
            .GroupBy(l => l.Link.Month)
            .Select(g => g.Last())
            .Where(l => l.Link.Kind == CloseEventKind.Close)
            .Select(l => new MonthClose(month.Year.Month(l.Link.Month), l.Link.At))
            .ToList();
        var journal = entries.Select(e => e.Entry).Where(e => e.PostedAt <= at).ToList();
        var report = ReconciliationRules.Run(new ReconciliationInput(setup.Pool, setup.Lines, journal, month, at, closes, ReconciliationOptions.Default));
        var controls = ControlTotals.Check(setup, journal, month, totals).ToList();
        return controls.Count == 0 ? report : report with { Findings = report.Findings.Concat(controls).OrderBy(f => f.Severity).ToList() };
    }
}
