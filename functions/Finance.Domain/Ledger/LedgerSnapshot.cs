using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Ledger;

/// <summary>An entry as the calculators count it: the figure it moves and what it is for, with reversals resolved.</summary>
internal sealed record LedgerItem(JournalEntry Entry, EntryKind Figure, LineId? Line, FundingStreamId? Stream, OrganisationId? Partner)
{
    public int MonthNumber => Entry.Month.Number;

    public Pence Amount => Entry.Amount;
}

/// <summary>
/// A pool's ledger for one year as it stood at an instant: the entries posted by then, each resolved to the figure it
/// moves. The rules every calculator shares live here, once:
/// <list type="bullet">
/// <item>an entry posted after the as-at instant does not exist yet;</item>
/// <item>an adjustment moves the figure of the kind it names;</item>
/// <item>a reversal moves the figure of the entry it reverses, in its own month, by the negated amount; for accruals
/// and forecasts (figures that are "as at month M", not sums) it instead cancels that entry from its own month on;</item>
/// <item>a reversal whose entry is missing, or is itself a reversal, is left out (reconciliation reports it).</item>
/// </list>
/// </summary>
internal sealed class LedgerSnapshot
{
    private static readonly IReadOnlyList<LedgerItem> None = [];
    private readonly Dictionary<LineId, List<LedgerItem>> _byLine = [];
    private readonly Dictionary<EntryId, int> _cancelledFromMonth = [];

    private LedgerSnapshot(IReadOnlyList<LedgerItem> items, IReadOnlyList<JournalEntry> unmatchedReversals, IReadOnlyList<JournalEntry> duplicates)
    {
        Items = items;
        UnmatchedReversals = unmatchedReversals;
        Duplicates = duplicates;
        foreach (var item in items)
        {
            if (item.Line is { } line)
            {
                if (!_byLine.TryGetValue(line, out var list))
                {
                    _byLine[line] = list = [];
                }
                list.Add(item);
            }
            if (item.Entry.ReversesEntryId is { } reversed)
            {
                _cancelledFromMonth[reversed] = Math.Min(item.MonthNumber, _cancelledFromMonth.GetValueOrDefault(reversed, 13));
            }
        }
    }

    public IReadOnlyList<LedgerItem> Items { get; }

    public IReadOnlyList<JournalEntry> UnmatchedReversals { get; }

    public IReadOnlyList<JournalEntry> Duplicates { get; }

    public static LedgerSnapshot Take(Pool pool, IReadOnlyList<JournalEntry> entries, Instant asAt, Instant? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count > Limits.MaxEntriesPerCalculation)
        {
            throw new ArgumentException($"{entries.Count} entries is more than the limit of {Limits.MaxEntriesPerCalculation} for one calculation.", nameof(entries));
        }
        var visible = new Dictionary<EntryId, JournalEntry>();
        var duplicates = new List<JournalEntry>();
        // Posting order decides which of two entries with one id is the real one; the other is reported, not counted.
        foreach (var entry in entries.OrderBy(e => e.PostedAt))
        {
            if (entry.Pool != pool.Id)
            {
                throw new ArgumentException($"Entry '{entry.Id}' belongs to pool '{entry.Pool}', not '{pool.Id}'.", nameof(entries));
            }
            // Effective time decides what had happened by the as-at; recorded time what was known by the known-at.
            if (entry.Year != pool.Year || entry.EffectiveAt > asAt || (knownAt is { } known && entry.PostedAt > known))
            {
                continue;
            }
            if (!visible.TryAdd(entry.Id, entry))
            {
                duplicates.Add(entry);
            }
        }

