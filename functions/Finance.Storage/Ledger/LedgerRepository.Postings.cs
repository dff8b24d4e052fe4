using System.Collections.Concurrent;
using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Ledger;

namespace Finance.Storage.Ledger;

/// <summary>
/// Postings to one partition from this instance are coalesced (group commit): they wait in the partition's queue, and
/// one drainer at a time takes as many as fit in one entity group transaction, reads the head and balance rows once,
/// checks each posting in order against the ledger as the ones before it leave it, and writes them all in that one
/// transaction. Each posting keeps its own posting number, sequence numbers, id claims, idempotency record and hash,
/// so the stored ledger is exactly as if they had been posted one after another; what changes is that posters on one
/// instance no longer race each other for the head (only writers on other instances can make a transaction fail).
/// A posting that needs the journal to be judged (a reversal, or a reduction of a line's budget) is checked and written
/// by itself, as are the postings of a transaction that failed for a reason other than another writer.
/// </summary>
public sealed partial class LedgerRepository
{
    private readonly ConcurrentDictionary<string, PostingQueue> queues = new(StringComparer.Ordinal);

    /// <summary>
    /// Posts <paramref name="entries"/> as one atomic posting. Refuses with <see cref="MonthClosedException"/>,
    /// <see cref="PostingRefusedException"/> (<see cref="PostingRules.Check"/>), <see cref="DuplicateEntryException"/>,
    /// <see cref="IdempotencyConflictException"/>, <see cref="StaleSetupException"/>, <see cref="PostingTooLargeException"/>
    /// or, when other writers won every try, <see cref="LedgerConflictException"/>; nothing is written in any of those
    /// cases. A repeat of an Idempotency-Key with the same request hash is <see cref="PostingOutcome.Replayed"/>; a repeat
    /// of the very same entries (a retry whose first response was lost) is <see cref="PostingOutcome.AlreadyApplied"/>.
    /// Postings to the same partition that arrive together may share one transaction (see the type's remarks):
    /// <see cref="PostingResult.PostingsInTransaction"/> says with how many.
    /// </summary>
    public async Task<PostingResult> PostAsync(
        LedgerSetup setup, IReadOnlyList<JournalEntry> entries, IdempotencyRequest? idempotency = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0 || entries.Any(e => e is null))
        {
            throw new ArgumentException("A posting needs at least one entry, and no empty (null) ones.", nameof(entries));
        }
        if (entries.Select(JournalRows.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new ArgumentException(problem, nameof(entries));
        }
        if (!PostingSize.Fits(entries, idempotency is not null))
        {
            throw new PostingTooLargeException(entries.Count, PostingSize.OperationsFor(entries, idempotency is not null));
        }
        cancellationToken.ThrowIfCancellationRequested();
        var waiting = new WaitingPosting(setup, entries, idempotency, cancellationToken);
        var queue = queues.GetOrAdd(setup.Partition.PartitionKey, _ => new PostingQueue());
        var drain = false;
        lock (queue.Gate)
        {
            queue.Waiting.AddLast(waiting);
            if (!queue.Draining)
            {
                queue.Draining = drain = true;
            }
        }
        if (drain)
        {
            // The drainer runs on its own, not on this caller's request (nor in its logging scope or activity): the
            // postings it writes are other callers' too.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(() => DrainAsync(queue), CancellationToken.None);
            }
        }
        try
        {
            return await waiting.Done.Task.ConfigureAwait(false);
        }
        finally
        {
            // Whatever the outcome (a refusal may follow an attempt whose write landed), this instance reads the head again.
            recent.Written(setup.Partition.PartitionKey);
        }
    }

    private async Task DrainAsync(PostingQueue queue)
    {
        try
        {
            await DrainRoundsAsync(queue).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Not expected (each round's failures are its postings'), but a drainer that stopped must not leave the
            // partition's queue waiting for it forever.
            lock (queue.Gate)
            {
                foreach (var waiting in queue.Waiting)
                {
                    waiting.Done.TrySetException(e);
                }
                queue.Waiting.Clear();
                queue.Draining = false;
            }
        }
    }

    private async Task DrainRoundsAsync(PostingQueue queue)
    {
        while (true)
        {
            List<WaitingPosting> batch;
            lock (queue.Gate)
            {
                if (queue.Waiting.Count == 0)
                {
                    queue.Draining = false;
                    ForgetWhenIdle(queue);
                    return;
                }
                batch = TakeBatch(queue.Waiting);
            }
            Round round;
            try
            {
                round = await PostRoundAsync(queue, batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A storage failure or a broken invariant: every posting of the round gets it, as it would have alone.
                queue.Forget();
                foreach (var waiting in batch)
                {
                    waiting.Done.TrySetException(e);
                }
                round = new Round([], Contended: false);
            }
            lock (queue.Gate)
            {
                // Postings not finished go back to the front, in their order, ahead of later arrivals.
                for (var i = round.Again.Count - 1; i >= 0; i--)
                {
                    queue.Waiting.AddFirst(round.Again[i]);
                }
            }
            queue.ContendedRounds = round.Contended ? queue.ContendedRounds + 1 : 0;
            if (queue.ContendedRounds > 0)
            {
                await BackoffAsync(queue.ContendedRounds, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Drops what an idle drainer remembers once it is too old to be used, so pools posted to once do not keep their
    /// balance rows in memory. Under the queue's lock, and only while no drainer runs: the drainer alone touches the
    /// memory, and a new one cannot start while the lock is held.
    /// </summary>
    private void ForgetWhenIdle(PostingQueue queue)
    {
        var after = options.RememberRowsFor;
        _ = Task.Delay(after, CancellationToken.None).ContinueWith(_ =>
        {
            lock (queue.Gate)
            {
                if (!queue.Draining)
                {
                    queue.ForgetOlderThan(after);
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>
    /// From the front of the queue, in order, as many postings as one transaction holds: the head, each balance row any
    /// of them moves (once), and each one's own rows. It stops before a posting that must go alone, and before one that
    /// shares an entry id or an Idempotency-Key with a posting already taken (that one is then judged against the
    /// ledger with the other written, as it would be if they came one after another).
    /// </summary>
    private static List<WaitingPosting> TakeBatch(LinkedList<WaitingPosting> waiting)
    {
        var batch = new List<WaitingPosting>();
        var targets = new HashSet<BalanceTarget>();
        var ids = new HashSet<EntryId>();
        var keys = new HashSet<(string Key, string Principal)>();
        var operations = 1;
        while (waiting.First is { } node)
        {
            var next = node.Value;
            var fresh = next.Targets.Count(t => !targets.Contains(t));
            if (batch.Count > 0 && (next.Alone || batch[0].Alone
                || operations + fresh + next.OwnRows > LedgerLimits.MaxOperationsPerPosting
                || next.Entries.Any(e => ids.Contains(e.Id))
                || (next.Idempotency is { } key && keys.Contains((key.Key, key.Principal)))))
            {
                break;
            }
            waiting.RemoveFirst();
            batch.Add(next);
            operations += fresh + next.OwnRows;
            targets.UnionWith(next.Targets);
            ids.UnionWith(next.Entries.Select(e => e.Id));
            if (next.Idempotency is { } taken)
            {
                keys.Add((taken.Key, taken.Principal));
            }
        }
        return batch;
    }

    /// <summary>
    /// One try at writing <paramref name="batch"/>: finishes every posting it can (written, replayed, refused) and
    /// returns the rest to be tried again, saying whether another writer was the reason.
    /// </summary>
    private async Task<Round> PostRoundAsync(PostingQueue queue, List<WaitingPosting> batch)
    {
        var live = new List<WaitingPosting>();
        foreach (var waiting in batch)
        {
            if (waiting.Cancellation.IsCancellationRequested)
            {
                waiting.Done.TrySetCanceled(waiting.Cancellation);
            }
            else
            {
                waiting.Attempts++;
                live.Add(waiting);
            }
        }
        if (live.Count == 0)
        {
            return new Round([], Contended: false);
        }
        var partition = live[0].Setup.Partition;
        var ct = CancellationToken.None;

        // One round trip for everything the postings need, so the window in which another writer can get in is short.
        // A few rows are read by key; many in one range query, which costs the service far less than many point reads.
        // The drainer's own last write, when recent, stands in for the read: every row it is based on is written with
        // If-Match on the version remembered, so if another writer got in since, the transaction is refused, the
        // memory dropped, and the next round reads.
        var targets = live.SelectMany(w => w.Targets).Distinct().ToArray();
        var firstUses = live.Select(w => w.Idempotency is { } key
            ? GetIdempotencyAsync(partition, key.Key, key.Principal, ct)
            : Task.FromResult<IdempotencyRecord?>(null)).ToArray();
        var pointReads = live.Count == 1 ? LedgerLimits.MaxPointReadsPerPosting : LedgerLimits.MaxPointReadsPerSharedTransaction;
        var remembered = queue.Remembered(targets, options.RememberRowsFor);
        Task<(LedgerHead Head, Balance[] Balances)> stateRead = remembered is { } known
            ? Task.FromResult(known)
            : targets.Length > pointReads
                ? ReadHeadAndBalancesAsync(partition, targets, ct)
                : ReadHeadAndBalancesByKeyAsync(partition, targets, ct);
        await Task.WhenAll(firstUses.Append<Task>(stateRead)).ConfigureAwait(false);
        var planning = new List<WaitingPosting>();
        for (var i = 0; i < live.Count; i++)
        {
            if (await firstUses[i].ConfigureAwait(false) is { } first)
            {
                // Checked before any rule: a repeat gets the first answer even if the month has closed since.
                if (first.IsSameRequest(live[i].Idempotency!.RequestHash))
                {
                    live[i].Done.TrySetResult(new PostingResult(PostingOutcome.Replayed, first.Receipt, first.Response, live[i].Attempts));
                }
                else
                {
                    live[i].Done.TrySetException(new IdempotencyConflictException(first));
                }
            }
            else
            {
                planning.Add(live[i]);
            }
        }
        var (head, balances) = await stateRead.ConfigureAwait(false);
        if (balances.Any(b => b.LastSeq > head.Seq))
        {
            queue.Forget();
            return Retry(partition, planning, null); // a posting landed between the reads: the transaction could only fail
        }
        if (remembered is null)
        {
            queue.RememberRead(head, balances);
        }

        var state = balances.ToDictionary(b => b.Target);
        var running = head;
        var planned = new List<(WaitingPosting Waiting, MemberPlan Plan)>();
        var again = new List<WaitingPosting>();
        foreach (var waiting in planning)
        {
            if (again.Count > 0)
            {
                waiting.Attempts--;
                again.Add(waiting); // keep the order: nothing overtakes a posting sent round again
                continue;
            }
            try
            {
                var plan = await PlanAsync(waiting.Setup, running, waiting.Targets.Select(t => state[t]).ToArray(), waiting.Entries, waiting.Hash,
                    waiting.Idempotency, ct).ConfigureAwait(false);
                planned.Add((waiting, plan));
                running = plan.Head;
                foreach (var balance in plan.After)
                {
                    state[balance.Target] = balance;
                }
            }
            catch (LedgerException e) when (e is MonthClosedException or PostingRefusedException or StaleSetupException)
            {
                if (planned.Count > 0)
                {
                    // Judged behind postings not yet written: judged again next round against the ledger as it then is.
                    waiting.Attempts--;
                    again.Add(waiting);
                    continue;
                }
                // These very entries may already be in the ledger (an earlier try whose response was lost); the rules
                // then refuse them as duplicates or double reversals, but the posting did succeed.
                if (await AlreadyAppliedAsync(partition, waiting.Entries, waiting.Hash, ct).ConfigureAwait(false) is { } earlier)
                {
                    waiting.Done.TrySetResult(await AlreadyAppliedResultAsync(earlier, waiting.Idempotency, waiting.Attempts, ct).ConfigureAwait(false));
                }
                else
                {
                    waiting.Done.TrySetException(e);
                }
            }
        }
        if (planned.Count == 0)
        {
            return new Round(again, Contended: false);
        }

        var transaction = Compose(head, running, balances.ToDictionary(b => b.Target), state, planned.Select(p => p.Plan).ToArray());
        if (options.BeforeSubmitAsync is { } beforeSubmit)
        {
            await beforeSubmit(planned[0].Waiting.Attempts).ConfigureAwait(false);
        }
        IReadOnlyList<Response> written;
        try
        {
            written = await TableTransactions.SubmitAsync(table, transaction.Actions, ct).ConfigureAwait(false);
        }
        catch (TableTransactionFailedException e) when (e.Status is 409 or 412 || planned.Count > 1)
        {
            queue.Forget();
            var unresolved = await ExplainRefusalAsync(partition, planned, transaction, e, ct).ConfigureAwait(false);
            if (e.Status is 409 && unresolved.Count < planned.Count)
            {
                // Explained by a posting now finished (a duplicate id, or one already applied): the others go again at once.
                return new Round([.. unresolved, .. again], Contended: false);
            }
            if (e.Status is 409 or 412)
            {
                return Retry(partition, [.. unresolved, .. again], e);
            }
            // Refused for what one of them holds: each is tried by itself, so only that one is refused.
            foreach (var waiting in unresolved)
            {
                waiting.Alone = true;
            }
            return new Round([.. unresolved, .. again], Contended: false);
        }
        queue.RememberWritten(transaction, written);
        foreach (var (waiting, plan) in planned)
        {
            waiting.Done.TrySetResult(new PostingResult(PostingOutcome.Applied, plan.Receipt, plan.Response, waiting.Attempts, planned.Count));
        }
        return new Round(again, Contended: false);
    }

    /// <summary>The postings to try again after another writer won; those that have tried enough are refused.</summary>
    private Round Retry(LedgerPartition partition, IReadOnlyList<WaitingPosting> postings, Exception? last)
    {
        var again = new List<WaitingPosting>();
        foreach (var waiting in postings)
        {
            if (waiting.Attempts >= options.MaxPostAttempts)
            {
                waiting.Done.TrySetException(new LedgerConflictException(partition, options.MaxPostAttempts, last));
            }
            else
            {
                again.Add(waiting);
            }
        }
        return new Round(again, Contended: true);
    }

    /// <summary>
    /// The one transaction for the planned postings: the head as the last of them leaves it (with If-Match on the head
    /// as read), each balance row moved once with its final figures (If-Match on the row as read), then each posting's
    /// own rows. The head goes first: the service reports the first action it refuses, so a concurrent posting shows as
    /// 412 at 0.
    /// </summary>
    private static Transaction Compose(
        LedgerHead read, LedgerHead last, Dictionary<BalanceTarget, Balance> stored, Dictionary<BalanceTarget, Balance> state, IReadOnlyList<MemberPlan> plans)
    {
        var partition = read.Partition;
        var touched = plans.SelectMany(p => p.After.Select(b => b.Target)).Distinct().ToArray();
        var head = last with { BalanceVersions = read.BalanceVersions + touched.Length };
        var actions = new List<TableTransactionAction>();
        var roles = new List<(RowRole Role, int Posting, int Entry)>();
        actions.Add(read.Exists
            ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, head.ToEntity(), read.ETag)
            : new TableTransactionAction(TableTransactionActionType.Add, head.ToEntity()));
        roles.Add((RowRole.Head, -1, -1));
        var balances = touched.Select(t => state[t]).ToArray();
        foreach (var balance in balances)
        {
            // A row that exists is merged with what changed, If-Match on the row as read: what it leaves is the row in
            // full as folded here, since nothing else can have written it in between.
            actions.Add(balance.ETag == default
                ? new TableTransactionAction(TableTransactionActionType.Add, balance.ToEntity(partition.PartitionKey))
                : balance.ToChanges(partition.PartitionKey, stored[balance.Target]) is { } changes
                    ? new TableTransactionAction(TableTransactionActionType.UpdateMerge, changes, balance.ETag)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, balance.ToEntity(partition.PartitionKey), balance.ETag));
            roles.Add((RowRole.Balance, -1, -1));
        }
        for (var p = 0; p < plans.Count; p++)
        {
            foreach (var (role, entry, action) in plans[p].Rows)
            {
                actions.Add(action);
                roles.Add((role, p, entry));
            }
        }
        if (actions.Count > LedgerLimits.MaxOperationsPerPosting)
        {
            // The batch was cut to fit and each posting was checked to fit: reaching this is a bug, refused before writing.
            throw new LedgerInvariantException($"A transaction of {plans.Count} postings to {partition} came to {actions.Count} operations.");
        }
        return new Transaction(actions, roles, head, balances);
    }

    /// <summary>
    /// Why the transaction was refused, posting by posting. A posting already in the ledger, committed by an earlier try
    /// whose response was lost (Azure.Core resends a $batch POST, and the resend is refused because the first one moved
    /// the head), is a success: its receipt. An entry id claimed by another posting is
    /// <see cref="DuplicateEntryException"/> for the posting that holds it. The others are returned to be tried again
    /// (a head or balance row changed or created since it was read means another writer got in first).
    /// </summary>
    private async Task<List<WaitingPosting>> ExplainRefusalAsync(
        LedgerPartition partition, List<(WaitingPosting Waiting, MemberPlan Plan)> planned, Transaction transaction,
        TableTransactionFailedException refusal, CancellationToken cancellationToken)
    {
        var blamed = refusal.FailedTransactionActionIndex is { } index && index < transaction.Roles.Count
            ? transaction.Roles[index] is (RowRole.EntryId, var posting, var entry) ? (posting, entry) : ((int, int)?)null
            : null;
        var unresolved = new List<WaitingPosting>();
        for (var p = 0; p < planned.Count; p++)
        {
            var (waiting, _) = planned[p];
            if (await AlreadyAppliedAsync(partition, waiting.Entries, waiting.Hash, cancellationToken).ConfigureAwait(false) is { } applied)
            {
                waiting.Done.TrySetResult(await AlreadyAppliedResultAsync(applied, waiting.Idempotency, waiting.Attempts, cancellationToken)
                    .ConfigureAwait(false));
                continue;
            }
            IEnumerable<int> suspects = blamed is var (blamedPosting, blamedEntry)
                ? blamedPosting == p ? [blamedEntry] : []
                : refusal.Status == 409 && refusal.FailedTransactionActionIndex is null ? Enumerable.Range(0, waiting.Entries.Count) : [];
            if (await ClaimedElsewhereAsync(partition, waiting.Entries, suspects, cancellationToken).ConfigureAwait(false) is { } claimed)
            {
                waiting.Done.TrySetException(new DuplicateEntryException(claimed, partition));
                continue;
            }
            unresolved.Add(waiting);
        }
        return unresolved;
    }

    private async Task<EntryId?> ClaimedElsewhereAsync(
        LedgerPartition partition, IReadOnlyList<JournalEntry> entries, IEnumerable<int> suspects, CancellationToken cancellationToken)
    {
        foreach (var i in suspects)
        {
            var claim = await table.GetEntityIfExistsAsync<TableEntity>(partition.PartitionKey, LedgerRows.EntryId(entries[i].Id), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (claim.HasValue)
            {
                return entries[i].Id;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether judging <paramref name="entries"/> reads the journal (<see cref="ReadRuleContextAsync"/>): a reversal, or a
    /// reduction of a line's budget. Those are judged and written by themselves, never behind postings not yet written.
    /// </summary>
    private static bool NeedsJournal(IReadOnlyList<JournalEntry> entries) => entries.Any(entry =>
        entry.ReversesEntryId is not null
        || entry.Kind == EntryKind.Reversal
        || BudgetEffect(entry, Balance.FigureOf(entry, null)).IsNegative);

    /// <summary>One partition's postings waiting on this instance, and whether a drainer is writing them.</summary>
    private sealed class PostingQueue
    {
        public Lock Gate { get; } = new();

        public LinkedList<WaitingPosting> Waiting { get; } = new();

        public bool Draining { get; set; }

        /// <summary>Rounds in a row that another writer won: the drainer backs off before the next.</summary>
        public int ContendedRounds { get; set; }

        // The head and balance rows as the drainer last read or wrote them (the drainer alone uses these).
        private readonly Dictionary<BalanceTarget, Balance> balances = [];
        private LedgerHead? head;
        private long seenAt;

        /// <summary>The head and <paramref name="targets"/>' rows as the drainer last wrote or read them, if that was
        /// less than <paramref name="within"/> ago and it knows every one of them; else null.</summary>
        public (LedgerHead Head, Balance[] Balances)? Remembered(BalanceTarget[] targets, TimeSpan within) =>
            head is { } known && Stopwatch.GetElapsedTime(seenAt) < within && targets.All(balances.ContainsKey)
                ? (known, [.. targets.Select(t => balances[t])])
                : null;

        /// <summary>Rows just read. Rows read or written earlier stay known: each is written, when it is, with If-Match
        /// on the version known, so one another writer changed since refuses the transaction (and all is forgotten).</summary>
        public void RememberRead(LedgerHead read, IEnumerable<Balance> rows)
        {
            head = read;
            foreach (var row in rows)
            {
                balances[row.Target] = row;
            }
            seenAt = Stopwatch.GetTimestamp();
        }

        public void RememberWritten(Transaction transaction, IReadOnlyList<Response> written)
        {
            // The service answers each action of a transaction in order; without an ETag for each row, nothing is kept.
            var etags = written.Take(1 + transaction.Balances.Count).Select(r => r.Headers.ETag).ToArray();
            if (etags.Length != 1 + transaction.Balances.Count || etags.Any(e => e is null || e == default(ETag)))
            {
                Forget();
                return;
            }
            head = transaction.Head with { ETag = etags[0]!.Value };
            for (var i = 0; i < transaction.Balances.Count; i++)
            {
                balances[transaction.Balances[i].Target] = transaction.Balances[i].AsWritten(etags[i + 1]!.Value);
            }
            seenAt = Stopwatch.GetTimestamp();
        }

        public void ForgetOlderThan(TimeSpan age)
        {
            if (head is not null && Stopwatch.GetElapsedTime(seenAt) >= age)
            {
                Forget();
            }
        }

        public void Forget()
        {
            head = null;
            balances.Clear();
        }
    }

    /// <summary>A posting waiting for its partition's drainer.</summary>
    private sealed class WaitingPosting(
        LedgerSetup setup, IReadOnlyList<JournalEntry> entries, IdempotencyRequest? idempotency, CancellationToken cancellation)
    {
        public LedgerSetup Setup => setup;

        public IReadOnlyList<JournalEntry> Entries => entries;

        public IdempotencyRequest? Idempotency => idempotency;

        public CancellationToken Cancellation => cancellation;

        public string Hash { get; } = JournalRows.HashOf(entries);

        public BalanceTarget[] Targets { get; } = entries.Select(BalanceTarget.Of).Distinct().ToArray();

        /// <summary>Rows of its own in the transaction: everything but the head and the balance rows.</summary>
        public int OwnRows => PostingSize.OperationsFor(entries, idempotency is not null) - 1 - Targets.Length;

        /// <summary>Judged and written in a transaction of its own.</summary>
        public bool Alone { get; set; } = NeedsJournal(entries);

        /// <summary>Transactions tried with it in them.</summary>
        public int Attempts { get; set; }

        public TaskCompletionSource<PostingResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Round(IReadOnlyList<WaitingPosting> Again, bool Contended);

    /// <summary>A transaction's actions, what each is, and the head and balance rows it writes (actions 0 to n, in order).</summary>
    private sealed record Transaction(
        IReadOnlyList<TableTransactionAction> Actions, IReadOnlyList<(RowRole Role, int Posting, int Entry)> Roles, LedgerHead Head,
        IReadOnlyList<Balance> Balances);

    /// <summary>One posting checked against the ledger as the postings before it in its transaction leave it.</summary>
    private sealed record MemberPlan(
        LedgerHead Head, IReadOnlyList<Balance> After, IReadOnlyList<(RowRole Role, int Entry, TableTransactionAction Action)> Rows,
        PostingReceipt Receipt, StoredResponse? Response);
}
