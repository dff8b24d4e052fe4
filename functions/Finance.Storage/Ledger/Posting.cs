using Finance.Domain.Ledger;
using Finance.Domain.Money;

namespace Finance.Storage.Ledger;

/// <summary>Where a posting landed: its number, its entries' sequence numbers (FirstSeq to <see cref="LastSeq"/>, in order) and its net amount.</summary>
public sealed record PostingReceipt(LedgerPartition Partition, long Posting, long FirstSeq, IReadOnlyList<EntryId> EntryIds, Pence Net)
{
    public long LastSeq => FirstSeq + EntryIds.Count - 1;
}

public enum PostingOutcome
{
    /// <summary>This call wrote the posting.</summary>
    Applied,
    /// <summary>The very same entries were already in the ledger from one earlier posting (say, a retry after a lost response); nothing was written.</summary>
    AlreadyApplied,
    /// <summary>The Idempotency-Key was used before for the same request; nothing was written and <see cref="PostingResult.Response"/> is the first response.</summary>
    Replayed,
}

/// <summary>What a posting came to.</summary>
/// <param name="Response">The response stored with the Idempotency-Key: the first one for <see cref="PostingOutcome.Replayed"/>; null without a key.</param>
/// <param name="Attempts">Transactions tried with it in them (1 when no other writer got in the way).</param>
/// <param name="PostingsInTransaction">Postings the transaction that wrote it held: postings to one pool arriving
/// together on one instance share one (see <see cref="LedgerRepository.PostAsync"/>).</param>
public sealed record PostingResult(PostingOutcome Outcome, PostingReceipt Receipt, StoredResponse? Response, int Attempts, int PostingsInTransaction = 1);

/// <summary>
/// How many table operations a posting takes, and how to cut a larger batch (a CSV import) into postings that fit.
/// Operations: the head row, one per balance row touched, one per entry (its id claim), one more per reversal (the
/// reversed mark), the posting's journal rows (one, unless its entries' text is long: see
/// <see cref="JournalRows.RowsFor"/>), and one for the idempotency record.
/// </summary>
public static class PostingSize
{
    public static int OperationsFor(IReadOnlyList<JournalEntry> entries, bool withIdempotency)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var balances = entries.Select(BalanceTarget.Of).Distinct().Count();
        var reversals = entries.Count(e => e.Kind == EntryKind.Reversal);
        return 1 + (withIdempotency ? 1 : 0) + balances + entries.Count + reversals + JournalRows.RowsFor(entries);
    }

    public static bool Fits(IReadOnlyList<JournalEntry> entries, bool withIdempotency) =>
        entries.Count is > 0 and <= LedgerLimits.MaxEntriesPerStoredPosting
        && OperationsFor(entries, withIdempotency) <= LedgerLimits.MaxOperationsPerPosting;

    /// <summary>
    /// Consecutive runs of <paramref name="entries"/>, each as long as fits in one posting. Order is kept, so a reversal
    /// never lands before the entry it reverses. Only each run is atomic: a caller posting the runs one after another
    /// must be able to resume after a failure (give each run its own idempotency key, say "{key}-{run number}").
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<JournalEntry>> Split(IReadOnlyList<JournalEntry> entries, bool withIdempotency)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var runs = new List<IReadOnlyList<JournalEntry>>();
        var run = new List<JournalEntry>();
        foreach (var entry in entries)
        {
            run.Add(entry);
            if (!Fits(run, withIdempotency))
            {
                run.RemoveAt(run.Count - 1);
                runs.Add(run);
                run = [entry];
            }
        }
        if (run.Count > 0)
        {
            runs.Add(run);
        }
        return runs;
    }
}
