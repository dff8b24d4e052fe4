using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;

namespace Finance.Domain.Reconciliation;

/// <summary>
/// Month-end reconciliation: each rule is a pure function of the pool, its lines, its ledger and the statement, and
/// <see cref="Run"/> runs them all. The ledger is read as at the input's instant, like the statement.
/// </summary>
public static class ReconciliationRules
{
    public static ReconciliationReport Run(ReconciliationInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = Context.Of(input);
        IEnumerable<Finding>[] all =
        [
            AllocationsAgreeWithContributions(context),
            ContributionsAgreeWithAgreement(context),
            LineBudgetsWithinPool(context),
            StatementIdentitiesHold(context),
            EntriesWithinPeriod(context),
            SubmissionsPresent(context),
            CommittedWithinBudget(context),
            ForecastVariancesWithinThreshold(context),
            NoEntriesInClosedMonths(context),
            ReversalsMatch(context),
        ];
        var findings = all.SelectMany(f => f).OrderBy(f => f.Severity).ToArray();
        return new ReconciliationReport(context.Statement.Period, findings);
    }

    /// <summary>Per funding stream, allocations (income booked to the pool) must equal partners' contributions booked.</summary>
    public static IEnumerable<Finding> AllocationsAgreeWithContributions(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var stream in context.Pool.FundingStreams)
        {
            var allocated = context.Sum(EntryKind.Allocation, i => i.Stream == stream.Id);
            var contributed = context.Sum(EntryKind.Contribution, i => i.Stream == stream.Id);
            if (allocated != contributed)
            {
                yield return new Finding(FindingCodes.AllocationsDisagreeWithContributions, Severity.Blocking,
                    $"{stream.Name}: allocations total {allocated} but partners' contributions total {contributed} (difference {allocated - contributed}).",
                    Stream: stream.Id);
            }
        }
    }

    /// <summary>Per partner and stream, contributions booked must equal what the section 75 agreement says.</summary>
    public static IEnumerable<Finding> ContributionsAgreeWithAgreement(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pairs = context.Pool.Agreement.Contributions.Select(c => (c.Partner, c.Stream))
            .Concat(context.Ledger.OfFigure(EntryKind.Contribution).Select(i => (Partner: i.Partner!, Stream: i.Stream!)))
            .Distinct();
        foreach (var (partner, stream) in pairs)
        {
            var agreed = context.Pool.Agreement.Contributions.FirstOrDefault(c => c.Partner == partner && c.Stream == stream)?.AnnualAmount ?? Pence.Zero;
            var booked = context.Sum(EntryKind.Contribution, i => i.Partner == partner && i.Stream == stream);
            if (agreed != booked)
            {
                yield return new Finding(FindingCodes.ContributionsDisagreeWithAgreement, Severity.Warning,
                    $"{context.Pool.Organisation(partner).Name} has contributed {booked} to {context.Pool.Stream(stream).Name}; the agreement says {agreed}.",
                    Stream: stream, Partner: partner);
            }
        }
    }

    /// <summary>The lines' budgets together must not exceed the pool's budget: Balance Remaining is not negative.</summary>
    public static IEnumerable<Finding> LineBudgetsWithinPool(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var summary = context.Statement.Summary;
        if (summary.TotalCommitted > summary.TotalBudget)
        {
            yield return new Finding(FindingCodes.LineBudgetsExceedPool, Severity.Blocking,
                $"Lines have {summary.TotalCommitted} committed against a total budget of {summary.TotalBudget}: {summary.TotalCommitted - summary.TotalBudget} more than the pool holds.");
        }
    }

    public static IEnumerable<Finding> StatementIdentitiesHold(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Statement.CheckIdentities().Select(f =>
            new Finding(FindingCodes.StatementIdentityFails, Severity.Blocking, $"Statement identity '{f.Identity}' fails: {f.Detail}"));
    }

    /// <summary>
    /// Monthly entries for months after the period are left out of the statement: a warning, since it is often a
    /// mistyped month. Annual entries (a commitment approved after the period end) are counted by design: info.
    /// </summary>
    public static IEnumerable<Finding> EntriesWithinPeriod(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var item in context.Ledger.Items.Where(i => i.Entry.Month > context.Month).OrderBy(i => i.Entry.PostedAt))
        {
            var entry = item.Entry;
            yield return EntryKinds.IsAnnual(item.Figure)
                ? new Finding(FindingCodes.EntryAfterPeriod, Severity.Info,
                    $"{EntryKinds.Name(entry.Kind)} '{entry.Id}' ({entry.Amount}) is for {entry.Month}, after the period; it is included because it was posted by the as-at moment.",
                    item.Line, item.Stream, item.Partner, entry.Month, entry.Id)
                : new Finding(FindingCodes.EntryAfterPeriod, Severity.Warning,
                    $"{EntryKinds.Name(entry.Kind)} '{entry.Id}' ({entry.Amount}) is for {entry.Month}, after the period to {context.Month.Label}, so this statement leaves it out.",
                    item.Line, item.Stream, item.Partner, entry.Month, entry.Id);
        }
    }

    /// <summary>Every line needs an actual, an accrual or a nil return for each open month from its start to the period.</summary>
    public static IEnumerable<Finding> SubmissionsPresent(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var closed = context.Input.ClosedMonths.Select(c => c.Month).ToHashSet();
        foreach (var line in context.Input.Lines)
        {
            for (var m = line.StartMonth; m <= context.Month.Number; m++)
            {
                var month = context.Month.Year.Month(m);
                if (!closed.Contains(month) && !context.Ledger.HasSubmission(line.Id, m))
                {
                    yield return new Finding(FindingCodes.MissingSubmission, Severity.Warning,
                        $"{line.Title}: no actual, accrual or nil return from {context.Pool.Organisation(line.Host).Name} for {month.Label} ({month.Name}).",
                        Line: line.Id, Month: month);
                }
            }
        }
    }

    /// <summary>A line whose spend so far (actuals and accruals) is already above its annual budget.</summary>
    public static IEnumerable<Finding> CommittedWithinBudget(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Statement.Rows.Where(r => r.YtdTotal > r.AnnualBudget).Select(r =>
            new Finding(FindingCodes.CommittedAboveBudget, Severity.Warning,
                $"{r.Title}: {r.YtdTotal} spent or accrued to {context.Month.Label}, above its annual budget of {r.AnnualBudget}.",
                Line: r.Line));
    }

    /// <summary>A line whose forecast outturn strays from its budget by more than both thresholds.</summary>
    public static IEnumerable<Finding> ForecastVariancesWithinThreshold(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Input.Options;
        foreach (var row in context.Statement.Rows)
        {
            var variance = row.ForecastOutturn - row.AnnualBudget;
            var magnitude = variance.Abs();
            var abovePercent = magnitude.Value * 100m > options.VariancePercentThreshold * row.AnnualBudget.Abs().Value;
            if (magnitude > options.VarianceAmountThreshold && abovePercent)
            {
                var percent = row.AnnualBudget.IsZero ? "" : string.Create(CultureInfo.InvariantCulture, $" ({variance.Value * 100m / row.AnnualBudget.Value:0.#}%)");
                yield return new Finding(FindingCodes.ForecastVarianceAboveThreshold, Severity.Warning,
                    $"{row.Title}: forecast outturn {row.ForecastOutturn} against a budget of {row.AnnualBudget}, a variance of {variance}{percent}.",
                    Line: row.Line);
            }
        }
    }

    /// <summary>Entries for a closed month posted after it closed got round the lock.</summary>
    public static IEnumerable<Finding> NoEntriesInClosedMonths(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var closedAt = context.Input.ClosedMonths
            .GroupBy(c => c.Month)
            .ToDictionary(g => g.Key, g => g.Min(c => c.ClosedAt));
        foreach (var item in context.Ledger.Items.Select(i => i.Entry).Concat(context.Ledger.UnmatchedReversals).OrderBy(e => e.PostedAt))
        {
            if (closedAt.TryGetValue(item.Month, out var at) && item.PostedAt > at)
            {
                yield return new Finding(FindingCodes.EntryInClosedMonth, Severity.Blocking,
                    $"{EntryKinds.Name(item.Kind)} '{item.Id}' for {item.Month} was posted {LondonTime.Format(item.PostedAt)}, after the month closed at {LondonTime.Format(at)}.",
                    item.Line, item.Stream, item.Partner, item.Month, item.Id);
            }
        }
    }

    /// <summary>Reversals that name no entry in the ledger, or another reversal; and entries sharing an id. None is counted.</summary>
    public static IEnumerable<Finding> ReversalsMatch(Context context)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var reversal in context.Ledger.UnmatchedReversals)
        {
            yield return new Finding(FindingCodes.UnmatchedReversal, Severity.Blocking,
                $"Reversal '{reversal.Id}' names '{reversal.ReversesEntryId}', which is not an entry it can reverse; it is left out of the figures.",
                reversal.Line, reversal.Stream, reversal.Partner, reversal.Month, reversal.Id);
        }
        foreach (var duplicate in context.Ledger.Duplicates)
        {
            yield return new Finding(FindingCodes.DuplicateEntryId, Severity.Blocking,
                $"Two entries share the id '{duplicate.Id}'; the later one ({EntryKinds.Name(duplicate.Kind)}, {duplicate.Amount}) is left out of the figures.",
                duplicate.Line, duplicate.Stream, duplicate.Partner, duplicate.Month, duplicate.Id);
        }
    }

    /// <summary>The input with its ledger snapshot and statement computed once for all rules.</summary>
    public sealed class Context
    {
        private Context(ReconciliationInput input, LedgerSnapshot ledger, BudgetStatement statement)
        {
            Input = input;
            Ledger = ledger;
            Statement = statement;
        }

        public ReconciliationInput Input { get; }

        public BudgetStatement Statement { get; }

        public Pool Pool => Input.Pool;

        public FinancialMonth Month => Input.Month;

        internal LedgerSnapshot Ledger { get; }

        public static Context Of(ReconciliationInput input)
        {
            ArgumentNullException.ThrowIfNull(input);
            var statement = BudgetStatement.Compute(input.Pool, input.Lines, input.Entries, input.Month, input.AsAt);
            return new Context(input, LedgerSnapshot.Take(input.Pool, input.Entries, input.AsAt), statement);
        }

        internal Pence Sum(EntryKind figure, Func<LedgerItem, bool> where) =>
            Pence.Sum(Ledger.OfFigure(figure).Where(where).Select(i => i.Amount));
    }
}
