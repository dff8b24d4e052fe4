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
        string? memo = null,
        Instant? effectiveAt = null)
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
        EffectiveAt = effectiveAt ?? postedAt;
        if (EffectiveAt > postedAt)
        {
            throw new ArgumentException(
                $"Entry '{id}' is effective at {EffectiveAt}, after it was posted at {postedAt}; what is recorded has happened.", nameof(effectiveAt));
        }
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

    /// <summary>When the ledger accepted the entry (recorded time): a statement as known at an earlier instant does not see it.</summary>
    public Instant PostedAt { get; }

    /// <summary>
    /// When what the entry records happened (effective time: a commitment's approval, an invoice's date, an accrual's
    /// booking), at or before <see cref="PostedAt"/>; the poster's to give, else the posting time. A statement as at an
    /// earlier instant does not see it.
    /// </summary>
    public Instant EffectiveAt { get; }

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
    public JournalEntry Reverse(
        EntryId id, FinancialMonth month, string author, Instant postedAt, string reason, EntrySource? source = null, string? reference = null,
        Instant? effectiveAt = null)
    {
        if (Kind == EntryKind.Reversal)
        {
            throw new InvalidOperationException($"Entry '{Id}' is itself a reversal and cannot be reversed; post the original entry again instead.");
        }
        if (Kind == EntryKind.Note)
        {
            throw new InvalidOperationException($"Entry '{Id}' is a note: {EntryKinds.NoteIsNotReversed}");
        }
        ArgumentNullException.ThrowIfNull(month);
        if (month < Month)
        {
            throw new ArgumentException($"A reversal of entry '{Id}' (for {Month}) cannot be for an earlier month ({month}).", nameof(month));
        }
        return new JournalEntry(id, Pool, month, EntryKind.Reversal, -Amount, author, postedAt, source ?? EntrySource.Api,
            Line, Stream, Partner, reversesEntryId: Id, reason: reason, reference: reference, effectiveAt: effectiveAt);
    }

    /// <summary>
    /// What is wrong with an entry of these parts, naming the field at fault as the API names it (<c>amount</c>,
    /// <c>line</c>, <c>stream</c>, <c>partner</c>, <c>adjustsKind</c>, <c>reason</c>, <c>reversesEntryId</c>, <c>memo</c>), or null.
    /// The constructor refuses the same; callers check first to say which field is wrong.
    /// </summary>
    public static EntryFault? Fault(
        EntryKind kind, Pence amount, LineId? line, FundingStreamId? stream, OrganisationId? partner, EntryId? reversesEntryId, EntryKind? adjustsKind,
        string? reason, string? memo, EntryId? id = null)
    {
        var name = EntryKinds.Name(kind);
        if (kind == EntryKind.Reversal)
        {
            return reversesEntryId is null ? new("reversesEntryId", "a reversal must name the entry it reverses")
                : reversesEntryId == id ? new("reversesEntryId", "an entry cannot reverse itself")
                : adjustsKind is not null ? new("adjustsKind", "a reversal does not adjust a kind; it takes the kind of the entry it reverses")
                : string.IsNullOrWhiteSpace(reason) ? new("reason", "a reversal needs a reason")
                : null;
        }
        if (reversesEntryId is not null)
        {
            return new("reversesEntryId", $"only a reversal names an entry it reverses, not {name}");
        }
        if (kind == EntryKind.Adjustment)
        {
            if (adjustsKind is not { } adjusted || !EntryKinds.Adjustable.Contains(adjusted))
            {
                return new("adjustsKind",
                    $"an adjustment must say which kind it adjusts: one of {string.Join(", ", EntryKinds.Adjustable.Select(EntryKinds.Name))}");
            }
            if (string.IsNullOrWhiteSpace(reason))
            {
                return new("reason", "an adjustment needs a reason");
            }
            if (amount.IsZero)
            {
                return new("amount", "an adjustment of zero changes nothing");
            }
            return TargetsFault(adjusted, line, stream, partner);
        }
        if (adjustsKind is not null)
        {
            return new("adjustsKind", $"only an adjustment names a kind it adjusts, not {name}");
        }
        var amountProblem = kind switch
        {
            EntryKind.Allocation or EntryKind.Contribution or EntryKind.Commitment or EntryKind.CommitmentRelease when !amount.IsPositive
                => $"the amount of {name} must be above zero (to reduce one, post a reversal, an adjustment or a release)",
            EntryKind.ForecastOutturn when amount.IsNegative => "a forecast outturn cannot be negative",
            EntryKind.NilReturn when !amount.IsZero => "a nil return has no amount",
            EntryKind.Note when !amount.IsZero => "a note has no amount",
            EntryKind.Actual or EntryKind.PriorYearInvoice or EntryKind.Accrual or EntryKind.CarryForwardIn when amount.IsZero
                => $"an amount of zero for {name} posts nothing (for a month with nothing to post, send a nil return)",
            _ => null,
        };
        if (amountProblem is not null)
        {
            return new("amount", amountProblem);
        }
        if (kind == EntryKind.Note && string.IsNullOrWhiteSpace(memo))
        {
            return new("memo", "a note needs its text in memo");
        }
        if (kind == EntryKind.Note && memo!.Length > Limits.MaxNoteLength)
        {
            return new("memo", $"a note is at most {Limits.MaxNoteLength} characters; this one has {memo.Length}");
        }
        return TargetsFault(kind, line, stream, partner);
    }

    private string? Problem() =>
        Fault(Kind, Amount, Line, Stream, Partner, ReversesEntryId, AdjustsKind, Reason, Memo, Id) is { } fault ? fault.Message : null;

    private static EntryFault? TargetsFault(EntryKind figure, LineId? line, FundingStreamId? stream, OrganisationId? partner)
    {
        var name = EntryKinds.Name(figure);
        if (EntryKinds.NeedsLine(figure) != line is not null)
        {
            return new("line", line is null ? $"an entry of kind {name} needs a line" : $"an entry of kind {name} is not for a line, but names line '{line}'");
        }
        if (EntryKinds.NeedsStream(figure) != stream is not null)
        {
            return new("stream", stream is null
                ? $"an entry of kind {name} needs a funding stream"
                : $"an entry of kind {name} does not name a funding stream, but names '{stream}'");
        }
        if (EntryKinds.NeedsPartner(figure) != partner is not null)
        {
            return new("partner", partner is null
                ? $"an entry of kind {name} needs a partner"
                : $"an entry of kind {name} does not name a partner, but names '{partner}'");
        }
        return null;
    }
}

/// <summary>What is wrong with an entry: the field at fault as the API names it, and why.</summary>
public sealed record EntryFault(string Field, string Message);
