using Finance.Domain.Calendar;
using Finance.Domain.Ledger;

namespace Finance.Storage.Ledger;

/// <summary>
/// A posting or ledger read the ledger refused. Nothing was written. Each subclass is one answer the HTTP layer maps
/// (closed month and duplicates are 409, refused rules 422, too large 413, conflict 503, invariant 500).
/// </summary>
public class LedgerException : Exception
{
    public LedgerException()
        : base("The ledger refused the request.")
    {
    }

    public LedgerException(string message)
        : base(message)
    {
    }

    public LedgerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A posting into a closed month. <see cref="Month"/> is the first closed month the posting names.</summary>
public sealed class MonthClosedException : LedgerException
{
    public MonthClosedException()
    {
    }

    public MonthClosedException(string message)
        : base(message)
    {
    }

    public MonthClosedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MonthClosedException(FinancialMonth month, EntryId entry)
        : base($"{month} ({month?.Name}) is closed: entry '{entry}' cannot be posted into it. Post the correction in an open month and name the entry it corrects.")
    {
        Month = month;
        Entry = entry;
    }

    public FinancialMonth? Month { get; }

    public EntryId? Entry { get; }
}

/// <summary>The posting breaks the ledger's rules (<see cref="PostingRules.Check"/>); each problem names its entry.</summary>
public sealed class PostingRefusedException : LedgerException
{
    public PostingRefusedException()
    {
    }

    public PostingRefusedException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public PostingRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public PostingRefusedException(IReadOnlyList<string> problems)
        : base("The posting was refused: " + string.Join(" ", problems ?? []))
    {
        Problems = problems ?? [];
    }

    public IReadOnlyList<string> Problems { get; } = [];
}

/// <summary>An entry id the ledger already holds, from another posting.</summary>
public sealed class DuplicateEntryException : LedgerException
{
    public DuplicateEntryException()
    {
    }

    public DuplicateEntryException(string message)
        : base(message)
    {
    }

    public DuplicateEntryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DuplicateEntryException(EntryId entry, LedgerPartition partition)
        : base($"There is already an entry '{entry}' in {partition}, posted with different content.")
    {
        Entry = entry;
    }

    public EntryId? Entry { get; }
}

/// <summary>The Idempotency-Key was used before with a different request body.</summary>
public sealed class IdempotencyConflictException : LedgerException
{
    public IdempotencyConflictException()
    {
    }

    public IdempotencyConflictException(string message)
        : base(message)
    {
    }

    public IdempotencyConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IdempotencyConflictException(IdempotencyRecord first)
        : base($"Idempotency-Key '{first?.Key}' was first used on {first?.RecordedAt} for a different request; send a new key for a new request.")
    {
        First = first;
    }

    /// <summary>What the key was first used for.</summary>
    public IdempotencyRecord? First { get; }
}

/// <summary>The posting was validated against an older pool set-up than one the ledger has already posted against.</summary>
public sealed class StaleSetupException : LedgerException
{
    public StaleSetupException()
    {
    }

    public StaleSetupException(string message)
        : base(message)
    {
    }

    public StaleSetupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StaleSetupException(LedgerPartition partition, long postedVersion, long ledgerVersion)
        : base($"The posting to {partition} was checked against pool set-up version {postedVersion}, but the ledger is at version {ledgerVersion}; read the pool again and retry.")
    {
        PostedVersion = postedVersion;
        LedgerVersion = ledgerVersion;
    }

    public long PostedVersion { get; }

    public long LedgerVersion { get; }
}

/// <summary>More entries or rows than one entity group transaction holds; split the posting (see <see cref="PostingSize.Split"/>).</summary>
public sealed class PostingTooLargeException : LedgerException
{
    public PostingTooLargeException()
    {
    }

    public PostingTooLargeException(string message)
        : base(message)
    {
    }

    public PostingTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PostingTooLargeException(int entryCount, int operationCount)
        : base($"A posting of {entryCount} entries needs {operationCount} table operations; one atomic posting holds at most {LedgerLimits.MaxEntriesPerStoredPosting} entries and {LedgerLimits.MaxOperationsPerPosting} operations. Split it.")
    {
        EntryCount = entryCount;
        OperationCount = operationCount;
    }

    public int EntryCount { get; }

    public int OperationCount { get; }
}

/// <summary>Other writers changed the partition on every try; nothing of this posting was written. Safe to retry.</summary>
public sealed class LedgerConflictException : LedgerException
{
    public LedgerConflictException()
    {
    }

    public LedgerConflictException(string message)
        : base(message)
    {
    }

    public LedgerConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LedgerConflictException(LedgerPartition partition, int attempts, Exception? last)
        : base($"{partition} changed under each of {attempts} attempts; nothing was written. Retry later.", last)
    {
        Attempts = attempts;
    }

    public int Attempts { get; }
}

/// <summary>What storage holds breaks one of the ledger's invariants: a bug or tampering, never a user error.</summary>
public sealed class LedgerInvariantException : LedgerException
{
    public LedgerInvariantException()
    {
    }

    public LedgerInvariantException(string message)
        : base("Ledger invariant broken: " + message)
    {
    }

    public LedgerInvariantException(string message, Exception innerException)
        : base("Ledger invariant broken: " + message, innerException)
    {
    }
}
