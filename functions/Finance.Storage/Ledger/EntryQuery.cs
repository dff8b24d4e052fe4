using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>
/// One page of the journal listing, newest first. Every filter is optional; <see cref="AsAt"/> keeps entries effective
/// at or before that instant, <see cref="KnownAt"/> entries posted (recorded) at or before it. <see cref="BeforeSeq"/>
/// continues a listing: only entries older than that one.
/// </summary>
public sealed record EntryQuery
{
    public LineId? Line { get; init; }

    public EntryKind? Kind { get; init; }

    public FinancialMonth? Month { get; init; }

    public Instant? AsAt { get; init; }

    public Instant? KnownAt { get; init; }

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

    /// <summary>Only entries with a lower sequence number: the <see cref="EntryPage.NextBeforeSeq"/> of the page before.</summary>
    public long? BeforeSeq
    {
        get;
        init
        {
            if (value is { } seq)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(seq, 2);
            }
            field = value;
        }
    }
}

/// <param name="NextBeforeSeq">Null on the last page; otherwise the <see cref="EntryQuery.BeforeSeq"/> of the next page
/// (the last entry's sequence number). A position in the ledger, not the storage service's own continuation, so that a
/// caller's token can be checked before it reaches storage.</param>
public sealed record EntryPage(IReadOnlyList<StoredEntry> Entries, long? NextBeforeSeq);
