using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>
/// The ledger on the Ledger table: one partition per pool and financial year (<see cref="LedgerPartition"/>, rows in
/// <see cref="LedgerRows"/>). A posting writes its entries, the balance rows they move, the head row and the
/// idempotency record in one entity group transaction, with If-Match on every row it read, so no reader sees it
/// half-applied and no concurrent poster's update is lost: whoever loses the race re-reads, re-validates and retries
/// (bounded by <see cref="LedgerOptions.MaxPostAttempts"/>, with jittered back-off).
/// </summary>
public sealed partial class LedgerRepository
{
    private readonly TableClient table;
    private readonly IClock clock;
    private readonly LedgerOptions options;
    private readonly RecentReads<LedgerHead> recent = new();

    /// <summary>How far behind the ledger a statement as it stands may be on an instance other than the one that posted
    /// (the product owner's decision): <see cref="ReadRecentHeadAsync"/> reads the head again after this long.</summary>
    public static readonly TimeSpan StatementsBehindBy = TimeSpan.FromSeconds(1);

    public LedgerRepository(TableClient table, IClock clock, LedgerOptions? options = null)
    {
        this.table = table ?? throw new ArgumentNullException(nameof(table));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        this.options = options ?? new LedgerOptions();
    }

    /// <summary>What a row in a posting's transaction is, so a refusal at an index can be explained.</summary>
    private enum RowRole
    {
        Head,
        Balance,
        Idempotency,
        EntryId,
        Journal,
        Reversed,
    }

