using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Ledger;

/// <summary>
/// One immutable line of a pool's ledger. Nothing is updated in place: a correction is a new entry (a reversal or an
/// adjustment) that names what it corrects. The constructor refuses any combination a kind cannot have.
/// </summary>
public sealed record JournalEntry
{
    public JournalEntry(
        EntryId id,
        PoolId pool,
        FinancialMonth month,
        EntryKind kind,
        Pence amount,
        string author,
        Instant postedAt,
        EntrySource source,
        LineId? line = null,
        FundingStreamId? stream = null,
        OrganisationId? partner = null,
        EntryId? reversesEntryId = null,
        EntryKind? adjustsKind = null,
        string? reason = null,
        string? reference = null,
        string? memo = null)
    {
        Id = Require.NotNull(id, "entry id");
        Pool = Require.NotNull(pool, "pool");
        Month = Require.NotNull(month, "month");
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not a kind of entry.");
        }
        Kind = kind;
        Amount = amount;
        Author = Require.Text(author, "author");
        PostedAt = postedAt;
        Source = Require.NotNull(source, "entry source");
        Line = line;
        Stream = stream;
        Partner = partner;
        ReversesEntryId = reversesEntryId;
        AdjustsKind = adjustsKind;
        Reason = Require.OptionalText(reason, "reason");
        Reference = Require.OptionalText(reference, "reference", Limits.MaxNameLength);
        Memo = Require.OptionalText(memo, "memo");

        if (Problem() is { } problem)
        {
            throw new ArgumentException($"Entry '{id}' ({kind}, {amount}): {problem}.");
        }
    }

    public EntryId Id { get; }

    public PoolId Pool { get; }

    /// <summary>The month the entry is for (not when it was posted): a statement to month M counts months up to M.</summary>
    public FinancialMonth Month { get; }

    public FinancialYear Year => Month.Year;

    public EntryKind Kind { get; }

    public Pence Amount { get; }

    public string Author { get; }

    /// <summary>When the ledger accepted the entry: a statement as at an earlier instant does not see it.</summary>
    public Instant PostedAt { get; }

    public EntrySource Source { get; }

    public LineId? Line { get; }

    public FundingStreamId? Stream { get; }

    public OrganisationId? Partner { get; }

    /// <summary>For a <see cref="EntryKind.Reversal"/>: the entry it undoes.</summary>
    public EntryId? ReversesEntryId { get; }

    /// <summary>For an <see cref="EntryKind.Adjustment"/>: the kind of figure it changes.</summary>
    public EntryKind? AdjustsKind { get; }

    /// <summary>Why a reversal or adjustment was made; required for both.</summary>
    public string? Reason { get; }

    /// <summary>The poster's own reference, such as an invoice or journal number in their ledger.</summary>
    public string? Reference { get; }

    public string? Memo { get; }

    /// <summary>
    /// The entry that undoes this one: same line, stream and partner, the negated amount, in <paramref name="month"/>
    /// (an open month at or after this entry's).
    /// </summary>
    public JournalEntry Reverse(EntryId id, FinancialMonth month, string author, Instant postedAt, string reason, EntrySource? source = null, string? reference = null)
    {
        if (Kind == EntryKind.Reversal)
        {
            throw new InvalidOperationException($"Entry '{Id}' is itself a reversal and cannot be reversed; post the original entry again instead.");
        }
        ArgumentNullException.ThrowIfNull(month);
        if (month < Month)
        {
            throw new ArgumentException($"A reversal of entry '{Id}' (for {Month}) cannot be for an earlier month ({month}).", nameof(month));
        }
        return new JournalEntry(id, Pool, month, EntryKind.Reversal, -Amount, author, postedAt, source ?? EntrySource.Api,
            Line, Stream, Partner, reversesEntryId: Id, reason: reason, reference: reference);
    }

    private string? Problem()
    {
        if (Kind == EntryKind.Reversal)
        {
            return ReversesEntryId is null ? "a reversal must name the entry it reverses"
                : ReversesEntryId == Id ? "an entry cannot reverse itself"
                : AdjustsKind is not null ? "a reversal does not adjust a kind; it takes the kind of the entry it reverses"
                : Reason is null ? "a reversal needs a reason"
                : null;
        }
        if (ReversesEntryId is not null)
        {
            return $"only a reversal names an entry it reverses, not {Kind}";
        }
        if (Kind == EntryKind.Adjustment)
        {
            if (AdjustsKind is not { } adjusted || !EntryKinds.Adjustable.Contains(adjusted))
            {
                return $"an adjustment must say which kind it adjusts: one of {string.Join(", ", EntryKinds.Adjustable)}";
            }
            if (Reason is null)
            {
                return "an adjustment needs a reason";
            }
            if (Amount.IsZero)
            {
                return "an adjustment of zero changes nothing";
            }
            return TargetsProblem(adjusted);
        }
        if (AdjustsKind is not null)
        {
            return $"only an adjustment names a kind it adjusts, not {Kind}";
        }
        var amountProblem = Kind switch
        {
            EntryKind.Allocation or EntryKind.Contribution or EntryKind.Commitment or EntryKind.CommitmentRelease when !Amount.IsPositive
                => $"the amount of {Kind} must be above zero (to reduce one, post a reversal, an adjustment or a release)",
            EntryKind.ForecastOutturn when Amount.IsNegative => "a forecast outturn cannot be negative",
            EntryKind.NilReturn when !Amount.IsZero => "a nil return has no amount",
            EntryKind.Actual or EntryKind.PriorYearInvoice or EntryKind.Accrual or EntryKind.CarryForwardIn when Amount.IsZero
                => $"an amount of zero for {Kind} posts nothing (for a month with nothing to post, send a nil return)",
            _ => null,
        };
        return amountProblem ?? TargetsProblem(Kind);
    }

    private string? TargetsProblem(EntryKind figure)
    {
        if (EntryKinds.NeedsLine(figure) != Line is not null)
        {
            return Line is null ? $"{figure} needs a line" : $"{figure} is not for a line, but names line '{Line}'";
        }
        if (EntryKinds.NeedsStream(figure) != Stream is not null)
        {
            return Stream is null ? $"{figure} needs a funding stream" : $"{figure} does not name a funding stream, but names '{Stream}'";
        }
        if (EntryKinds.NeedsPartner(figure) != Partner is not null)
        {
            return Partner is null ? $"{figure} needs a partner" : $"{figure} does not name a partner, but names '{Partner}'";
        }
        return null;
    }
}
