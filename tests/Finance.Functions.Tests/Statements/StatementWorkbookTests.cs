using System.Globalization;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using DocumentFormat.OpenXml.Validation;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Functions.Statements;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>The budget statement as an Excel workbook: valid, numbers as numbers, bold totals, frozen headings.</summary>
public sealed class StatementWorkbookTests
{
    private const string FormulaTitle = "=HYPERLINK(\"http://evil.example\",\"Click\")";

    /// <summary>The workbook read back: its one worksheet's cells by reference, and the styles they point at.</summary>
    private sealed class Opened : IDisposable
    {
        private readonly MemoryStream stream;

        public Opened(byte[] bytes)
        {
            stream = new MemoryStream(bytes, writable: false);
            Document = SpreadsheetDocument.Open(stream, false);
            var workbookPart = Document.WorkbookPart!;
            Sheet = workbookPart.Workbook.Sheets!.Elements<Sheet>().Single();
            Worksheet = ((WorksheetPart)workbookPart.GetPartById(Sheet.Id!)).Worksheet;
            Styles = workbookPart.WorkbookStylesPart!.Stylesheet;
            Rows = Worksheet.GetFirstChild<SheetData>()!.Elements<Row>().ToArray();
        }

        public SpreadsheetDocument Document { get; }

        public Sheet Sheet { get; }

        public Worksheet Worksheet { get; }

        public Stylesheet Styles { get; }

        public Row[] Rows { get; }

        public Row Row(uint number) => Rows.Single(r => r.RowIndex!.Value == number);

        /// <summary>The row whose column <paramref name="column"/> holds <paramref name="text"/>, below the headings when asked.</summary>
        public Row RowWith(string column, string text, bool inDetail = false) => Rows
            .Where(r => !inDetail || r.RowIndex!.Value > HeadingsRow)
            .Single(r => r.Elements<Cell>().Any(c => c.CellReference!.Value == $"{column}{r.RowIndex!.Value}" && Text(c) == text));

        public uint HeadingsRow => RowWithFirstCell("Funding Source").RowIndex!.Value;

        public Row RowWithFirstCell(string text) => Rows.Single(r => Text(r.Elements<Cell>().First()) == text);

        public CellFormat Format(Cell cell) => Styles.CellFormats!.Elements<CellFormat>().ElementAt((int)(cell.StyleIndex?.Value ?? 0));

        public bool IsBold(Cell cell) => Styles.Fonts!.Elements<Font>().ElementAt((int)Format(cell).FontId!.Value).Bold is not null;

        public string? NumberFormat(Cell cell) => Styles.NumberingFormats?.Elements<NumberingFormat>()
            .SingleOrDefault(f => f.NumberFormatId!.Value == Format(cell).NumberFormatId!.Value)?.FormatCode?.Value;

        public void Dispose()
        {
            Document.Dispose();
            stream.Dispose();
        }
    }

    private static Opened Riverside(bool withPence = false) => new(StatementWorkbook.Write(new RiversideExample().Statement(), withPence));

    private static Cell? At(Row row, string column) =>
        row.Elements<Cell>().SingleOrDefault(c => c.CellReference!.Value == $"{column}{row.RowIndex!.Value}");

    private static string? Text(Cell cell) =>
        cell.DataType?.Value == CellValues.InlineString ? cell.InlineString!.Text!.Text : null;

