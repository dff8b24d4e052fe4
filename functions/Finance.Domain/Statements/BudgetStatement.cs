using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Statements;

/// <summary>
/// The budget statement a partnership board notes: a summary block (sources, commitments, balance remaining) and a
/// detail block with one row per line and a totals row, for a month and as at an instant. See DOMAIN.md.
/// </summary>
public sealed record BudgetStatement(
    PoolId Pool,
    string PoolName,
    StatementPeriod Period,
    StatementSummary Summary,
    IReadOnlyList<StatementRow> Rows,
    StatementTotals Totals)
{
    public FinancialMonth Month => Period.Month;

    /// <summary>How many entries of the year were in its view (counted or reported): none when nothing had taken effect, as known, by its as-at.</summary>
    public int EntriesInEffect { get; init; }

    /// <summary>
    /// Computes the statement to <paramref name="month"/> from the entries posted at or before <paramref name="asAt"/>.
    /// Monthly figures (actuals, prior-year invoices, accruals, forecasts) count only months up to M; annual figures
    /// (allocations, balances brought forward, commitments) count whatever their month, as they stood at the as-at.
    /// Entries for other years are ignored; rows follow the order of <paramref name="lines"/>.
    /// </summary>
    public static BudgetStatement Compute(
        Pool pool, IReadOnlyList<BudgetLine> lines, IReadOnlyList<JournalEntry> entries, FinancialMonth month, Instant asAt, Instant? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(month);
        CheckLines(pool, lines);
        if (month.Year != pool.Year)
        {
            throw new ArgumentException($"Pool '{pool.Id}' is for {pool.Year}; a statement for {month} belongs to another year's pool.", nameof(month));
        }
        var ledger = LedgerSnapshot.Take(pool, entries, asAt, knownAt);
        return Compute(pool, lines, ledger, new StatementPeriod(month, asAt, knownAt));
    }

    internal static BudgetStatement Compute(Pool pool, IReadOnlyList<BudgetLine> lines, LedgerSnapshot ledger, StatementPeriod period)
    {
        var m = period.Month.Number;
        var ordered = DisplayOrder.Sort(lines, line => line.Display.Order).ToList();
        var rows = ordered.Select(line => Row(pool, line, ledger, m)).ToArray();
        var sources = Sources(pool, ledger);
        // Lines naming one summary group are one committed item, at the place of the group's first line.
        var committed = ordered.Zip(rows)
            .GroupBy(x => x.First.Display.SummaryGroup is { } group ? "group:" + group : "line:" + x.First.Id.Value, StringComparer.Ordinal)
            .Select(g => new CommittedItem(g.First().Second.Line, g.First().First.Display.SummaryGroup ?? g.First().Second.Title,
                Pence.Sum(g.Select(x => x.Second.AnnualBudget))))
            .ToArray();
        var totalBudget = Pence.Sum(sources.Select(s => s.Amount));
        var totalCommitted = Pence.Sum(committed.Select(c => c.Amount));
        var summary = new StatementSummary(sources, totalBudget, committed, totalCommitted, totalBudget - totalCommitted);
        return new BudgetStatement(pool.Id, pool.Name, period, summary, rows, StatementTotals.Of(rows, m)) {
            EntriesInEffect = ledger.Items.Count + ledger.UnmatchedReversals.Count + ledger.Duplicates.Count,
        };
    }

    /// <summary>The statement's identities that do not hold; empty for a sound statement. Storage asserts this on read.</summary>
    public IReadOnlyList<IdentityFailure> CheckIdentities() => StatementIdentities.Check(this);

    /// <summary>Funding Source | Title | Host | Annual Budget | Prior Year Invoices | Month 1 … Month M | YTD Actuals | … | Notes.</summary>
    public static IReadOnlyList<string> ColumnHeadings(int month)
    {
        if (month is < 1 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(month), month, $"Month {month} is not a financial month: use 1 to 12.");
        }
        return [
            "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices",
            .. Enumerable.Range(1, month).Select(i => string.Create(CultureInfo.InvariantCulture, $"Month {i}")),
            "YTD Actuals", "YTD Accruals", "YTD Total", "YTD Forecast", "Variance", "Forecast Outturn", "Notes",
        ];
    }

    /// <summary>
    /// The detail block as text: whole pounds (half away from zero) unless <paramref name="withPence"/>. Prior-year
    /// invoices and month cells are blank when nothing was spent, as boards are used to seeing them.
    /// </summary>
    public StatementTable ToTable(bool withPence = false)
    {
        string Amount(Pence p) => p.Format(withPence);
        string BlankIfZero(Pence p) => p.IsZero ? "" : p.Format(withPence);
        var rows = Rows.Select(r => (IReadOnlyList<string>)[
            r.FundingSourceLabel, r.Title, r.HostName, Amount(r.AnnualBudget), BlankIfZero(r.PriorYearInvoices),
            .. r.Months.Select(BlankIfZero),
            Amount(r.YtdActuals), Amount(r.YtdAccruals), Amount(r.YtdTotal), Amount(r.YtdForecast), Amount(r.Variance),
            Amount(r.ForecastOutturn), r.Notes,
        ]).ToArray();
        var t = Totals;
        IReadOnlyList<string> totals = [
            "", "Total", "", Amount(t.AnnualBudget), BlankIfZero(t.PriorYearInvoices),
            .. t.Months.Select(BlankIfZero),
            Amount(t.YtdActuals), Amount(t.YtdAccruals), Amount(t.YtdTotal), Amount(t.YtdForecast), Amount(t.Variance),
            Amount(t.ForecastOutturn), "",
        ];
        return new StatementTable(ColumnHeadings(Month.Number), rows, totals);
    }

    internal static void CheckLines(Pool pool, IReadOnlyList<BudgetLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count > Limits.MaxLinesPerPool)
        {
            throw new ArgumentException($"{lines.Count} lines is more than the limit of {Limits.MaxLinesPerPool} for a pool.", nameof(lines));
        }
        if (lines.FirstOrDefault(l => l.Pool != pool.Id) is { } stranger)
        {
            throw new ArgumentException($"Line '{stranger.Id}' belongs to pool '{stranger.Pool}', not '{pool.Id}'.", nameof(lines));
        }
        if (lines.GroupBy(l => l.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Line '{twice.Key}' is listed more than once.", nameof(lines));
        }
    }

    private static StatementRow Row(Pool pool, BudgetLine line, LedgerSnapshot ledger, int month)
    {
        var stream = pool.Stream(line.FundingSource);
        var annual = ledger.AnnualBudget(line.Id);
        var priorYear = ledger.PriorYearInvoices(line.Id, month);
        var months = ledger.ActualsByMonth(line.Id, month);
        var actuals = priorYear + Pence.Sum(months);
        var accruals = ledger.AccrualsAt(line.Id, month);
        var ytdTotal = actuals + accruals;
        var ytdForecast = Pence.Sum(line.Profile.Spread(annual, line.StartMonth).Take(month));
        var forecast = ledger.LatestForecast(line.Id, month);
        // The finance lead's latest note up to the month; before any, the note kept with the line's set-up.
        var note = ledger.LatestNote(line.Id, month)?.Memo ?? line.Notes ?? "";
        return new StatementRow(
            line.Id,
            stream.Id,
            line.Display.FundingSourceLabel ?? (stream.Funder is { } funder ? pool.Organisation(funder).Label : stream.Name),
            line.Title,
            line.Host,
            pool.Organisation(line.Host) is var host && host.StatementName is { } shown ? shown : host.Name,
            annual,
            priorYear,
            months,
            actuals,
            accruals,
            ytdTotal,
            ytdForecast,
            ytdTotal - ytdForecast,
            forecast?.Amount ?? annual,
            forecast is not null,
            note);
    }

    private static BudgetSource[] Sources(Pool pool, LedgerSnapshot ledger)
    {
        var sources = new List<BudgetSource>();
        foreach (var stream in pool.FundingStreams)
        {
            var funder = stream.Funder is { } id ? pool.Organisation(id).Label : null;
            var allocated = Pence.Sum(ledger.OfFigure(EntryKind.Allocation).Where(i => i.Stream == stream.Id).Select(i => i.Amount));
            var broughtForward = Pence.Sum(ledger.OfFigure(EntryKind.CarryForwardIn).Where(i => i.Stream == stream.Id).Select(i => i.Amount));
            // A source that nets to nothing (say, an allocation and its reversal) is left off, as if never posted.
            if (!allocated.IsZero)
            {
                sources.Add(new BudgetSource(stream.Id, stream.Name, funder, false, allocated));
            }
            if (!broughtForward.IsZero)
            {
                var name = stream.Kind == FundingStreamKind.CarriedForwardBalance
                    ? stream.Name
                    : $"{stream.Name}: {pool.Year.Previous} balance carried forward";
                sources.Add(new BudgetSource(stream.Id, name, funder, true, broughtForward));
            }
        }
        return sources.ToArray();
    }
}
