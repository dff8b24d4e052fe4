using Finance.Domain.Calendar;
using Finance.Functions.Outcomes;
using Finance.Storage.Ledger;

namespace Finance.Functions.Postings;

/// <summary>What the ledger's refusals mean to a caller, in the API's words.</summary>
public static class LedgerRefusals
{
    /// <summary>The refusal a ledger exception stands for, or null for exceptions that are not refusals (invariants).</summary>
    public static Refusal? Of(LedgerException exception) => exception switch
    {
        MonthClosedException closed => MonthClosed(closed.Month, closed.Message),
        IdempotencyConflictException => KeyReused,
        DuplicateEntryException duplicate => Refusal.Conflict("Already posted.", duplicate.Message),
        PostingRefusedException refused => new Refusal(RefusalKind.Unprocessable, "The posting breaks a ledger rule.",
            string.Join(" ", refused.Problems), Extensions: new Dictionary<string, object?> { ["problems"] = refused.Problems }),
        PostingTooLargeException large => new Refusal(RefusalKind.TooLarge, "Too many entries for one posting.",
            $"{large.EntryCount} entries need {large.OperationCount} table operations; one atomic posting holds at most {LedgerLimits.MaxOperationsPerPosting}. "
            + $"Send at most {LedgerLimits.EntriesPerPostingAlwaysFit} entries per posting (up to {LedgerLimits.MaxEntriesPerPosting} when they are on few lines), or upload a CSV.",
            Extensions: new Dictionary<string, object?> { ["maxEntries"] = LedgerLimits.EntriesPerPostingAlwaysFit }),
        LedgerConflictException or StaleSetupException => Busy,
        _ => null,
    };

    public static Refusal KeyReused { get; } = Refusal.Conflict("Idempotency-Key reused.",
        "This Idempotency-Key was already used for a different request. Use a new key for a new request.");

    public static Refusal Busy { get; } = Refusal.Busy(
        "Other postings to this pool kept getting in first; nothing was posted. Send the same request again with the same Idempotency-Key.");

    /// <summary>409 naming the closed month, in words and as <c>month</c> ("2024/25 M4") and <c>monthNumber</c>.</summary>
    public static Refusal MonthClosed(FinancialMonth? month, string detail) =>
        Refusal.Conflict("The month is closed.", detail, new Dictionary<string, object?> { ["month"] = month?.ToString(), ["monthNumber"] = month?.Number });
}