    /// <summary>A number cell: no data type (or Number) and an invariant-culture value.</summary>
    private static decimal Number(Cell? cell)
    {
        cell.Should().NotBeNull();
        (cell!.DataType is null || cell.DataType.Value == CellValues.Number).Should().BeTrue($"{cell.CellReference} is a number cell");
        cell.CellFormula.Should().BeNull();
        return decimal.Parse(cell.CellValue!.Text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
    }

    private static RiversideExample WithFormulaLookingText()
    {
        var example = new RiversideExample(poolName: "+Riverside Place");
        example.AddLine("evil", FormulaTitle, 2_000, notes: "@SUM(A1:A9)");
        return example;
    }

    // The SDK's validator checks every part against the Office 2016 schemas and semantic rules (style indexes in range,
    // element order, references). It is the closest check available here to Excel opening the file without "repair".
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_workbook_validates_against_the_office_2016_schemas(bool withPence)
    {
        var example = WithFormulaLookingText();
        example.AddLine("odd-text", " Spaces, a tab\tand _x0041_ \u0001 ", 1_000, notes: "Two\nlines");
        example.Post(6, EntryKind.Actual, 0.50m, RiversideExample.LeadershipAlliance);

        foreach (var bytes in new[] { StatementWorkbook.Write(new RiversideExample().Statement(), withPence), StatementWorkbook.Write(example.Statement(), withPence) })
        {
            using var workbook = new Opened(bytes);
            var errors = new OpenXmlValidator(FileFormatVersions.Office2016).Validate(workbook.Document)
                .Select(e => $"{e.Path?.XPath}: {e.Description}");
            errors.Should().BeEmpty();
        }
    }

    [Fact]
    public void There_is_one_worksheet_named_for_the_month_with_a_name_excel_accepts()
    {
        using var workbook = Riverside();

        workbook.Sheet.Name!.Value.Should().Be("2024-25 M6");
        workbook.Sheet.Name.Value.Should().HaveLength(10).And.NotContainAny("/", "\\", "?", "*", "[", "]", ":");
        StatementWorkbook.SheetName(RiversideExample.Year.Month(12)).Should().Be("2024-25 M12");
        StatementWorkbook.ContentType.Should().Be("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }

    [Fact]
    public void The_title_and_period_are_at_the_top_and_the_summary_sits_above_the_detail()
    {
        using var workbook = Riverside();

        Text(At(workbook.Row(1), "A")!).Should().Be("Riverside Place");
        workbook.IsBold(At(workbook.Row(1), "A")!).Should().BeTrue();
        Text(At(workbook.Row(2), "A")!).Should().Be("Budget statement to 30 September 2024 (2024/25 M6)");
        Text(At(workbook.Row(3), "A")!).Should().Be("As at 2024-10-10 13:00, as known at 2024-10-10 13:00");

        var sources = workbook.RowWithFirstCell("Budget sources");
        var place = workbook.RowWithFirstCell("Place-based allocation");
        Number(At(place, "B")).Should().Be(300_000m, "each summary amount is next to its label");
        Text(At(place, "C")!).Should().Be("ICB");
        Number(At(workbook.RowWithFirstCell("Total Budget"), "B")).Should().Be(333_000m);
        Number(At(workbook.RowWithFirstCell("Total Committed"), "B")).Should().Be(267_000m);
        var balance = workbook.RowWithFirstCell("Balance Remaining");
        Number(At(balance, "B")).Should().Be(66_000m);
        workbook.IsBold(At(balance, "B")!).Should().BeTrue();
        sources.RowIndex!.Value.Should().BeGreaterThan(3);
        balance.RowIndex!.Value.Should().BeLessThan(workbook.HeadingsRow);
    }

    [Fact]
    public void The_headings_row_is_the_statement_columns_in_bold()
    {
        using var workbook = Riverside();
        var headings = workbook.Row(workbook.HeadingsRow).Elements<Cell>().ToArray();

        headings.Select(Text).Should().Equal(BudgetStatement.ColumnHeadings(6));
        headings.Should().OnlyContain(c => workbook.IsBold(c));
    }

    [Fact]
    public void Amounts_are_number_cells_holding_the_worked_example_values()
    {
        using var workbook = Riverside();
        var manager = workbook.RowWith("B", "Programme Manager", inDetail: true);
        var frailty = workbook.RowWith("B", "Frailty Service", inDetail: true);

        Text(At(manager, "A")!).Should().Be("ICB");
        Text(At(manager, "C")!).Should().Be("Riverside Council");
        string[] columns = ["D", "E", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q"];
        columns.Select(c => Number(At(manager, c))).Should().Equal(
            48_000m, 4_000m, 4_000m, 4_000m, 4_000m, 4_000m, 20_000m, 4_000m, 24_000m, 24_000m, 0m, 48_000m);
        At(manager, "F").Should().BeNull("months with nothing spent are blank, as on the statement");
        At(manager, "G").Should().BeNull();
        Number(At(frailty, "P")).Should().Be(-45_000m);
        Number(At(frailty, "Q")).Should().Be(150_000m);
        At(frailty, "E").Should().BeNull("no prior-year invoices");
    }

    [Fact]
    public void The_totals_row_is_bold_with_the_worked_example_totals()
    {
        using var workbook = Riverside();
        var totals = workbook.RowWith("B", "Total", inDetail: true);

        totals.RowIndex!.Value.Should().Be(workbook.Rows.Max(r => r.RowIndex!.Value), "the totals row closes the sheet");
        totals.Elements<Cell>().Should().HaveCount(BudgetStatement.ColumnHeadings(6).Count, "every column of the totals row is styled")
            .And.OnlyContain(c => workbook.IsBold(c));
        string[] columns = ["D", "E", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q"];
        columns.Select(c => Number(At(totals, c))).Should().Equal(
            267_000m, 4_000m, 500m, 4_000m, 19_000m, 20_200m, 4_000m, 51_700m, 19_000m, 70_700m, 115_500m, -44_800m, 237_000m);
    }

    [Fact]
    public void Cells_hold_the_exact_amount_whatever_the_number_format_shows()
    {
        var example = new RiversideExample();
        example.Post(6, EntryKind.Actual, 0.50m, RiversideExample.LeadershipAlliance);

        foreach (var withPence in new[] { false, true })
        {
            using var workbook = new Opened(StatementWorkbook.Write(example.Statement(), withPence));
            var leadership = workbook.RowWith("B", "Leadership – Alliance", inDetail: true);
            Number(At(leadership, "K")).Should().Be(0.5m);
            Number(At(leadership, "L")).Should().Be(1_700.5m);
            At(leadership, "L")!.CellValue!.Text.Should().Be("1700.5", "written with the invariant culture");
        }
    }

    [Theory]
    [InlineData(false, "[>=0.5]#,##0;[<=-0.5](#,##0);0")]
    [InlineData(true, "#,##0.00;(#,##0.00)")]
    public void Amounts_show_thousands_separators_and_negatives_in_brackets(bool withPence, string format)
    {
        using var workbook = Riverside(withPence);
        var frailty = workbook.RowWith("B", "Frailty Service", inDetail: true);
        var variance = At(frailty, "P")!;
        var totalVariance = At(workbook.RowWith("B", "Total", inDetail: true), "P")!;

        workbook.NumberFormat(variance).Should().Be(format).And.Contain("#,##0").And.Contain("(");
        workbook.NumberFormat(totalVariance).Should().Be(format);
        workbook.Format(variance).NumberFormatId!.Value.Should().BeGreaterThanOrEqualTo(164u, "custom formats use ids from 164");
        workbook.Format(variance).ApplyNumberFormat!.Value.Should().BeTrue();
    }

    [Fact]
    public void The_heading_row_and_the_first_two_columns_are_frozen()
    {
        using var workbook = Riverside();
        var pane = workbook.Worksheet.GetFirstChild<SheetViews>()!.Elements<SheetView>().Single().Pane!;

        workbook.HeadingsRow.Should().Be(18,
            "title, period, as-at, a blank, the three sources under their heading, the total budget, the five committed lines, "
            + "the total committed, the balance and a blank come first");
        pane.State!.Value.Should().Be(PaneStateValues.Frozen);
        pane.VerticalSplit!.Value.Should().Be(18, "everything down to the headings stays in view");
        pane.HorizontalSplit!.Value.Should().Be(2);
        pane.TopLeftCell!.Value.Should().Be("C19");
    }

    [Fact]
    public void A_summary_too_tall_to_freeze_leaves_only_the_columns_frozen()
    {
        // The sheet's summary grows with the funding streams and the committed lines.
        var example = new RiversideExample(extraSources: 20);
        for (var i = 1; i <= 20; i++)
        {
            example.Post(1, EntryKind.Allocation, 1_000, stream: new FundingStreamId($"extra-{i}"));
        }

        using var workbook = new Opened(StatementWorkbook.Write(example.Statement()));
        var pane = workbook.Worksheet.GetFirstChild<SheetViews>()!.Elements<SheetView>().Single().Pane!;

        workbook.HeadingsRow.Should().BeGreaterThan(StatementWorkbook.MaxFrozenRows);
        pane.State!.Value.Should().Be(PaneStateValues.Frozen);
        pane.VerticalSplit.Should().BeNull("frozen rows taller than the window could never be scrolled past");
        pane.HorizontalSplit!.Value.Should().Be(2);
        pane.TopLeftCell!.Value.Should().Be("C1");
    }

    [Fact]
    public void Formula_looking_text_is_stored_as_a_string_never_as_a_formula()
    {
        using var workbook = new Opened(StatementWorkbook.Write(WithFormulaLookingText().Statement()));
        var line = workbook.RowWith("B", FormulaTitle, inDetail: true);
        var title = At(line, "B")!;

        workbook.Worksheet.Descendants<CellFormula>().Should().BeEmpty();
        title.DataType!.Value.Should().Be(CellValues.InlineString);
        Text(title).Should().Be(FormulaTitle, "a string cell is shown, not evaluated, so it is kept exactly as entered");
        workbook.Format(title).QuotePrefix!.Value.Should().BeTrue("editing the cell in Excel keeps it text");
        Text(At(line, "R")!).Should().Be("@SUM(A1:A9)");
        Text(At(workbook.Row(1), "A")!).Should().Be("+Riverside Place");
        workbook.Format(At(workbook.Row(1), "A")!).QuotePrefix!.Value.Should().BeTrue();
    }

    [Fact]
    public void Text_excel_would_misread_is_escaped_and_characters_xml_forbids_are_replaced()
    {
        var example = new RiversideExample();
        example.AddLine("odd-text", "Code _x0041_ and \u0001 bell", 1_000, notes: "first line\n  indented second line");

        using var workbook = new Opened(StatementWorkbook.Write(example.Statement()));
        var line = workbook.RowWith("B", "Code _x005F_x0041_ and \uFFFD bell", inDetail: true);
        var notes = At(line, "R")!;

        notes.InlineString!.Text!.Text.Should().Be("first line\n  indented second line");
        notes.InlineString.Text.Space!.Value.Should().Be(SpaceProcessingModeValues.Preserve);
    }

    [Fact]
    public void Columns_are_sized_to_their_content()
    {
        using var workbook = Riverside();
        var columns = workbook.Worksheet.GetFirstChild<Columns>()!.Elements<Column>().ToArray();

        columns.Should().HaveCount(BudgetStatement.ColumnHeadings(6).Count);
        columns.Should().OnlyContain(c => c.CustomWidth! && c.Width! >= 8 && c.Width! <= 60);
        columns.Single(c => c.Min! == 2).Width!.Value.Should().BeGreaterThan("Data Analyst (starts M7)".Length);
        columns.Single(c => c.Min! == 5).Width!.Value.Should().BeGreaterThan("Prior Year Invoices".Length);
    }

    [Fact]
    public void Cell_references_and_rows_are_in_order()
    {
        using var workbook = Riverside();

        workbook.Rows.Select(r => r.RowIndex!.Value).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        foreach (var row in workbook.Rows)
        {
            var cells = row.Elements<Cell>().Select(c => c.CellReference!.Value!).ToArray();
            cells.Should().OnlyContain(r => r.EndsWith(row.RowIndex!.Value.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            cells.Select(r => r.TrimEnd("0123456789".ToCharArray())).Should().BeInAscendingOrder(StringComparer.Ordinal);
        }
    }

    [Fact]
    public void The_same_statement_gives_the_same_bytes_so_a_board_paper_can_be_hashed()
    {
        var statement = new RiversideExample().Statement();
        var first = StatementWorkbook.Write(statement);

        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(first), System.IO.Compression.ZipArchiveMode.Read);
        zip.Entries.Select(e => e.LastWriteTime.Year).Should().OnlyContain(y => y == 1980, "no entry carries the moment it was written");
        StatementWorkbook.Write(statement).Should().Equal(first);
        foreach (var rels in zip.Entries.Where(e => e.FullName.EndsWith(".rels", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(rels.Open());
            reader.ReadToEnd().Should().NotMatchRegex("Id=\"R[0-9a-f]{16}\"", $"no random relationship ids in {rels.FullName}");
        }
    }

    [Fact]
    public void The_sheet_prints_landscape_one_page_wide_with_headings_repeated_and_the_as_at_in_the_header()
    {
        using var workbook = Riverside();

        workbook.Worksheet.GetFirstChild<SheetProperties>()!.PageSetupProperties!.FitToPage!.Value.Should().BeTrue();
        var setup = workbook.Worksheet.GetFirstChild<PageSetup>()!;
        setup.Orientation!.Value.Should().Be(OrientationValues.Landscape);
        (setup.FitToWidth!.Value, setup.FitToHeight!.Value).Should().Be((1u, 0u), "one page wide, as many tall as it takes");
        var titles = workbook.Document.WorkbookPart!.Workbook.DefinedNames!.Elements<DefinedName>().Single();
        titles.Name!.Value.Should().Be("_xlnm.Print_Titles");
        titles.Text.Should().Be($"'{workbook.Sheet.Name!.Value}'!$A:$B,'{workbook.Sheet.Name!.Value}'!${workbook.HeadingsRow}:${workbook.HeadingsRow}");
        var header = workbook.Worksheet.GetFirstChild<HeaderFooter>()!;
        header.OddHeader!.Text.Should().Contain("Riverside Place").And.Contain("30 September 2024").And.Contain("as known at");
        header.OddFooter!.Text.Should().Be("&CPage &P of &N");
    }

    /// <summary>
    /// LibreOffice (Debian's libreoffice-calc-nogui, which scripts/test.sh installs when it is missing) opens the
    /// workbook as a partner would, prints it to PDF and saves what it displays as CSV: the pages are counted, and the
    /// amounts shown are the ones JSON and CSV give, an amount under 50p being "0", never "(0)".
    /// </summary>
    [Fact]
    public async Task LibreOffice_opens_prints_and_shows_the_figures_the_statement_gives()
    {
        var example = new RiversideExample();
        example.AddLine("tiny-credit", "Tiny credit", 1_000);
        example.Post(2, EntryKind.PriorYearInvoice, -0.30m, new LineId("tiny-credit"));
        var statement = example.Statement();
        var row = statement.Rows.Single(r => r.Line.Value == "tiny-credit");
        row.PriorYearInvoices.Should().Be(Pence.FromPounds(-0.30m));
        var folder = Directory.CreateTempSubdirectory("workbook-");
        try
        {
            var path = Path.Combine(folder.FullName, "statement.xlsx");
            await File.WriteAllBytesAsync(path, StatementWorkbook.Write(statement));

            var pdf = await ConvertAsync(folder.FullName, path, "pdf");
            var pages = System.Text.RegularExpressions.Regex.Count(System.Text.Encoding.Latin1.GetString(pdf), @"/Type\s*/Page[^s]");
            pages.Should().Be(1, "the Riverside statement fits one landscape page");

            // CSV filter options: semicolon (amounts shown have commas), double quote, UTF-8, from line 1, ..., and (the
            // ninth) cells saved as shown.
            var shown = System.Text.Encoding.UTF8.GetString(
                await ConvertAsync(folder.FullName, path, "csv", "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true"));
            var line = shown.Split('\n').Last(l => l.Contains("Tiny credit", StringComparison.Ordinal)); // the detail row, below the summary
            var cells = line.TrimEnd('\r').Split(';');
            var headings = BudgetStatement.ColumnHeadings(6);
            cells[headings.ToList().IndexOf("Prior Year Invoices")].Should().Be(row.PriorYearInvoices.Format(withPence: false)).And.Be("0");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<byte[]> ConvertAsync(string folder, string path, string to, string? filter = null)
    {
        var soffice = new[] { "/usr/bin/soffice", "/usr/bin/libreoffice" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("LibreOffice is not installed: apt-get install libreoffice-calc-nogui (scripts/test.sh does).");
        var start = new System.Diagnostics.ProcessStartInfo(soffice)
        {
            ArgumentList = { "--headless", "--norestore", $"-env:UserInstallation=file://{folder}/profile", "--convert-to", filter ?? to, "--outdir", folder, path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var converted = Path.ChangeExtension(path, to);
        File.Exists(converted).Should().BeTrue($"LibreOffice converted the workbook to {to}: {await output} {await errors}");
        (await errors).Should().NotContain("Error", "LibreOffice opened it without complaint");
        return await File.ReadAllBytesAsync(converted);
    }
}