        var items = new List<LedgerItem>(visible.Count);
        var unmatched = new List<JournalEntry>();
        foreach (var entry in visible.Values)
        {
            switch (entry.Kind)
            {
                case EntryKind.Reversal:
                    if (visible.TryGetValue(entry.ReversesEntryId!, out var target) && target.Kind != EntryKind.Reversal)
                    {
                        items.Add(new LedgerItem(entry, target.AdjustsKind ?? target.Kind, target.Line, target.Stream, target.Partner));
                    }
                    else
                    {
                        unmatched.Add(entry);
                    }
                    break;
                case EntryKind.Adjustment:
                    items.Add(new LedgerItem(entry, entry.AdjustsKind!.Value, entry.Line, entry.Stream, entry.Partner));
                    break;
                default:
                    items.Add(new LedgerItem(entry, entry.Kind, entry.Line, entry.Stream, entry.Partner));
                    break;
            }
        }
        return new LedgerSnapshot(items, unmatched, duplicates);
    }

    public IReadOnlyList<LedgerItem> ForLine(LineId line) => _byLine.TryGetValue(line, out var list) ? list : None;

    /// <summary>Commitments less releases, whatever their month: a statement includes what was approved by its as-at.</summary>
    public Pence AnnualBudget(LineId line) => Pence.Sum(ForLine(line).Select(i => i.Figure switch
    {
        EntryKind.Commitment => i.Amount,
        EntryKind.CommitmentRelease => -i.Amount,
        _ => Pence.Zero,
    }));

    public Pence[] ActualsByMonth(LineId line, int throughMonth)
    {
        var months = new Pence[throughMonth];
        foreach (var item in ForLine(line))
        {
            if (item.Figure == EntryKind.Actual && item.MonthNumber <= throughMonth)
            {
                months[item.MonthNumber - 1] += item.Amount;
            }
        }
        return months;
    }

    public Pence PriorYearInvoices(LineId line, int throughMonth) =>
        Pence.Sum(ForLine(line).Where(i => i.Figure == EntryKind.PriorYearInvoice && i.MonthNumber <= throughMonth).Select(i => i.Amount));

    /// <summary>
    /// Accruals outstanding at the end of month M: those for month M itself, since each accrual reverses automatically
    /// in the next month. A reversal cancels an accrual from the reversal's month on.
    /// </summary>
    public Pence AccrualsAt(LineId line, int month) =>
        Pence.Sum(ForLine(line)
            .Where(i => i.Figure == EntryKind.Accrual && i.Entry.Kind != EntryKind.Reversal && i.MonthNumber == month && !IsCancelled(i.Entry, month))
            .Select(i => i.Amount));

    /// <summary>The latest forecast for month M or earlier (by month, then posting instant), unless it was reversed by then.</summary>
    public JournalEntry? LatestForecast(LineId line, int month) => Latest(line, EntryKind.ForecastOutturn, month);

    /// <summary>
    /// The latest note for month M or earlier (by month, then posting instant): what the statement's Notes column says
    /// for the line. Notes are not reversed (posting refuses it); one reversed in a ledger written otherwise is left out.
    /// </summary>
    public JournalEntry? LatestNote(LineId line, int month) => Latest(line, EntryKind.Note, month);

    /// <summary>Whether the line has an actual, accrual or nil return for the month that has not been reversed.</summary>
    public bool HasSubmission(LineId line, int month) =>
        ForLine(line).Any(i => i.MonthNumber == month && i.Entry.Kind != EntryKind.Reversal
            && EntryKinds.IsMonthlySubmission(i.Entry.AdjustsKind ?? i.Entry.Kind) && !IsCancelled(i.Entry, 12));

    public IEnumerable<LedgerItem> OfFigure(EntryKind figure) => Items.Where(i => i.Figure == figure);

    /// <summary>The line's latest entry of a kind that stands "as at month M": by month, then posting instant, then id.</summary>
    private JournalEntry? Latest(LineId line, EntryKind kind, int month) =>
        ForLine(line)
            .Where(i => i.Entry.Kind == kind && i.MonthNumber <= month && !IsCancelled(i.Entry, month))
            .Select(i => i.Entry)
            .OrderByDescending(e => e.Month.Number).ThenByDescending(e => e.PostedAt).ThenByDescending(e => e.Id.Value, StringComparer.Ordinal)
            .FirstOrDefault();

    private bool IsCancelled(JournalEntry entry, int asOfMonth) =>
        _cancelledFromMonth.TryGetValue(entry.Id, out var fromMonth) && fromMonth <= asOfMonth;
}