    /// <summary>What an Idempotency-Key was first used for in <paramref name="partition"/>, or null.</summary>
    public async Task<IdempotencyRecord?> GetIdempotencyAsync(LedgerPartition partition, string key, string principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(principal);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, IdempotencyRows.RowKey(key, principal), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }
        var record = IdempotencyRows.FromEntity(partition, row.Value!);
        if (record.Key != key || record.Principal != principal)
        {
            throw new LedgerInvariantException($"Idempotency row '{row.Value!.RowKey}' of {partition} is for another key or principal.");
        }
        return record;
    }

    /// <summary>The head row; an empty head (<see cref="LedgerHead.Exists"/> false) for a partition nothing was posted to.</summary>
    public async Task<LedgerHead> ReadHeadAsync(LedgerPartition partition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var began = RecentReads.Now();
        var row = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.Head, cancellationToken: cancellationToken).ConfigureAwait(false);
        var head = row.HasValue ? LedgerHead.FromEntity(partition, row.Value!) : new LedgerHead(partition);
        recent.Offer(partition.PartitionKey, head, began);
        return head;
    }

    /// <summary>
    /// The head as this instance read it less than <see cref="StatementsBehindBy"/> ago, with nothing written through
    /// this instance since; else read now. For the statement as it stands only: anything that writes, or decides
    /// what may be written, reads the head itself (<see cref="ReadHeadAsync"/>).
    /// </summary>
    public async Task<LedgerHead> ReadRecentHeadAsync(LedgerPartition partition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        return recent.Get(partition.PartitionKey, StatementsBehindBy) ?? await ReadHeadAsync(partition, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every balance row and the head, in one range query, checked against each other: the rows' versions must add up
    /// to the head's count (otherwise a posting landed between two pages and the read is retried), and their entry
    /// counts and net amounts to the head's.
    /// </summary>
    public async Task<LedgerBalances> ReadBalancesAsync(LedgerPartition partition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition.PartitionKey} and RowKey ge {LedgerRows.BalancePrefix} and RowKey le {LedgerRows.Head}");
        ETag? previousHead = null;
        for (var attempt = 1; ; attempt++)
        {
            var head = new LedgerHead(partition);
            var balances = new List<Balance>();
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (row.RowKey == LedgerRows.Head)
                {
                    head = LedgerHead.FromEntity(partition, row);
                }
                else
                {
                    balances.Add(Balance.FromEntity(row));
                }
            }
            var versions = balances.Sum(b => b.Version);
            if (versions == head.BalanceVersions)
            {
                CheckBalancesAgainstHead(head, balances);
                return new LedgerBalances(head, balances);
            }
            if (previousHead == head.ETag)
            {
                // Nothing was posted between the two reads, yet they disagree: not a race but a broken ledger.
                throw new LedgerInvariantException($"The balance rows of {partition} add up to version {versions}, but its head says {head.BalanceVersions}.");
            }
            if (attempt == LedgerLimits.MaxReadAttempts)
            {
                throw new LedgerConflictException($"{partition} was posted to during each of {attempt} reads of its balances; retry later.");
            }
            previousHead = head.ETag;
            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One entry by id, or null.</summary>
    public async Task<StoredEntry?> GetEntryAsync(LedgerPartition partition, EntryId id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(id);
        var claim = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.EntryId(id), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!claim.HasValue)
        {
            return null;
        }
        var seq = claim.Value!.GetInt64("Seq") ?? 0;
        if (seq is < 1 or > LedgerRows.MaxSeq)
        {
            throw new LedgerInvariantException($"Entry id '{id}' of {partition} is claimed by seq {seq}.");
        }
        // A claim written with a packed row names the row (keyed by its last entry); one from before names the entry's own.
        var rowSeq = claim.Value.GetInt64("RowSeq") ?? seq;
        if (rowSeq < seq || rowSeq > LedgerRows.MaxSeq)
        {
            throw new LedgerInvariantException($"Entry id '{id}' of {partition} is claimed by seq {seq} in the journal row of seq {rowSeq}.");
        }
        var row = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.Journal(rowSeq), cancellationToken: cancellationToken).ConfigureAwait(false);
        var stored = row.HasValue ? JournalRows.FromJournalEntity(partition, row.Value!).FirstOrDefault(e => e.Seq == seq) : null;
        if (stored?.Entry.Id != id)
        {
            throw new LedgerInvariantException($"Entry id '{id}' of {partition} is claimed by seq {seq}, which holds {stored?.Entry.Id.Value ?? "nothing"}.");
        }
        return stored;
    }

    /// <summary>
    /// A page of the journal, newest first. See <see cref="EntryQuery"/>. The service filters rows on what a row's
    /// entries share (a packed row with entries of several lines says so, and is kept); the entries are then filtered
    /// one by one.
    /// </summary>
    public async Task<EntryPage> ReadEntriesAsync(LedgerPartition partition, EntryQuery? query = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        query ??= new EntryQuery();
        var filters = new List<string> { JournalRange(partition) };
        if (query.Line is { } line)
        {
            filters.Add(SharedOrMixed("Line", TableClient.CreateQueryFilter($"Line eq {line.Value}")));
        }
        if (query.Kind is { } kind)
        {
            filters.Add(SharedOrMixed("Kind", TableClient.CreateQueryFilter($"Kind eq {kind.ToString()}")));
        }
        if (query.Month is { } month)
        {
            if (month.Year != partition.Year)
            {
                throw new ArgumentException($"{month} is not in {partition.Year}, the year of {partition}.", nameof(query));
            }
            filters.Add(SharedOrMixed("Month", TableClient.CreateQueryFilter($"Month eq {month.Number}")));
        }
        if (query.AsAt is { } asAt)
        {
            // An entry is effective no later than it was posted, and rows from before effective time was recorded have
            // no EffectiveAt (theirs is their PostedAt): so either time at or before the as-at puts a row in. A packed
            // row holds its entries' earliest times, so it is kept when any of them may be in.
            filters.Add(TableClient.CreateQueryFilter($"(PostedAt le {asAt.ToDateTimeOffset()} or EffectiveAt le {asAt.ToDateTimeOffset()})"));
        }
        if (query.KnownAt is { } knownAt)
        {
            filters.Add(TableClient.CreateQueryFilter($"PostedAt le {knownAt.ToDateTimeOffset()}"));
        }
        if (query.Author is { } author)
        {
            filters.Add(SharedOrMixed("Author", TableClient.CreateQueryFilter($"Author eq {author}")));
        }
        if (query.Source is { } source)
        {
            filters.Add(SharedOrMixed("Source", TableClient.CreateQueryFilter($"Source eq {source.ToString()}")));
        }
        if (query.BeforeSeq is { } before)
        {
            // Journal keys invert the row's last sequence number, so older rows have greater keys. A row holding an entry
            // older than `before` ends before before + MaxEntriesPerStoredPosting - 1 (a row holds one posting's entries at
            // most).
            var lastSeq = Math.Min(before + LedgerLimits.MaxEntriesPerStoredPosting - 2, LedgerRows.MaxSeq);
            filters.Add(TableClient.CreateQueryFilter($"RowKey ge {LedgerRows.Journal(lastSeq)}"));
        }
        var filter = string.Join(" and ", filters);

        var entries = new List<StoredEntry>();
        string? token = null;
        long? scannedTo = null;
        var rowsRead = 0;
        for (var requests = 0; entries.Count < query.PageSize; requests++)
        {
            // One service page per round: with a filter the service may answer with few rows and a continuation. The
            // service's continuation stays inside this call; the caller continues from the last entry's sequence number.
            if (requests >= (entries.Count == 0 ? LedgerLimits.MaxRequestsPerEmptyEntryPage : LedgerLimits.MaxRequestsPerEntryPage))
            {
                if (entries.Count > 0)
                {
                    return new EntryPage(entries, entries[^1].Seq);
                }
                if (scannedTo is > 1)
                {
                    // Rows were read and none of their entries passed: go on from there next time.
                    return new EntryPage(entries, scannedTo);
                }
                throw new StaleRecordException($"The journal of {partition} kept answering without entries; the listing was not finished.");
            }
            // Rows hold several entries: ask for as many rows as the rows read so far suggest (a first guess of a few).
            var wanted = query.PageSize - entries.Count;
            var perRow = rowsRead == 0 ? 8.0 : Math.Max(1.0, (double)entries.Count / rowsRead);
            var hint = Math.Clamp((int)Math.Ceiling(wanted / perRow), 1, query.PageSize);
            await foreach (var page in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken)
                               .AsPages(token, hint).ConfigureAwait(false))
            {
                foreach (var row in page.Values)
                {
                    rowsRead++;
                    var held = JournalRows.FromJournalEntity(partition, row);
                    for (var i = held.Count - 1; i >= 0 && entries.Count < query.PageSize; i--)
                    {
                        var stored = held[i];
                        scannedTo = stored.Seq;
                        if ((query.BeforeSeq is not { } b || stored.Seq < b) && Passes(query, stored.Entry))
                        {
                            entries.Add(stored);
                        }
                    }
                    if (entries.Count == query.PageSize)
                    {
                        return new EntryPage(entries, entries[^1].Seq > 1 ? entries[^1].Seq : null);
                    }
                }
                token = page.ContinuationToken;
                break;
            }
            if (string.IsNullOrEmpty(token))
            {
                return new EntryPage(entries, null);
            }
        }
        return new EntryPage(entries, entries.Count > 0 && entries[^1].Seq > 1 ? entries[^1].Seq : null);
    }

    /// <summary>Rows whose entries all pass <paramref name="shared"/>, and rows whose entries differ in <paramref name="field"/>.</summary>
    private static string SharedOrMixed(string field, string shared) => $"({shared} or Mixed{field} eq true)";

    /// <summary>Whether one entry passes the query's filters (the service judged its row only).</summary>
    private static bool Passes(EntryQuery query, JournalEntry entry) =>
        (query.Line is not { } line || entry.Line == line)
        && (query.Kind is not { } kind || entry.Kind == kind)
        && (query.Month is not { } month || entry.Month == month)
        && (query.AsAt is not { } asAt || entry.EffectiveAt <= asAt)
        && (query.KnownAt is not { } knownAt || entry.PostedAt <= knownAt)
        && (query.Author is not { } author || string.Equals(entry.Author, author, StringComparison.Ordinal))
        && (query.Source is not { } source || entry.Source == source);

    /// <summary>
    /// The whole journal of the partition in sequence order (for as-at statements and reconciliation), checked as read:
    /// sequence numbers without gaps, and every posting complete with its batch totals. With <paramref name="knownAt"/>,
    /// only the entries posted (recorded) at or before it.
    /// </summary>
    public async Task<IReadOnlyList<StoredEntry>> ReadAllEntriesAsync(
        LedgerPartition partition, Instant? knownAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        for (var attempt = 1; ; attempt++)
        {
            var rows = new List<IReadOnlyList<StoredEntry>>();
            var count = 0;
            await foreach (var row in table.QueryAsync<TableEntity>(JournalRange(partition), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var held = JournalRows.FromJournalEntity(partition, row);
                count += held.Count;
                if (count > Finance.Domain.Limits.MaxEntriesPerCalculation)
                {
                    throw new LedgerException($"{partition} holds more than {Finance.Domain.Limits.MaxEntriesPerCalculation} entries, the most one read returns.");
                }
                rows.Add(held);
            }
            // Rows come newest first, each holding its entries oldest first; postings land at the front, so the scan sees
            // whole postings.
            rows.Reverse();
            var entries = new List<StoredEntry>(count);
            foreach (var held in rows)
            {
                entries.AddRange(held);
            }
            var problems = LedgerVerification.CheckJournal(entries, checkHashes: false).ToList();
            if (problems.Count == 0)
            {
                return knownAt is { } instant ? entries.Where(e => e.Entry.PostedAt <= instant).ToArray() : entries;
            }
            if (attempt == LedgerLimits.MaxReadAttempts)
            {
                throw new LedgerInvariantException($"The journal of {partition}: {string.Join(" ", problems.Take(10))}");
            }
            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes <paramref name="month"/> in the head row, with If-Match: every posting rewrites the head too, so a posting
    /// racing the close either lands before it or is refused after it. Closing a closed month changes nothing.
    /// </summary>
    public Task<LedgerHead> CloseMonthAsync(LedgerPartition partition, FinancialMonth month, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(month);
        if (month.Year != partition.Year)
        {
            throw new ArgumentException($"{month} is not in {partition.Year}, the year of {partition}.", nameof(month));
        }
        return UpdateHeadAsync(partition, head => head.IsClosed(month) ? null : head with { ClosedMonths = [.. head.ClosedMonths.Append(month).Order()] }, cancellationToken);
    }

    /// <summary>
    /// Opens a closed month again (the pool manager's reopening, with a reason recorded by the caller), with If-Match on
    /// the head like a close. Reopening an open month changes nothing.
    /// </summary>
    public Task<LedgerHead> ReopenMonthAsync(LedgerPartition partition, FinancialMonth month, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(month);
        if (month.Year != partition.Year)
        {
            throw new ArgumentException($"{month} is not in {partition.Year}, the year of {partition}.", nameof(month));
        }
        return UpdateHeadAsync(partition, head => head.IsClosed(month) ? head with { ClosedMonths = [.. head.ClosedMonths.Where(m => m != month)] } : null, cancellationToken);
    }

    /// <summary>
    /// Records that the pool set-up is now at <paramref name="version"/>: from then on a posting checked against an older
    /// set-up is refused with <see cref="StaleSetupException"/>. A lower or equal version changes nothing.
    /// </summary>
    public Task<LedgerHead> AdvanceSetupVersionAsync(LedgerPartition partition, long version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return UpdateHeadAsync(partition, head => version <= head.SetupVersion ? null : head with { SetupVersion = version }, cancellationToken);
    }

    /// <summary>
    /// Reads the whole partition (when no posting lands during the read) and checks every invariant: balance rows equal
    /// the fold of the entries, the head's counts and control totals, ids and reversal marks one-to-one with entries,
    /// postings complete, idempotency records pointing at their postings and, given the set-up, the statement from the
    /// balances equal to the statement from the entries for every month.
    /// </summary>
    public async Task<LedgerVerification> VerifyAsync(LedgerPartition partition, LedgerSetup? setup = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(partition);
        if (setup is not null && setup.Partition != partition)
        {
            throw new ArgumentException($"The set-up is for {setup.Partition}, not {partition}.", nameof(setup));
        }
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition.PartitionKey}");
        for (var attempt = 1; ; attempt++)
        {
            var before = await ReadHeadAsync(partition, cancellationToken).ConfigureAwait(false);
            var rows = new List<TableEntity>();
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (rows.Count == LedgerLimits.MaxRowsPerVerification)
                {
                    throw new LedgerException($"{partition} holds more than {LedgerLimits.MaxRowsPerVerification} rows, the most a verification reads.");
                }
                rows.Add(row);
            }
            var after = await ReadHeadAsync(partition, cancellationToken).ConfigureAwait(false);
            if (before.ETag == after.ETag)
            {
                return LedgerVerification.Check(partition, rows, setup);
            }
            if (attempt == LedgerLimits.MaxReadAttempts)
            {
                throw new LedgerConflictException($"{partition} was posted to during each of {attempt} verifications; retry when it is quiet.");
            }
            await BackoffAsync(attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string JournalRange(LedgerPartition partition) => TableClient.CreateQueryFilter(
        $"PartitionKey eq {partition.PartitionKey} and RowKey ge {LedgerRows.JournalPrefix} and RowKey lt {LedgerRows.End(LedgerRows.JournalPrefix)}");

    private static void CheckBalancesAgainstHead(LedgerHead head, List<Balance> balances)
    {
        var entries = balances.Sum(b => b.EntryCount);
        var net = Pence.Sum(balances.Select(b => b.Net));
        if (entries != head.Seq || net != head.Net || balances.Any(b => b.LastSeq > head.Seq || b.Version < 1))
        {
            throw new LedgerInvariantException(
                $"The balance rows of {head.Partition} count {entries} entries netting {net}; its head says {head.Seq} entries netting {head.Net}.");
        }
    }

    /// <summary>
    /// Validates the posting against the head and balance rows as they stand (as read, or as the postings before it in
    /// its transaction leave them), and builds its own rows; <see cref="Compose"/> adds the head and balance rows.
    /// </summary>
    private async Task<MemberPlan> PlanAsync(
        LedgerSetup setup, LedgerHead head, Balance[] before, IReadOnlyList<JournalEntry> entries, string hash, IdempotencyRequest? idempotency,
        CancellationToken cancellationToken)
    {
        var partition = head.Partition;
        if (entries.FirstOrDefault(e => head.IsClosed(e.Month)) is { } closed)
        {
            throw new MonthClosedException(closed.Month, closed.Id);
        }
        if (setup.Version < head.SetupVersion)
        {
            throw new StaleSetupException(partition, setup.Version, head.SetupVersion);
        }

        var context = await ReadRuleContextAsync(partition, entries, cancellationToken).ConfigureAwait(false);
        var existing = context.Values.ToList();
        var problems = new List<string>();
        for (var i = 0; i < entries.Count; i++)
        {
            problems.AddRange(PostingRules.Check(setup.Pool, setup.Lines, existing, entries[i], head.ClosedMonths)
                .Select(p => $"Entry {i + 1} ('{entries[i].Id}'): {p}"));
            existing.Add(entries[i]);
        }
        if (problems.Count > 0)
        {
            throw new PostingRefusedException(problems);
        }

        var after = before.ToDictionary(b => b.Target, b => b.Copy());
        var known = new Dictionary<EntryId, JournalEntry>(context);
        var stamp = new PostingStamp(head.Postings + 1, head.Seq + 1, entries.Count, Pence.Sum(entries.Select(e => e.Amount)), hash);
        var figures = new EntryKind[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var reversed = entry.ReversesEntryId is { } target ? known[target] : null;
            figures[i] = Balance.FigureOf(entry, reversed);
            after[BalanceTarget.Of(entry)].Apply(entry, reversed, stamp.FirstSeq + i);
            known[entry.Id] = entry;
        }
        CheckFold(partition, before, after.Values, stamp);

        // The head as this posting leaves it; its balance row versions are counted once per transaction (Compose).
        var newHead = head with
        {
            Seq = head.Seq + entries.Count,
            Postings = stamp.Posting,
            Net = head.Net + stamp.Net,
            SetupVersion = Math.Max(head.SetupVersion, setup.Version),
            LatestPostedAt = entries.Select(e => e.PostedAt).Append(head.LatestPostedAt ?? Instant.MinValue).Max(),
        };
        var receipt = new PostingReceipt(partition, stamp.Posting, stamp.FirstSeq, entries.Select(e => e.Id).ToArray(), stamp.Net);
        var response = idempotency?.Respond(receipt);

        var rows = new List<(RowRole Role, int Entry, TableTransactionAction Action)>();
        if (idempotency is not null)
        {
            rows.Add((RowRole.Idempotency, -1, new TableTransactionAction(TableTransactionActionType.Add,
                IdempotencyRows.ToEntity(partition, idempotency, response!, receipt, clock.GetCurrentInstant()))));
        }
        var journal = JournalRows.ToJournalEntities(partition, entries, figures, stamp);
        for (var r = 0; r < journal.Count; r++)
        {
            var (first, row) = journal[r];
            var end = r + 1 < journal.Count ? journal[r + 1].FirstIndex : entries.Count;
            var rowSeq = stamp.FirstSeq + end - 1;
            for (var i = first; i < end; i++)
            {
                var seq = stamp.FirstSeq + i;
                rows.Add((RowRole.EntryId, i, new TableTransactionAction(TableTransactionActionType.Add,
                    JournalRows.ToIdEntity(partition, entries[i].Id, seq, rowSeq, stamp))));
                if (entries[i].ReversesEntryId is { } reversedId)
                {
                    rows.Add((RowRole.Reversed, i, new TableTransactionAction(TableTransactionActionType.Add,
                        JournalRows.ToReversedEntity(partition, reversedId, entries[i].Id, seq))));
                }
            }
            rows.Add((RowRole.Journal, first, new TableTransactionAction(TableTransactionActionType.Add, row)));
        }
        return new MemberPlan(newHead, [.. after.Values], rows, receipt, response);
    }

    /// <summary>
    /// The existing entries <see cref="PostingRules.Check"/> needs to judge this posting, instead of the whole journal:
    /// each reversed entry and any reversal of it already made, and every entry of a line whose budget the posting
    /// reduces (the rule that a budget stays positive folds them). Duplicate ids need no reading: the id claims refuse them.
    /// </summary>
    private async Task<Dictionary<EntryId, JournalEntry>> ReadRuleContextAsync(
        LedgerPartition partition, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken)
    {
        var own = entries.ToDictionary(e => e.Id, e => e);
        var context = new Dictionary<EntryId, JournalEntry>();
        var reversedIds = entries.Select(e => e.ReversesEntryId).OfType<EntryId>().Where(id => !own.ContainsKey(id)).Distinct();
        var found = await Task.WhenAll(reversedIds.Select(async id =>
        {
            var read = await GetEntryAsync(partition, id, cancellationToken).ConfigureAwait(false);
            var mark = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.Reversed(id), cancellationToken: cancellationToken).ConfigureAwait(false);
            var earlier = mark.HasValue
                ? await GetEntryAsync(partition, new EntryId(mark.Value!.GetString("ReversalId") ?? ""), cancellationToken).ConfigureAwait(false)
                : null;
            return (read?.Entry, earlier?.Entry);
        })).ConfigureAwait(false);
        foreach (var entry in found.SelectMany(f => new[] { f.Item1, f.Item2 }).OfType<JournalEntry>())
        {
            context[entry.Id] = entry;
        }

        var reducedLines = new HashSet<Finance.Domain.Model.LineId>();
        foreach (var entry in entries)
        {
            var reversed = entry.ReversesEntryId is { } r ? context.GetValueOrDefault(r) ?? own.GetValueOrDefault(r) : null;
            if (entry.Kind == EntryKind.Reversal && reversed is null)
            {
                continue; // the rules refuse it
            }
            var figure = Balance.FigureOf(entry, reversed);
            if (BudgetEffect(entry, figure).IsNegative && (reversed ?? entry).Line is { } line)
            {
                reducedLines.Add(line);
            }
        }
        foreach (var line in reducedLines)
        {
            var filter = SharedOrMixed("Line", TableClient.CreateQueryFilter($"Line eq {line.Value}"));
            await foreach (var row in table.QueryAsync<TableEntity>($"{JournalRange(partition)} and {filter}", cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                foreach (var stored in JournalRows.FromJournalEntity(partition, row).Where(e => e.Entry.Line == line))
                {
                    context[stored.Entry.Id] = stored.Entry;
                }
            }
        }
        return context;
    }

    /// <summary>How an entry whose figure is <paramref name="figure"/> moves its line's budget: a commitment by its amount,
    /// a release by minus it, anything else not at all.</summary>
    private static Pence BudgetEffect(JournalEntry entry, EntryKind figure) =>
        figure == EntryKind.Commitment ? entry.Amount : figure == EntryKind.CommitmentRelease ? -entry.Amount : Pence.Zero;

    /// <summary>The head and the balance rows of <paramref name="targets"/> (new ones for targets without a row), in one range query.</summary>
    private async Task<(LedgerHead Head, Balance[] Balances)> ReadHeadAndBalancesAsync(LedgerPartition partition, BalanceTarget[] targets, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition.PartitionKey} and RowKey ge {LedgerRows.BalancePrefix} and RowKey le {LedgerRows.Head}");
        var head = new LedgerHead(partition);
        var wanted = targets.ToDictionary(t => t.RowKey, StringComparer.Ordinal);
        var found = new Dictionary<string, Balance>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == LedgerRows.Head)
            {
                head = LedgerHead.FromEntity(partition, row);
            }
            else if (wanted.ContainsKey(row.RowKey))
            {
                found[row.RowKey] = Balance.FromEntity(row);
            }
        }
        return (head, targets.Select(t => found.GetValueOrDefault(t.RowKey) ?? new Balance(t)).ToArray());
    }

    /// <summary>The head and the balance rows of <paramref name="targets"/>, read by key at once.</summary>
    private async Task<(LedgerHead Head, Balance[] Balances)> ReadHeadAndBalancesByKeyAsync(LedgerPartition partition, BalanceTarget[] targets, CancellationToken cancellationToken)
    {
        var headRead = ReadHeadAsync(partition, cancellationToken);
        var balancesRead = Task.WhenAll(targets.Select(t => ReadBalanceAsync(partition, t, cancellationToken)));
        await Task.WhenAll(headRead, balancesRead).ConfigureAwait(false);
        return (await headRead.ConfigureAwait(false), await balancesRead.ConfigureAwait(false));
    }

    private async Task<Balance> ReadBalanceAsync(LedgerPartition partition, BalanceTarget target, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, target.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? Balance.FromEntity(row.Value!) : new Balance(target);
    }

    /// <summary>The posting's own totals, asserted before it is written: the rows it moves change by exactly its entries.</summary>
    private static void CheckFold(LedgerPartition partition, IReadOnlyList<Balance> before, IEnumerable<Balance> after, PostingStamp stamp)
    {
        var afterList = after.ToList();
        var entries = afterList.Sum(b => b.EntryCount) - before.Sum(b => b.EntryCount);
        var net = Pence.Sum(afterList.Select(b => b.Net)) - Pence.Sum(before.Select(b => b.Net));
        if (entries != stamp.EntryCount || net != stamp.Net)
        {
            throw new LedgerInvariantException($"Posting {stamp.Posting} to {partition} moved {entries} entries netting {net}, not {stamp.EntryCount} netting {stamp.Net}.");
        }
        if (afterList.FirstOrDefault(b => b.Budget.IsNegative) is { } negative)
        {
            throw new LedgerInvariantException($"Posting {stamp.Posting} would leave {negative.Target} of {partition} with a negative budget ({negative.Budget}), which the posting rules should have refused.");
        }
    }

    /// <summary>
    /// The receipt of this posting if it is already in the ledger: its first entry's id is claimed with this posting's
    /// hash, which covers every field of every entry, so the whole posting is there (postings are atomic).
    /// </summary>
    private async Task<PostingReceipt?> AlreadyAppliedAsync(LedgerPartition partition, IReadOnlyList<JournalEntry> entries, string hash, CancellationToken cancellationToken)
    {
        var claim = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.EntryId(entries[0].Id), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!claim.HasValue || claim.Value!.GetString("PostingHash") != hash)
        {
            return null;
        }
        return new PostingReceipt(partition, claim.Value.GetInt64("Posting") ?? 0, claim.Value.GetInt64("Seq") ?? 0,
            entries.Select(e => e.Id).ToArray(), Pence.Sum(entries.Select(e => e.Amount)));
    }

    private async Task<PostingResult> AlreadyAppliedResultAsync(PostingReceipt receipt, IdempotencyRequest? idempotency, int attempt, CancellationToken cancellationToken)
    {
        var stored = idempotency is null
            ? null
            : await GetIdempotencyAsync(receipt.Partition, idempotency.Key, idempotency.Principal, cancellationToken).ConfigureAwait(false);
        return new PostingResult(PostingOutcome.AlreadyApplied, receipt, stored?.Response ?? idempotency?.Respond(receipt), attempt);
    }

    private async Task<LedgerHead> UpdateHeadAsync(LedgerPartition partition, Func<LedgerHead, LedgerHead?> change, CancellationToken cancellationToken)
    {
        try
        {
            return await UpdateHeadOnceAsync(partition, change, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            recent.Written(partition.PartitionKey);
        }
    }

    private async Task<LedgerHead> UpdateHeadOnceAsync(LedgerPartition partition, Func<LedgerHead, LedgerHead?> change, CancellationToken cancellationToken)
    {
        RequestFailedException? last = null;
        for (var attempt = 1; attempt <= options.MaxPostAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await BackoffAsync(attempt - 1, cancellationToken).ConfigureAwait(false);
            }
            var head = await ReadHeadAsync(partition, cancellationToken).ConfigureAwait(false);
            if (change(head) is not { } next)
            {
                return head;
            }
            try
            {
                var response = head.Exists
                    ? await table.UpdateEntityAsync(next.ToEntity(), head.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false)
                    : await table.AddEntityAsync(next.ToEntity(), cancellationToken).ConfigureAwait(false);
                return next with { ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                last = e;
            }
        }
        throw new LedgerConflictException(partition, options.MaxPostAttempts, last);
    }

    /// <summary>Full jitter: a random wait up to base × 2^(retry − 1), capped, so colliding writers spread out.</summary>
    private Task BackoffAsync(int retry, CancellationToken cancellationToken)
    {
        var ceilingMs = Math.Min(options.RetryMaxDelay.TotalMilliseconds, options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, retry - 1));
        var delayMs = RandomNumberGenerator.GetInt32((int)Math.Max(1, ceilingMs) + 1);
        return Task.Delay(TimeSpan.FromMilliseconds(delayMs), cancellationToken);
    }
}
