using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>
/// A partition's balance rows and head as one consistent read: what a statement "now" needs, without the journal.
/// The statement itself is still computed by the domain (<see cref="BudgetStatement.Compute"/>): the balances are
/// turned into the smallest journal that folds to them (<see cref="AsJournal"/>), so no statement rule is repeated here.
/// </summary>
public sealed class LedgerBalances
{
    private const string SyntheticAuthor = "ledger-balances";
    private const string SyntheticReason = "Net of the balance row";

    /// <summary>Before everything, so that any as-at sees the synthetic entries (forecasts keep their own instants).</summary>
    private static readonly Instant SyntheticPostedAt = Instant.MinValue;

    private readonly Dictionary<BalanceTarget, Balance> rows;

    internal LedgerBalances(LedgerHead head, IEnumerable<Balance> balances)
    {
        Head = head;
        rows = balances.ToDictionary(b => b.Target);
    }

    public LedgerHead Head { get; }

    public LedgerPartition Partition => Head.Partition;

    public IReadOnlyCollection<Balance> Rows => rows.Values;

    public Balance? Find(BalanceTarget target) => rows.GetValueOrDefault(target);

    public Balance? ForLine(LineId line) => Find(BalanceTarget.ForLine(line));

    /// <summary>
    /// The statement to <paramref name="month"/> as at <paramref name="asAt"/>, which must be at or after the latest
    /// posting's instant (for earlier as-ats, compute from <see cref="LedgerRepository.ReadAllEntriesAsync"/>).
    /// The statement's identities are asserted: a failure is a <see cref="LedgerInvariantException"/>.
    /// </summary>
    public BudgetStatement Statement(LedgerSetup setup, FinancialMonth month, Instant asAt)
    {
        ArgumentNullException.ThrowIfNull(setup);
        if (LedgerPartition.Of(setup.Pool) != Partition)
        {
            throw new ArgumentException($"The set-up is for {LedgerPartition.Of(setup.Pool)}, but these balances are {Partition}.", nameof(setup));
        }
        if (Head.LatestPostedAt is { } latest && asAt < latest)
        {
            throw new ArgumentOutOfRangeException(nameof(asAt), asAt,
                $"The balances of {Partition} include entries posted up to {latest}; a statement as at {asAt} must be computed from the journal.");
        }
        var statement = BudgetStatement.Compute(setup.Pool, setup.Lines, AsJournal(), month, asAt);
        if (statement.CheckIdentities() is { Count: > 0 } failures)
        {
            throw new LedgerInvariantException(
                $"The statement of {Partition} to {month} breaks its identities: {string.Join("; ", failures.Select(f => $"{f.Identity}: {f.Detail}"))}");
        }
        return statement;
    }

