using Finance.Domain.Model;
using Finance.Domain.Money;

namespace Finance.Domain.Statements;

/// <summary>One budget source in the summary block: income to the pool from a stream, or a balance brought forward.</summary>
/// <param name="Funder">The funder's short name (e.g. "ICB"), or null for a balance with no funder.</param>
public sealed record BudgetSource(FundingStreamId Stream, string Name, string? Funder, bool CarriedForward, Pence Amount);

/// <summary>One committed item in the summary block: a line's annual budget.</summary>
public sealed record CommittedItem(LineId Line, string Title, Pence Amount);

/// <summary>
/// The summary block. Total Budget is the sum of the sources, Total Committed the sum of the committed items, and
/// Balance Remaining = Total Budget − Total Committed: money not yet allocated to anything.
/// </summary>
public sealed record StatementSummary(
    IReadOnlyList<BudgetSource> Sources,
    Pence TotalBudget,
    IReadOnlyList<CommittedItem> Committed,
    Pence TotalCommitted,
    Pence BalanceRemaining);

/// <summary>
/// One line of the detail block, in the statement's column order. <see cref="Months"/> holds months 1 to M.
/// YTD Actuals = Prior Year Invoices + the months; YTD Total = YTD Actuals + YTD Accruals; Variance = YTD Total − YTD Forecast.
/// </summary>
/// <param name="FundingSourceLabel">What the Funding Source column shows: the funder's short name, else the stream's name.</param>
/// <param name="ForecastIsPosted">False when Forecast Outturn is the default (the annual budget).</param>
public sealed record StatementRow(
    LineId Line,
    FundingStreamId FundingSource,
    string FundingSourceLabel,
    string Title,
    OrganisationId Host,
    string HostName,
    Pence AnnualBudget,
    Pence PriorYearInvoices,
    IReadOnlyList<Pence> Months,
    Pence YtdActuals,
    Pence YtdAccruals,
    Pence YtdTotal,
    Pence YtdForecast,
    Pence Variance,
    Pence ForecastOutturn,
    bool ForecastIsPosted,
    string Notes);

/// <summary>The totals row that closes the detail block: every amount column summed over the rows.</summary>
public sealed record StatementTotals(
    Pence AnnualBudget,
    Pence PriorYearInvoices,
    IReadOnlyList<Pence> Months,
    Pence YtdActuals,
    Pence YtdAccruals,
    Pence YtdTotal,
    Pence YtdForecast,
    Pence Variance,
    Pence ForecastOutturn)
{
    internal static StatementTotals Of(IReadOnlyList<StatementRow> rows, int monthCount) => new(
        Pence.Sum(rows.Select(r => r.AnnualBudget)),
        Pence.Sum(rows.Select(r => r.PriorYearInvoices)),
        Enumerable.Range(0, monthCount).Select(m => Pence.Sum(rows.Select(r => r.Months[m]))).ToArray(),
        Pence.Sum(rows.Select(r => r.YtdActuals)),
        Pence.Sum(rows.Select(r => r.YtdAccruals)),
        Pence.Sum(rows.Select(r => r.YtdTotal)),
        Pence.Sum(rows.Select(r => r.YtdForecast)),
        Pence.Sum(rows.Select(r => r.Variance)),
        Pence.Sum(rows.Select(r => r.ForecastOutturn)));
}

/// <summary>A statement identity that does not hold, named so that storage and reconciliation can report it.</summary>
/// <param name="Identity">A stable name such as "ytd-total" or "balance-remaining".</param>
public sealed record IdentityFailure(string Identity, string Detail);

/// <summary>The detail block as text cells, ready for CSV or a spreadsheet: headings, one row per line, and the totals row.</summary>
public sealed record StatementTable(IReadOnlyList<string> Headings, IReadOnlyList<IReadOnlyList<string>> Rows, IReadOnlyList<string> Totals);
