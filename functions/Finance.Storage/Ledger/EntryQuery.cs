using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>
/// One page of the journal listing, newest first. Every filter is optional; <see cref="AsAt"/> keeps entries posted at
/// or before that instant. <see cref="ContinuationToken"/> is the one a previous page returned (opaque).
/// </summary>
public sealed record EntryQuery
{
    public LineId? Line { get; init; }

    public EntryKind? Kind { get; init; }

    public FinancialMonth? Month { get; init; }

    public Instant? AsAt { get; init; }

    /// <summary>Entries posted by this principal.</summary>
    public string? Author { get; init; }

    /// <summary>Entries that arrived this way (through the API, in one CSV import, or from the year-end close).</summary>
    public EntrySource? Source { get; init; }

    public int PageSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, LedgerLimits.MaxEntryPageSize);
            field = value;
        }
    } = LedgerLimits.DefaultEntryPageSize;

    public string? ContinuationToken { get; init; }
}

/// <param name="ContinuationToken">Null on the last page. A page may hold fewer than the page size and still have a
/// continuation, when the filters matched few entries among many.</param>
public sealed record EntryPage(IReadOnlyList<StoredEntry> Entries, string? ContinuationToken);