    /// <summary>
    /// Entries that fold to exactly these balances under the domain's rules: per line a commitment for its budget, an
    /// actual, prior-year invoice and accrual per month, its forecasts as posted (with a reversal for each one
    /// cancelled) and each month's note; per stream its allocations and balance brought forward; per partner its
    /// contributions. Amounts the kinds cannot carry (a negative net allocation) become adjustments. Ids are made up,
    /// except the forecasts' and notes'.
    /// </summary>
    public IReadOnlyList<JournalEntry> AsJournal()
    {
        var pool = Partition.Pool;
        var year = Partition.Year;
        var realIds = rows.Values.SelectMany(b => b.Forecasts).Select(f => f.Id.Value)
            .Concat(rows.Values.SelectMany(b => b.Notes).OfType<NoteMark>().Select(n => n.Id.Value)).ToHashSet(StringComparer.Ordinal);
        var next = 0;
        EntryId NewId()
        {
            string id;
            do
            {
                id = string.Create(CultureInfo.InvariantCulture, $"balance-{++next:D6}");
            }
            while (realIds.Contains(id));
            return new EntryId(id);
        }
        JournalEntry Entry(int month, EntryKind kind, Pence amount, LineId? line = null, FundingStreamId? stream = null,
            OrganisationId? partner = null, EntryKind? adjusts = null) =>
            new(NewId(), pool, year.Month(month), kind, amount, SyntheticAuthor, SyntheticPostedAt, EntrySource.Api,
                line, stream, partner, adjustsKind: adjusts, reason: adjusts is null ? null : SyntheticReason);

        var entries = new List<JournalEntry>();
        foreach (var balance in rows.Values.OrderBy(b => b.Target.RowKey, StringComparer.Ordinal))
        {
            var target = balance.Target;
            switch (target.Kind)
            {
                case BalanceTargetKind.Line:
                    var line = target.Line!;
                    if (balance.Budget.IsNegative)
                    {
                        throw new LedgerInvariantException($"Line '{line}' of {Partition} has a negative budget ({balance.Budget}).");
                    }
                    if (balance.Budget.IsPositive)
                    {
                        entries.Add(Entry(1, EntryKind.Commitment, balance.Budget, line));
                    }
                    for (var m = 1; m <= 12; m++)
                    {
                        if (!balance.Actuals[m - 1].IsZero)
                        {
                            entries.Add(Entry(m, EntryKind.Actual, balance.Actuals[m - 1], line));
                        }
                        if (!balance.PriorYearInvoices[m - 1].IsZero)
                        {
                            entries.Add(Entry(m, EntryKind.PriorYearInvoice, balance.PriorYearInvoices[m - 1], line));
                        }
                        if (!balance.Accruals[m - 1].IsZero)
                        {
                            entries.Add(Entry(m, EntryKind.Accrual, balance.Accruals[m - 1], line));
                        }
                    }
                    foreach (var forecast in balance.Forecasts)
                    {
                        var posted = new JournalEntry(forecast.Id, pool, year.Month(forecast.Month), EntryKind.ForecastOutturn, forecast.Amount,
                            SyntheticAuthor, forecast.PostedAt, EntrySource.Api, line);
                        entries.Add(posted);
                        if (forecast.CancelledFromMonth <= 12)
                        {
                            entries.Add(posted.Reverse(NewId(), year.Month(forecast.CancelledFromMonth), SyntheticAuthor, SyntheticPostedAt, SyntheticReason));
                        }
                    }
                    for (var m = 1; m <= 12; m++)
                    {
                        if (balance.Notes[m - 1] is { } note)
                        {
                            entries.Add(new JournalEntry(note.Id, pool, year.Month(m), EntryKind.Note, Pence.Zero, SyntheticAuthor, note.PostedAt,
                                EntrySource.Api, line, memo: note.Text));
                        }
                    }
                    break;
                case BalanceTargetKind.Stream:
                    var stream = target.Stream!;
                    if (balance.Allocated.IsPositive)
                    {
                        entries.Add(Entry(1, EntryKind.Allocation, balance.Allocated, stream: stream));
                    }
                    else if (balance.Allocated.IsNegative)
                    {
                        entries.Add(Entry(1, EntryKind.Adjustment, balance.Allocated, stream: stream, adjusts: EntryKind.Allocation));
                    }
                    if (!balance.BroughtForward.IsZero)
                    {
                        entries.Add(Entry(1, EntryKind.CarryForwardIn, balance.BroughtForward, stream: stream));
                    }
                    break;
                case BalanceTargetKind.Partner:
                    if (balance.Contributed.IsPositive)
                    {
                        entries.Add(Entry(1, EntryKind.Contribution, balance.Contributed, stream: target.Stream, partner: target.Partner));
                    }
                    else if (balance.Contributed.IsNegative)
                    {
                        entries.Add(Entry(1, EntryKind.Adjustment, balance.Contributed, stream: target.Stream, partner: target.Partner, adjusts: EntryKind.Contribution));
                    }
                    break;
            }
        }
        return entries;
    }
}
