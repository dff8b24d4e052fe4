namespace Finance.Domain.Ledger;

/// <summary>
/// What a journal entry records. Amounts are signed as their effect: a commitment release is posted as a positive
/// amount released; a reversal carries the negated amount of the entry it reverses.
/// </summary>
public enum EntryKind
{
    /// <summary>Income to the pool from a funding stream: a budget source. Needs a stream; amount above zero.</summary>
    Allocation,
    /// <summary>A partner's contribution from a funding stream. Needs a stream and a partner; amount above zero.</summary>
    Contribution,
    /// <summary>An approved line's budget, committed against the pool. Needs a line; amount above zero.</summary>
    Commitment,
    /// <summary>Budget given back by a line. Needs a line; a positive amount, which reduces the line's budget.</summary>
    CommitmentRelease,
    /// <summary>Spend in a month. Needs a line.</summary>
    Actual,
    /// <summary>A prior year's invoice paid this year; counts in YTD Actuals. Needs a line.</summary>
    PriorYearInvoice,
    /// <summary>Spend incurred but not invoiced by the end of its month; reverses automatically in the next month. Needs a line.</summary>
    Accrual,
    /// <summary>The finance lead's full-year forecast for a line, as of its month. The latest one wins. Needs a line.</summary>
    ForecastOutturn,
    /// <summary>A balance brought from the previous year into a funding stream: a budget source. Needs a stream.</summary>
    CarryForwardIn,
    /// <summary>Undoes a named entry: carries its negated amount, its line, stream and partner, and its id.</summary>
    Reversal,
    /// <summary>Changes the figure of another kind (<see cref="JournalEntry.AdjustsKind"/>) by a signed amount, with a reason.</summary>
    Adjustment,
    /// <summary>A finance lead's explicit "nothing to post for this line this month". Needs a line; amount zero.</summary>
    NilReturn,
    /// <summary>
    /// A finance lead's note on a line for a month, its text in <see cref="JournalEntry.Memo"/>; amount zero. The
    /// statement's Notes column shows the latest note up to its month; a later note replaces it there and the journal
    /// keeps every one. A note moves no money, so it is not reversed: writing the month's note again replaces it.
    /// </summary>
    Note,
}

/// <summary>Which figure each kind moves, and what it needs.</summary>
public static class EntryKinds
{
    /// <summary>The kinds an <see cref="EntryKind.Adjustment"/> may change.</summary>
    public static IReadOnlySet<EntryKind> Adjustable { get; } = new HashSet<EntryKind>
    {
        EntryKind.Allocation, EntryKind.Contribution, EntryKind.Commitment, EntryKind.Actual,
        EntryKind.PriorYearInvoice, EntryKind.Accrual, EntryKind.CarryForwardIn,
    };

    /// <summary>Why a note cannot be reversed, in the API's words.</summary>
    public const string NoteIsNotReversed =
        "a note moves no money and is not reversed; write the month's note again, and the statement shows the new one (the journal keeps both).";

    /// <summary>The kind as the API and its messages name it: camelCase ("priorYearInvoice").</summary>
    public static string Name(EntryKind kind) => kind.ToString() is var text ? char.ToLowerInvariant(text[0]) + text[1..] : "";

    public static bool NeedsLine(EntryKind kind) => kind is EntryKind.Commitment or EntryKind.CommitmentRelease or EntryKind.Actual
        or EntryKind.PriorYearInvoice or EntryKind.Accrual or EntryKind.ForecastOutturn or EntryKind.NilReturn or EntryKind.Note;

    public static bool NeedsStream(EntryKind kind) => kind is EntryKind.Allocation or EntryKind.Contribution or EntryKind.CarryForwardIn;

    public static bool NeedsPartner(EntryKind kind) => kind is EntryKind.Contribution;

    /// <summary>Kinds whose figures are for the year as a whole, so a statement counts them whatever their month.</summary>
    public static bool IsAnnual(EntryKind kind) => kind is EntryKind.Allocation or EntryKind.Contribution or EntryKind.Commitment
        or EntryKind.CommitmentRelease or EntryKind.CarryForwardIn;

    /// <summary>Kinds a finance lead submits month by month for a line.</summary>
    public static bool IsMonthlySubmission(EntryKind kind) => kind is EntryKind.Actual or EntryKind.Accrual or EntryKind.NilReturn;
}
