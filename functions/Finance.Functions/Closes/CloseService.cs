using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
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
    NextYearDepends,
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
                if (month.Number == 12 && (YearEndProblem(setup.Ledger, entries, by) ?? await NextYearClosedAsync(setup.Ledger.Pool, cancellationToken)) is { } impossible)
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
            var yearEnd = month.Number == 12 ? await YearEndAsync(setup, frozen, at, by, links, cancellationToken) : null;
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

    /// <summary>The id prefix of every entry that closes of <paramref name="year"/>'s month 12 post into next year.</summary>
    public static string YearEndPrefix(FinancialYear year)
    {
        ArgumentNullException.ThrowIfNull(year);
        return $"year-end-{year.StartYear}-{year.EndYear % 100:00}-";
    }

    /// <summary>
    /// What next year's ledger carries into each stream from closes of <paramref name="year"/>'s month 12: the entries
    /// those closes posted (year-end source, this year's id prefix). A correction a person posts into next year is next
    /// year's own decision, shown in its journal, and is not counted here.
    /// </summary>
    public static IReadOnlyDictionary<string, long> CarriedFrom(FinancialYear year, IEnumerable<StoredEntry> nextYear)
    {
        ArgumentNullException.ThrowIfNull(nextYear);
        var prefix = YearEndPrefix(year);
        return nextYear
            .Select(e => e.Entry)
            .Where(e => e.Source == EntrySource.YearEnd && e.Id.Value.StartsWith(prefix, StringComparison.Ordinal) && e.Stream is not null)
            .GroupBy(e => e.Stream!.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Amount.Value), StringComparer.Ordinal);
    }

    /// <summary>Why the year's carry-forward can no longer be posted (next year's opening month is closed), or null.</summary>
    private async Task<string?> NextYearClosedAsync(Pool pool, CancellationToken cancellationToken)
    {
        var next = pool.Year.Next;
        var head = await ledger.ReadHeadAsync(new LedgerPartition(pool.Id, next), cancellationToken);
        return head.IsClosed(next.Month(1))
            ? $"{next.Month(1)} is closed, and its frozen statements count what {pool.Year} carried forward: reopen it first."
            : null;
    }

    /// <summary>
    /// Closing month 12 closes the year: settles it on its outturn under the agreement and posts the carry-forward into
    /// next year's ledger (the same pool, a year on). The first close posts the carry-forward entries the domain gives,
    /// once: under a fixed idempotency key, with the ids the domain gives them. A later close of month 12 (after it was
    /// reopened for, say, a late invoice) posts into each stream the difference between what it carries and what the
    /// earlier closes carried, as adjustments of the carry-forward that name the earlier close and are named by this one,
    /// so next year's ledger always carries what the latest close of month 12 says. Repeating a close (a retry, a second
    /// request racing the first) posts nothing twice: the key is fixed by how many closes of month 12 came before, and
    /// the difference is taken from the ledger as it stands.
    /// </summary>
    private async Task<YearEndRecord> YearEndAsync(
        (StoredSetup Stored, LedgerSetup Ledger) setup, IReadOnlyList<JournalEntry> frozen, Instant at, string by, IReadOnlyList<StoredLink> links,
        CancellationToken cancellationToken)
    {
        var result = YearEndClose.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozen, at, by);
        var nextRecord = setup.Stored.Pool with { Year = result.Year.Next };
        var nextPool = StoredSetup.ToDomainPool(nextRecord, setup.Ledger.Pool.Organisations.ToDictionary(o => o.Id.Value, StringComparer.Ordinal));
        var nextSetup = new LedgerSetup(nextPool, setup.Stored.Lines.Select(l => StoredSetup.ToDomainLine(nextPool, l)).ToList(), setup.Ledger.Version);
        var wanted = result.CarryForwardEntries
            .GroupBy(e => e.Stream!.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => e.Amount.Value), StringComparer.Ordinal);
        var earlier = links.Where(l => l.Link.Month == 12 && l.Link.Kind == CloseEventKind.Close).ToList();
        IReadOnlyList<string> posted;
        long? carriedBefore = null;
        if (earlier.Count == 0)
        {
            await PostYearEndAsync(nextSetup, result.CarryForwardEntries, $"year-end-{result.Year.StartYear}", cancellationToken);
            posted = result.CarryForwardEntries.Select(e => e.Id.Value).ToList();
        }
        else
        {
            var nextEntries = await ledger.ReadAllEntriesAsync(nextSetup.Partition, cancellationToken: cancellationToken);
            var before = CarriedFrom(result.Year, nextEntries);
            carriedBefore = before.Values.Sum();
            var stem = $"{YearEndPrefix(result.Year)}close-{earlier.Count + 1}-";
            var adjustments = new List<JournalEntry>();
            foreach (var stream in wanted.Keys.Union(before.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                var now = wanted.GetValueOrDefault(stream);
                var was = before.GetValueOrDefault(stream);
                if (now != was)
                {
                    adjustments.Add(new JournalEntry(
                        new EntryId($"{stem}{adjustments.Count + 1}"), nextPool.Id, nextPool.Year.Month(1), EntryKind.Adjustment, new Pence(now - was), by, at,
                        EntrySource.YearEnd, stream: new FundingStreamId(stream), adjustsKind: EntryKind.CarryForwardIn,
                        reason: $"Month 12 of {result.Year} closed again after it was reopened: it carries {now}p into this stream, " +
                            $"where the closes of month 12 before it carried {was}p (the latest: {earlier[^1].BlobName}).",
                        reference: $"Year end {result.Year}", memo: $"{result.Year} carry-forward adjusted by close {earlier.Count + 1} of month 12"));
                }
            }
            await PostYearEndAsync(nextSetup, adjustments, $"year-end-{result.Year.StartYear}-close-{earlier.Count + 1}", cancellationToken);
            // A retry of this close finds its adjustments already in the ledger (and posts none): they are still its own.
            posted = nextEntries.Select(e => e.Entry.Id.Value).Where(id => id.StartsWith(stem, StringComparison.Ordinal))
                .Concat(adjustments.Select(e => e.Id.Value)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
        return new YearEndRecord(
            result.TotalBudget.Value, result.TotalOutturn.Value, result.CarriedForward.Value, result.ReturnedToPartners.Value, result.PaidByPartners.Value,
            result.Unaccounted.Value,
            result.Settlement.Select(x => new SettlementRecord(x.Partner.Value, x.Name, x.OverspendPayable.Value, x.UnderspendReturned.Value, x.Net.Value)).ToList(),
            posted, nextSetup.Partition.PartitionKey,
            wanted.OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new CarriedRecord(w.Key, w.Value)).ToList(),
            earlier.Count == 0 ? null : earlier[^1].BlobName, carriedBefore);
    }

    private async Task PostYearEndAsync(LedgerSetup nextSetup, IReadOnlyList<JournalEntry> entries, string keyStem, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }
        foreach (var run in PostingSize.Split(entries, withIdempotency: true).Select((entries, i) => (entries, i)))
        {
            var key = $"{keyStem}-{run.i}";
            await ledger.PostAsync(nextSetup, run.entries, new IdempotencyRequest(key, MonthEndService.SystemPrincipal, key,
                receipt => new StoredResponse(StatusCodes.Status201Created, $"{{\"posting\":{receipt.Posting}}}")), cancellationToken);
        }
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
            if (month.Number == 12 && await NextYearClosedAsync(setup.Ledger.Pool, cancellationToken) is { } depends)
            {
                return new CloseOutcome(CloseOutcomeKind.NextYearDepends, null, [],
                    $"Month 12 closed the year, and a re-close would change what it carried forward. {depends}");
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

    /// <summary>The chain of closes and reopenings of a pool's year, in order; a
    /// <see cref="FrozenRecordIntegrityException"/> when the chain does not vouch for every link.</summary>
    public async Task<IReadOnlyList<StoredLink>> ChainAsync(string poolId, FinancialYear year, CancellationToken cancellationToken) =>
        (await chain.ReadCheckedAsync(poolId, year, cancellationToken)).Select(l => l.Confirmed).ToList();

    /// <summary>
    /// The latest frozen statement of a closed month, or null when the month is not closed (or never was frozen). Served
    /// as the board's record only when the chain vouches for it (its hash is the one the next link, or the tip, records):
    /// otherwise a <see cref="FrozenRecordIntegrityException"/>, never the altered figures.
    /// </summary>
    public async Task<StoredLink?> FrozenAsync(string poolId, FinancialMonth month, CancellationToken cancellationToken)
    {
        var links = await chain.ReadCheckedAsync(poolId, month.Year, cancellationToken);
        var latest = links.LastOrDefault(l => l.Stored.Link.Month == month.Number);
        return latest?.Stored.Link.Kind == CloseEventKind.Close ? latest.Confirmed : null;
    }

    /// <summary>The frozen CSV, refused unless it hashes to what its close recorded.</summary>
    public Task<byte[]> FrozenCsvAsync(StoredLink frozen, CancellationToken cancellationToken) => chain.ReadCheckedCsvAsync(frozen, cancellationToken);

    /// <summary>
    /// The frozen statement recomputed from the journal (entries up to the lock, as at the close), for the workbook;
    /// refused (<see cref="FrozenRecordIntegrityException"/>) when the journal no longer gives the frozen figures, so a
    /// workbook never shows other figures than the record.
    /// </summary>
    public async Task<BudgetStatement?> FrozenStatementAsync(StoredLink frozen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frozen);
        if (await SetupAsync(frozen.Link.PoolId, cancellationToken) is not { } setup)
        {
            return null;
        }
        var entries = await ledger.ReadAllEntriesAsync(setup.Ledger.Partition, cancellationToken: cancellationToken);
        var frozenEntries = entries.Where(e => e.Seq <= frozen.Link.LedgerSeq).Select(e => e.Entry).ToList();
        var statement = BudgetStatement.Compute(setup.Ledger.Pool, setup.Ledger.Lines, frozenEntries, setup.Ledger.Pool.Year.Month(frozen.Link.Month), frozen.Link.At);
        if (Differences(frozen.Link.Statement!, FrozenStatement.From(statement)).FirstOrDefault() is { } difference)
        {
            throw new FrozenRecordIntegrityException(frozen.BlobName, $"the journal no longer gives its figures: {difference}");
        }
        return statement;
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
        IReadOnlyList<StoredLink> links;
        try
        {
            links = await chain.ReadAsync(poolId, year, fresh: true, cancellationToken);
        }
        catch (FrozenRecordIntegrityException e)
        {
            // A link that no longer reads back at all: nothing after it can be checked until it is restored.
            return new ChainVerification(poolId, year.ToString(), 0, 0, [$"{e.BlobName}: {e.Reason}"]);
        }
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
        if (links.LastOrDefault(l => l.Link.Month == 12 && l.Link.Kind == CloseEventKind.Close) is { Link.YearEnd: not null } yearEnd)
        {
            var frozen = setup.Ledger.Pool.Year == year ? entries.Where(e => e.Seq <= yearEnd.Link.LedgerSeq).Select(e => e.Entry).ToList() : null;
            problems.AddRange(await YearEndProblemsAsync(setup.Ledger, year, yearEnd, frozen, cancellationToken));
        }
        return new ChainVerification(poolId, year.ToString(), links.Count, recomputed, problems);
    }

    /// <summary>
    /// The year end across the two years, as the latest close of month 12 recorded it: every penny of budget less
    /// outturn carried, returned or paid; the figures the journal gives again (when this year's journal is at hand); and
    /// next year's ledger carrying, stream by stream, what the record says it carries.
    /// </summary>
    private async Task<IReadOnlyList<string>> YearEndProblemsAsync(
        LedgerSetup setup, FinancialYear year, StoredLink close, IReadOnlyList<JournalEntry>? frozen, CancellationToken cancellationToken)
    {
        var record = close.Link.YearEnd!;
        var problems = new List<string>();
        var unaccounted = record.TotalBudgetPence - record.TotalOutturnPence
            - (record.CarriedForwardPence + record.ReturnedToPartnersPence - record.PaidByPartnersPence);
        if (unaccounted != 0 || record.UnaccountedPence != 0)
        {
            problems.Add($"{close.BlobName}: budget − outturn − (carried + returned − paid) is {unaccounted}p, recorded as {record.UnaccountedPence}p; it must be 0.");
        }
        if (frozen is not null)
        {
            var again = YearEndClose.Compute(setup.Pool, setup.Lines, frozen, close.Link.At, close.Link.By);
            foreach (var (what, recorded, now) in new (string, long, long)[]
            {
                ("total budget", record.TotalBudgetPence, again.TotalBudget.Value), ("outturn", record.TotalOutturnPence, again.TotalOutturn.Value),
                ("carried forward", record.CarriedForwardPence, again.CarriedForward.Value),
                ("returned to partners", record.ReturnedToPartnersPence, again.ReturnedToPartners.Value),
                ("paid by partners", record.PaidByPartnersPence, again.PaidByPartners.Value),
            })
            {
                if (recorded != now)
                {
                    problems.Add($"{close.BlobName}: the year end's {what} is recorded as {recorded}p but the journal gives {now}p.");
                }
            }
        }
        if (!LedgerPartition.TryParse(record.NextYearPartition, out var next) || next.Pool != setup.Pool.Id || next.Year != year.Next)
        {
            problems.Add($"{close.BlobName}: next year's ledger '{record.NextYearPartition}' is not {year.Next}'s ledger of this pool.");
            return problems;
        }
        var carried = CarriedFrom(year, await ledger.ReadAllEntriesAsync(next, cancellationToken: cancellationToken));
        if (carried.Values.Sum() != record.CarriedForwardPence)
        {
            problems.Add($"{year.Next}'s ledger carries {carried.Values.Sum()}p from {year}'s year end, but the latest close of month 12 " +
                $"({close.BlobName}) carried {record.CarriedForwardPence}p: budget − outturn − (carried + returned − paid) across the two years is " +
                $"{record.CarriedForwardPence - carried.Values.Sum()}p, not 0.");
        }
        foreach (var stream in record.Carried ?? [])
        {
            if (carried.GetValueOrDefault(stream.Stream) != stream.Pence)
            {
                problems.Add($"{year.Next}'s ledger carries {carried.GetValueOrDefault(stream.Stream)}p into stream '{stream.Stream}' from {year}, " +
                    $"but {close.BlobName} carried {stream.Pence}p.");
            }
        }
        foreach (var extra in carried.Keys.Where(k => record.Carried is not null && record.Carried.All(c => c.Stream != k) && carried[k] != 0))
        {
            problems.Add($"{year.Next}'s ledger carries {carried[extra]}p into stream '{extra}' from {year}, but {close.BlobName} carried nothing there.");
        }
        return problems;
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
