using System.Globalization;
using System.Text;
using Finance.Domain.Calendar;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Functions.Imports;

namespace Finance.Functions.Statements;

/// <summary>
/// A budget statement as CSV for a spreadsheet: UTF-8 with a byte order mark (so Excel reads £ and accents as UTF-8),
/// CRLF line ends, comma-delimited. The title block, then the summary block, then the detail block with its headings
/// and totals row, laid out by <see cref="StatementLayout"/> exactly as the workbook lays them out.
/// </summary>
/// <remarks>
/// Amounts are plain numbers a spreadsheet parses: whole pounds (half away from zero, as the statement shows them) or,
/// with pence, two decimal places; never thousands separators, which would need quoting and read back as text. Every
/// text cell goes through <see cref="CsvCells.Field"/>, so a title of "=HYPERLINK(...)" arrives as inert text.
/// </remarks>
public static class StatementCsv
{
    private const char Delimiter = ',';
    private const string LineEnd = "\r\n";
    private static readonly UTF8Encoding Utf8WithBom = new(encoderShouldEmitUTF8Identifier: true);

    public static byte[] Write(BudgetStatement statement, bool withPence = false)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var text = new StringBuilder();
        foreach (var row in StatementLayout.Rows(statement))
        {
            for (var i = 0; i < row.Cells.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(Delimiter);
                }
                text.Append(Field(row.Cells[i], withPence));
            }
            text.Append(LineEnd);
        }
        return [.. Utf8WithBom.GetPreamble(), .. Utf8WithBom.GetBytes(text.ToString())];
    }

    /// <summary>"48000" or "-45000"; with pence "48000.00". Numbers are not passed through the formula escape: a
    /// leading minus is a sign here, and escaping it would turn the amount into text.</summary>
    internal static string Number(Pence amount, bool withPence) => withPence
        ? (amount.Value / 100m).ToString("0.00", CultureInfo.InvariantCulture)
        : amount.WholePounds.ToString(CultureInfo.InvariantCulture);

    private static string Field(StatementCell cell, bool withPence) =>
        cell.Amount is { } amount ? Number(amount, withPence) : CsvCells.Field(cell.Text, Delimiter);
}

/// <summary>What a row of an exported statement is. The workbook styles rows by it; the CSV only needs the cells.</summary>
internal enum StatementRowKind
{
    /// <summary>The pool's name.</summary>
    Title,

    /// <summary>The period and as-at lines under the title.</summary>
    Subtitle,

    /// <summary>An empty row between blocks.</summary>
    Blank,

    /// <summary>"Budget sources | Funder | Amount" or "Committed | | Amount".</summary>
    SectionHeadings,

    /// <summary>A budget source or a committed item.</summary>
    Item,

    /// <summary>Total Budget, Total Committed, Balance Remaining.</summary>
    SummaryTotal,

    /// <summary>The detail block's headings: <see cref="BudgetStatement.ColumnHeadings"/>.</summary>
    ColumnHeadings,

    /// <summary>One budget line.</summary>
    Line,

    /// <summary>The totals row that closes the detail block.</summary>
    Totals,
}

/// <summary>One cell of an exported statement: text, an amount, or blank (neither).</summary>
/// <param name="HeadsAmounts">A heading over a column of amounts, which the workbook aligns right.</param>
internal readonly record struct StatementCell(string? Text, Pence? Amount, bool HeadsAmounts = false)
{
    public static StatementCell Blank => default;

    public bool IsBlank => Amount is null && string.IsNullOrEmpty(Text);

    public static StatementCell Of(string? text) => new(text, null);

    public static StatementCell Of(Pence amount) => new(null, amount);

    /// <summary>Prior-year invoices and month cells are blank when nothing was spent, as in <see cref="BudgetStatement.ToTable"/>.</summary>
    public static StatementCell BlankIfZero(Pence amount) => amount.IsZero ? Blank : Of(amount);

    public static StatementCell Heading(string text, bool headsAmounts = false) => new(text, null, headsAmounts);
}

/// <summary>One row of an exported statement.</summary>
internal sealed record StatementSheetRow(StatementRowKind Kind, IReadOnlyList<StatementCell> Cells);

/// <summary>
/// The rows both exports write, in order: title block, blank, summary block, blank, detail block. One layout for the
/// CSV and the workbook, so the two files cannot disagree about what a statement shows. The detail block has the
/// columns and blanks of <see cref="BudgetStatement.ToTable"/>, but keeps amounts as <see cref="Pence"/> so each file
/// can write them as numbers.
/// </summary>
internal static class StatementLayout
{
    public const string BudgetSources = "Budget sources";
    public const string Committed = "Committed";
    public const string TotalBudget = "Total Budget";
    public const string TotalCommitted = "Total Committed";
    public const string BalanceRemaining = "Balance Remaining";

    /// <summary>The detail columns before the amounts (Funding Source, Title, Host) and after them (Notes).</summary>
    private const int LeadingTextColumns = 3;
    private const int TrailingTextColumns = 1;

