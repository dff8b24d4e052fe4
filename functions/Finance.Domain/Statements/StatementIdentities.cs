using Finance.Domain.Money;

namespace Finance.Domain.Statements;

/// <summary>
/// The identities every budget statement must satisfy. Computed statements satisfy them by construction; checking
/// them again when a frozen statement is read back catches corruption and hand edits.
/// </summary>
public static class StatementIdentities
{
    public static IReadOnlyList<IdentityFailure> Check(BudgetStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var failures = new List<IdentityFailure>();
        var monthCount = statement.Month.Number;

        void Expect(bool holds, string identity, string detail)
        {
            if (!holds)
            {
                failures.Add(new IdentityFailure(identity, detail));
            }
        }

        foreach (var row in statement.Rows)
        {
            var name = $"line '{row.Line}' ({row.Title})";
            Expect(row.Months.Count == monthCount, "month-columns",
                $"{name} has {row.Months.Count} month columns; a statement to month {monthCount} has {monthCount}.");
            var months = Pence.Sum(row.Months);
            Expect(row.YtdActuals == row.PriorYearInvoices + months, "ytd-actuals",
                $"{name}: YTD Actuals {row.YtdActuals} ≠ Prior Year Invoices {row.PriorYearInvoices} + months {months}.");
            Expect(row.YtdTotal == row.YtdActuals + row.YtdAccruals, "ytd-total",
                $"{name}: YTD Total {row.YtdTotal} ≠ YTD Actuals {row.YtdActuals} + YTD Accruals {row.YtdAccruals}.");
            Expect(row.Variance == row.YtdTotal - row.YtdForecast, "variance",
                $"{name}: Variance {row.Variance} ≠ YTD Total {row.YtdTotal} − YTD Forecast {row.YtdForecast}.");
            Expect(monthCount < 12 || row.YtdForecast == row.AnnualBudget, "forecast-to-year-end",
                $"{name}: YTD Forecast at month 12 is {row.YtdForecast}, not the annual budget {row.AnnualBudget}.");
        }

        var totals = statement.Totals;
        var expected = StatementTotals.Of(statement.Rows.Where(r => r.Months.Count == monthCount).ToArray(), monthCount);
        Expect(totals.Months.Count == monthCount && totals.Months.SequenceEqual(expected.Months) && totals with { Months = expected.Months } == expected,
            "totals-row", $"The totals row is not the sum of the rows (expected {Describe(expected)}, found {Describe(totals)}).");

        var summary = statement.Summary;
        var sources = Pence.Sum(summary.Sources.Select(s => s.Amount));
        Expect(summary.TotalBudget == sources, "total-budget", $"Total Budget {summary.TotalBudget} ≠ the sum of the budget sources {sources}.");
        var committed = Pence.Sum(summary.Committed.Select(c => c.Amount));
        Expect(summary.TotalCommitted == committed, "total-committed", $"Total Committed {summary.TotalCommitted} ≠ the sum of the committed items {committed}.");
        Expect(summary.TotalCommitted == totals.AnnualBudget, "committed-equals-line-budgets",
            $"Total Committed {summary.TotalCommitted} ≠ the lines' annual budgets {totals.AnnualBudget}.");
        Expect(summary.BalanceRemaining == summary.TotalBudget - summary.TotalCommitted, "balance-remaining",
            $"Balance Remaining {summary.BalanceRemaining} ≠ Total Budget {summary.TotalBudget} − Total Committed {summary.TotalCommitted}.");
        return failures;
    }

    private static string Describe(StatementTotals t) =>
        $"annual {t.AnnualBudget}, prior-year {t.PriorYearInvoices}, months [{string.Join(", ", t.Months)}], actuals {t.YtdActuals}, "
        + $"accruals {t.YtdAccruals}, total {t.YtdTotal}, forecast {t.YtdForecast}, variance {t.Variance}, outturn {t.ForecastOutturn}";
}
