namespace Finance.Storage.Ledger;

/// <summary>
/// Every bound the ledger's storage keeps, in one place. A posting is one entity group transaction, so its size is
/// bounded by the service's 100 operations: see <see cref="PostingSize"/>.
/// </summary>
public static class LedgerLimits
{
    /// <summary>Operations in one entity group transaction (the Table service's limit).</summary>
    public const int MaxOperationsPerPosting = TableTransactions.MaxActions;

    /// <summary>
    /// Entries in one posting sent to the API (<c>POST /postings</c>), whatever they are: the ceiling when each entry was
    /// two rows (journal and id claim), kept as the API's promise. Entries now share journal rows, so 48 on one line
    /// take 52 operations; whether a given posting fits is <see cref="PostingSize.OperationsFor"/>.
    /// </summary>
    public const int MaxEntriesPerPosting = 48;

    /// <summary>
    /// Entries in one posting the ledger stores (CSV imports and the year-end close are cut to what fits, see
    /// <see cref="PostingSize.Split"/>): 96 on one line with an idempotency record is 1 + 1 + 1 + 96 + 1 = 100
    /// operations. A journal row holds one posting's entries at most, so no row holds more.
    /// </summary>
    public const int MaxEntriesPerStoredPosting = 96;

    /// <summary>
    /// Entries that always fit in one posting, even when each is a reversal (an id claim and a reversed mark) of a
    /// different line (one balance row each) with the longest text allowed (two packed journal rows for 24), and there is
    /// an idempotency record: 3 × 24 + 2 + 2 = 76 operations (98 when each entry was a journal row too).
    /// </summary>
    public const int EntriesPerPostingAlwaysFit = 24;

    /// <summary>
    /// Bytes of entries in one packed journal row at most, counted by <see cref="JournalRows.UpperBytes"/>: twelve
    /// 60 KiB properties, inside the service's 1 MiB entity. A posting's entries share one row unless their text is long.
    /// </summary>
    public const int MaxJournalRowBytes = 12 * 60 * 1024;

    /// <summary>Transactions a posting tries before giving up with <see cref="LedgerConflictException"/>; see <see cref="LedgerOptions"/>.</summary>
    public const int DefaultMaxPostAttempts = 8;

    /// <summary>A posting touching more balance rows than this reads the head and all balance rows in one range query
    /// instead of one point read per row.</summary>
    public const int MaxPointReadsPerPosting = 4;

    /// <summary>The same for a transaction of several postings (coalesced): their rows are read by key up to this many,
    /// because the range query reads every balance row of the pool (hundreds, on a large pool) to use a few dozen.</summary>
    public const int MaxPointReadsPerSharedTransaction = 32;

    /// <summary>Times a read retries when it saw a posting half-applied (the control totals disagree).</summary>
    public const int MaxReadAttempts = 5;

    public const int DefaultEntryPageSize = 100;

    public const int MaxEntryPageSize = 1000;

    /// <summary>Service round trips one page of a filtered journal listing may take before returning a short page.</summary>
    public const int MaxRequestsPerEntryPage = 20;

    /// <summary>Round trips a page may take while it has found nothing (the service answers empty pages when a scan of a
    /// sparse filter runs long); past it the listing is refused as busy rather than answered empty, which a client would
    /// take for the end of the journal.</summary>
    public const int MaxRequestsPerEmptyEntryPage = 100;

    /// <summary>Forecast outturns one line may have in a year (about one a month; each is kept for as-at statements).</summary>
    public const int MaxForecastsPerLine = 240;

    /// <summary>Rows <see cref="LedgerRepository.VerifyAsync"/> reads from one partition.</summary>
    public const int MaxRowsPerVerification = 4 * Finance.Domain.Limits.MaxEntriesPerCalculation;

    public const int MaxIdempotencyKeyLength = 255;

    public const int MaxPrincipalLength = 255;

    public const int MaxRequestHashLength = 128;

    /// <summary>A stored first response, as UTF-8, before compression.</summary>
    public const int MaxResponseBodyBytes = 1024 * 1024;

    /// <summary>Responses longer than this are stored gzip-compressed.</summary>
    public const int CompressResponseBodyAboveBytes = 8 * 1024;

    /// <summary>A stored response after compression: one binary property holds at most 64 KiB.</summary>
    public const int MaxStoredResponseBodyBytes = 60 * 1024;
}
