using System.Text;
using Finance.Domain.Statements;

namespace Finance.Domain.Tests.Properties;

/// <summary>Every figure of a statement as text, so two statements compare (and differ readably) in one assertion.</summary>
internal static class StatementText
{
    public static string Figures(BudgetStatement s, bool monthColumns = true)
    {
        var text = new StringBuilder();
        foreach (var source in s.Summary.Sources)
        {
            text.AppendLine($"source {source.Stream} {source.CarriedForward} {source.Amount}");
        }
        text.AppendLine($"budget {s.Summary.TotalBudget} committed {s.Summary.TotalCommitted} balance {s.Summary.BalanceRemaining}");
        foreach (var r in s.Rows)
        {
            var months = monthColumns ? string.Join(" ", r.Months) : "";
            text.AppendLine($"{r.Line}: annual {r.AnnualBudget} py {r.PriorYearInvoices} [{months}] act {r.YtdActuals} accr {r.YtdAccruals} "
                + $"total {r.YtdTotal} fcst {r.YtdForecast} var {r.Variance} fot {r.ForecastOutturn}");
        }
        var t = s.Totals;
        var totalMonths = monthColumns ? string.Join(" ", t.Months) : "";
        text.AppendLine($"totals: annual {t.AnnualBudget} py {t.PriorYearInvoices} [{totalMonths}] act {t.YtdActuals} accr {t.YtdAccruals} "
            + $"total {t.YtdTotal} fcst {t.YtdForecast} var {t.Variance} fot {t.ForecastOutturn}");
        return text.ToString();
    }
}
