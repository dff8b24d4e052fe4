using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Storage.Closes;

/// <summary>
/// A budget statement as a close froze it: the archived record of what the board saw, kept seven years. Its shape is its
/// own, versioned by <see cref="Format"/>, and not the API's response type, so a change to the API cannot change what
/// a stored record means. Amounts are exact, in pence; pounds are formatted from them when shown.
/// </summary>
/// <param name="Headings">The detail block's column headings, in order, as the statement had them.</param>
public sealed record FrozenStatement(
    string Format,
    string PoolId,
    string PoolName,
    string FinancialYear,
    int Month,
    LocalDate PeriodEnd,
    Instant AsAt,
    IReadOnlyList<string> Headings,
    IReadOnlyList<FrozenSource> Sources,
    long TotalBudgetPence,
    IReadOnlyList<FrozenCommitment> Committed,
    long TotalCommittedPence,
    long BalanceRemainingPence,
    IReadOnlyList<FrozenRow> Rows,
    FrozenTotals Totals)
{
    /// <summary>This shape's name and version. A reader refuses any other: a new shape is a new version, read beside this one.</summary>
    public const string CurrentFormat = "finance.frozen-statement/1";

    public static FrozenStatement From(BudgetStatement s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(
            CurrentFormat, s.Pool.Value, s.PoolName, s.Period.Year.ToString(), s.Month.Number, s.Period.PeriodEnd, s.Period.AsAt,
            BudgetStatement.ColumnHeadings(s.Month.Number),
            s.Summary.Sources.Select(x => new FrozenSource(x.Stream.Value, x.Name, x.Funder, x.CarriedForward, x.Amount.Value)).ToList(),
            s.Summary.TotalBudget.Value,
            s.Summary.Committed.Select(c => new FrozenCommitment(c.Line.Value, c.Title, c.Amount.Value)).ToList(),
            s.Summary.TotalCommitted.Value,
            s.Summary.BalanceRemaining.Value,
            s.Rows.Select(r => new FrozenRow(
                r.Line.Value, r.FundingSource.Value, r.FundingSourceLabel, r.Title, r.Host.Value, r.HostName, r.AnnualBudget.Value,
                r.PriorYearInvoices.Value, r.Months.Select(m => m.Value).ToList(), r.YtdActuals.Value, r.YtdAccruals.Value, r.YtdTotal.Value,
                r.YtdForecast.Value, r.Variance.Value, r.ForecastOutturn.Value, r.ForecastIsPosted, r.Notes)).ToList(),
            new FrozenTotals(
                s.Totals.AnnualBudget.Value, s.Totals.PriorYearInvoices.Value, s.Totals.Months.Select(m => m.Value).ToList(), s.Totals.YtdActuals.Value,
                s.Totals.YtdAccruals.Value, s.Totals.YtdTotal.Value, s.Totals.YtdForecast.Value, s.Totals.Variance.Value, s.Totals.ForecastOutturn.Value));
    }

    /// <summary>Every amount, named (“programme-manager month 3”), for comparing a frozen record with the journal.</summary>
    public IEnumerable<(string What, long Pence)> Amounts()
    {
        yield return ("total budget", TotalBudgetPence);
        yield return ("total committed", TotalCommittedPence);
        yield return ("balance remaining", BalanceRemainingPence);
        foreach (var r in Rows)
        {
            yield return ($"{r.Line} annual budget", r.AnnualBudgetPence);
            yield return ($"{r.Line} prior-year invoices", r.PriorYearInvoicesPence);
            for (var i = 0; i < r.MonthsPence.Count; i++)
            {
                yield return ($"{r.Line} month {i + 1}", r.MonthsPence[i]);
            }
            yield return ($"{r.Line} YTD actuals", r.YtdActualsPence);
            yield return ($"{r.Line} YTD accruals", r.YtdAccrualsPence);
            yield return ($"{r.Line} YTD total", r.YtdTotalPence);
            yield return ($"{r.Line} YTD forecast", r.YtdForecastPence);
            yield return ($"{r.Line} variance", r.VariancePence);
            yield return ($"{r.Line} forecast outturn", r.ForecastOutturnPence);
        }
        yield return ("totals YTD total", Totals.YtdTotalPence);
        yield return ("totals forecast outturn", Totals.ForecastOutturnPence);
    }

    /// <summary>Why the record is not a statement of this format (another format, rows without their months), or null.
    /// Whether its amounts are right is verification's question: it recomputes them from the journal.</summary>
    internal string? Problem()
    {
        if (Format != CurrentFormat)
        {
            return $"its format is '{Format}', not {CurrentFormat}.";
        }
        if (Month is < 1 or > 12 || Rows.Any(r => r.MonthsPence.Count != Month) || Totals.MonthsPence.Count != Month)
        {
            return $"its rows do not each hold months 1 to {Month}.";
        }
        return null;
    }
}

public sealed record FrozenSource(string Stream, string Name, string? Funder, bool CarriedForward, long AmountPence);

public sealed record FrozenCommitment(string Line, string Title, long AmountPence);

/// <param name="MonthsPence">Months 1 to M.</param>
public sealed record FrozenRow(
    string Line, string FundingSource, string FundingSourceLabel, string Title, string Host, string HostName, long AnnualBudgetPence,
    long PriorYearInvoicesPence, IReadOnlyList<long> MonthsPence, long YtdActualsPence, long YtdAccrualsPence, long YtdTotalPence,
    long YtdForecastPence, long VariancePence, long ForecastOutturnPence, bool ForecastIsPosted, string Notes);

public sealed record FrozenTotals(
    long AnnualBudgetPence, long PriorYearInvoicesPence, IReadOnlyList<long> MonthsPence, long YtdActualsPence, long YtdAccrualsPence,
    long YtdTotalPence, long YtdForecastPence, long VariancePence, long ForecastOutturnPence);