    /// <param name="itemiseCommitted">List every committed line in the summary (the CSV, as boards see it); the workbook
    /// shows only the total, since the detail below lists every line with its budget and its heading row stays frozen.</param>
    public static IReadOnlyList<StatementSheetRow> Rows(BudgetStatement statement, bool itemiseCommitted = true)
    {
        ArgumentNullException.ThrowIfNull(statement);
        // A statement that does not add up must not reach a board's papers looking authoritative.
        if (statement.CheckIdentities() is { Count: > 0 } failures)
        {
            throw new InvalidOperationException(
                $"The statement for {statement.PoolName} {statement.Month} does not add up, so it is not exported: {string.Join(" ", failures.Select(f => f.Detail))}");
        }

        var rows = new List<StatementSheetRow>
        {
            Row(StatementRowKind.Title, StatementCell.Of(statement.PoolName)),
            Row(StatementRowKind.Subtitle, StatementCell.Of(PeriodLine(statement.Period))),
            Row(StatementRowKind.Subtitle, StatementCell.Of(AsAtLine(statement.Period))),
            Row(StatementRowKind.Blank),
        };

        var summary = statement.Summary;
        // Each summary amount sits next to its label, as on the paper; a source's funder follows its amount.
        rows.Add(Row(StatementRowKind.SectionHeadings, StatementCell.Heading(BudgetSources), StatementCell.Heading("Amount", headsAmounts: true), StatementCell.Heading("Funder")));
        rows.AddRange(summary.Sources.Select(s => Row(StatementRowKind.Item, StatementCell.Of(s.Name), StatementCell.Of(s.Amount), StatementCell.Of(s.Funder ?? ""))));
        rows.Add(Row(StatementRowKind.SummaryTotal, StatementCell.Of(TotalBudget), StatementCell.Of(summary.TotalBudget)));
        if (itemiseCommitted)
        {
            rows.Add(Row(StatementRowKind.SectionHeadings, StatementCell.Heading(Committed), StatementCell.Heading("Amount", headsAmounts: true)));
            rows.AddRange(summary.Committed.Select(c => Row(StatementRowKind.Item, StatementCell.Of(c.Title), StatementCell.Of(c.Amount))));
        }
        rows.Add(Row(StatementRowKind.SummaryTotal, StatementCell.Of(TotalCommitted), StatementCell.Of(summary.TotalCommitted)));
        rows.Add(Row(StatementRowKind.SummaryTotal, StatementCell.Of(BalanceRemaining), StatementCell.Of(summary.BalanceRemaining)));
        rows.Add(Row(StatementRowKind.Blank));

        var headings = BudgetStatement.ColumnHeadings(statement.Month.Number);
        var lastAmountColumn = headings.Count - TrailingTextColumns - 1;
        rows.Add(new StatementSheetRow(
            StatementRowKind.ColumnHeadings,
            headings.Select((h, i) => StatementCell.Heading(h, headsAmounts: i is >= LeadingTextColumns && i <= lastAmountColumn)).ToArray()));
        foreach (var line in statement.Rows)
        {
            rows.Add(Row(StatementRowKind.Line, [
                StatementCell.Of(line.FundingSourceLabel), StatementCell.Of(line.Title), StatementCell.Of(line.HostName),
                StatementCell.Of(line.AnnualBudget), StatementCell.BlankIfZero(line.PriorYearInvoices),
                .. line.Months.Select(StatementCell.BlankIfZero),
                StatementCell.Of(line.YtdActuals), StatementCell.Of(line.YtdAccruals), StatementCell.Of(line.YtdTotal),
                StatementCell.Of(line.YtdForecast), StatementCell.Of(line.Variance), StatementCell.Of(line.ForecastOutturn),
                StatementCell.Of(line.Notes),
            ]));
        }
        var t = statement.Totals;
        rows.Add(Row(StatementRowKind.Totals, [
            StatementCell.Blank, StatementCell.Of("Total"), StatementCell.Blank,
            StatementCell.Of(t.AnnualBudget), StatementCell.BlankIfZero(t.PriorYearInvoices),
            .. t.Months.Select(StatementCell.BlankIfZero),
            StatementCell.Of(t.YtdActuals), StatementCell.Of(t.YtdAccruals), StatementCell.Of(t.YtdTotal),
            StatementCell.Of(t.YtdForecast), StatementCell.Of(t.Variance), StatementCell.Of(t.ForecastOutturn),
            StatementCell.Blank,
        ]));
        return rows;
    }

    /// <summary>"Budget statement to 30 September 2024 (2024/25 M6)".</summary>
    public static string PeriodLine(StatementPeriod period) =>
        $"Budget statement to {period.PeriodEnd.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)} ({period.Month})";

    /// <summary>
    /// "As at 2024-12-12 09:00, as known at 2024-12-20 10:15", in London time: what had happened by the first, as it
    /// had been recorded by the second (a statement as it stood when it was drawn has the two the same).
    /// </summary>
    public static string AsAtLine(StatementPeriod period) =>
        $"As at {LondonTime.Format(period.AsAt)}, as known at {LondonTime.Format(period.KnownAt ?? period.AsAt)}";

    private static StatementSheetRow Row(StatementRowKind kind, params StatementCell[] cells) => new(kind, cells);
}
