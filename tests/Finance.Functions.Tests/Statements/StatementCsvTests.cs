using System.Text;
using Finance.Domain.Ledger;
using Finance.Domain.Statements;
using Finance.Functions.Imports;
using Finance.Functions.Statements;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>The budget statement as CSV: DOMAIN.md's worked example, summary above detail, numbers a spreadsheet reads.</summary>
public sealed class StatementCsvTests
{
    private static readonly string[] Headings6 =
    [
        "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices",
        "Month 1", "Month 2", "Month 3", "Month 4", "Month 5", "Month 6",
        "YTD Actuals", "YTD Accruals", "YTD Total", "YTD Forecast", "Variance", "Forecast Outturn", "Notes",
    ];

    private static byte[] Riverside(bool withPence = false) => StatementCsv.Write(new RiversideExample().Statement(), withPence);

    /// <summary>Reads the file back with the import side's RFC 4180 reader (which skips the byte order mark).</summary>
    private static List<string[]> Records(byte[] csv)
    {
        using var stream = new MemoryStream(csv);
        var reader = new CsvRecordReader(stream);
        var fields = new List<string>();
        var records = new List<string[]>();
        CsvReadStatus status;
        while ((status = reader.Read(fields, ',')) == CsvReadStatus.Record)
        {
            reader.RecordFault.Should().Be(CsvRecordFault.None, $"record {reader.Row} is well quoted");
            records.Add([.. fields]);
        }
        status.Should().Be(CsvReadStatus.End);
        return records;
    }

    private static int HeadingsIndex(List<string[]> records) => records.FindIndex(r => r[0] == "Funding Source");

    private static string[] Detail(List<string[]> records, string title) =>
        records.Skip(HeadingsIndex(records) + 1).Single(r => r[1] == title);

    private static string[] Summary(List<string[]> records, string name) =>
        records.Take(HeadingsIndex(records)).Single(r => r[0] == name);

    [Fact]
    public void The_file_is_utf8_with_a_byte_order_mark_and_crlf_line_ends()
    {
        var bytes = Riverside();

        bytes.Take(3).Should().Equal(0xEF, 0xBB, 0xBF);
        var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 3, bytes.Length - 3);
        text.Should().EndWith("\r\n");
        text.Replace("\r\n", "", StringComparison.Ordinal).Should().NotContainAny(["\r", "\n"], "every line ends CRLF");
        text.Should().Contain("Leadership – Alliance", "non-ASCII text survives as UTF-8");
    }

    [Fact]
    public void The_title_block_names_the_pool_the_period_end_and_the_as_at_in_london_time()
    {
        var records = Records(Riverside());

        records[0].Should().Equal("Riverside Place");
        records[1].Should().Equal("Budget statement to 30 September 2024 (2024/25 M6)");
        records[2].Should().Equal("As at 2024-10-10 13:00, as known at 2024-10-10 13:00");
        records[3].Should().Equal([""], "a blank line follows the title block");
    }

    [Fact]
    public void The_summary_block_comes_before_the_detail_and_matches_the_worked_example()
    {
        var records = Records(Riverside());
        var headings = HeadingsIndex(records);
        var sources = records.FindIndex(r => r[0] == "Budget sources");

        sources.Should().BeInRange(4, headings - 1);
        records[sources].Should().Equal("Budget sources", "Amount", "Funder");
        records[sources + 1].Should().Equal("Place-based allocation", "300000", "ICB");
        records[sources + 2].Should().Equal("2023/24 balance carried forward", "24000", "");
        records[sources + 3].Should().Equal("Leadership funding", "9000", "RH");
        records[sources + 4].Should().Equal("Total Budget", "333000");
        records[sources + 5].Should().Equal("Committed", "Amount");
        records[sources + 6].Should().Equal("Programme Manager", "48000");
        records[sources + 7].Should().Equal("Frailty Service", "180000");
        records[sources + 8].Should().Equal("Leadership – Alliance", "3000");
        records[sources + 9].Should().Equal("Data Analyst (starts M7)", "36000");
        records[sources + 10].Should().Equal("Total Committed", "267000");
        records[sources + 11].Should().Equal("Balance Remaining", "66000");
        records[sources + 12].Should().Equal([""], "a blank line separates the summary from the detail");
        headings.Should().Be(sources + 13);
    }

    [Fact]
    public void The_detail_block_has_the_statement_columns_and_the_worked_example_rows()
    {
        var records = Records(Riverside());
        var headings = HeadingsIndex(records);

        headings.Should().BePositive();
        records[headings].Should().Equal(BudgetStatement.ColumnHeadings(6));
        string[][] expected =
        [
            ["ICB", "Programme Manager", "Riverside Council", "48000", "4000", "", "", "4000", "4000", "4000", "4000", "20000", "4000", "24000", "24000", "0", "48000", ""],
            ["ICB", "Frailty Service", "Riverside Community Trust", "180000", "", "", "", "", "15000", "15000", "", "30000", "15000", "45000", "90000", "-45000", "150000", ""],
            ["RH", "Leadership – Alliance", "Riverside Hospital", "3000", "", "", "500", "", "", "1200", "", "1700", "0", "1700", "1500", "200", "3000", ""],
            ["ICB", "Data Analyst (starts M7)", "Riverside Council", "36000", "", "", "", "", "", "", "", "0", "0", "0", "0", "0", "36000", ""],
            ["", "Total", "", "267000", "4000", "", "500", "4000", "19000", "20200", "4000", "51700", "19000", "70700", "115500", "-44800", "237000", ""],
        ];
        records.Skip(headings + 1).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering(),
            "the rows and totals are DOMAIN.md's worked example in whole pounds, the totals row last");
    }

    [Fact]
    public void Every_detail_row_and_the_totals_row_have_as_many_fields_as_the_headings()
    {
        var example = new RiversideExample();
        example.AddLine("notes-with-commas", "Care, \"support\" and\nmore", 1_000, notes: "Line one,\r\nline two");

        var records = Records(StatementCsv.Write(example.Statement()));
        var headings = HeadingsIndex(records);

        records.Skip(headings).Should().HaveCount(7)
            .And.OnlyContain(r => r.Length == Headings6.Length, "quoting keeps commas and line breaks inside their field");
        Detail(records, "Care, \"support\" and\nmore")[^1].Should().Be("Line one,\r\nline two");
    }

    [Fact]
    public void With_pence_amounts_have_two_decimal_places_and_whole_pounds_round_half_away_from_zero()
    {
        var example = new RiversideExample();
        example.Post(6, EntryKind.Actual, 0.50m, RiversideExample.LeadershipAlliance);

        var pounds = Records(StatementCsv.Write(example.Statement()));
        var pence = Records(StatementCsv.Write(example.Statement(), withPence: true));

        Detail(pounds, "Leadership – Alliance")[10].Should().Be("1", "50p rounds up to a pound on a whole-pound statement");
        Detail(pence, "Leadership – Alliance")[10].Should().Be("0.50");
        Detail(pence, "Leadership – Alliance")[11].Should().Be("1700.50");
        Detail(pence, "Programme Manager")[3].Should().Be("48000.00");
        Detail(pence, "Frailty Service")[15].Should().Be("-45000.00");
        Detail(pence, "Frailty Service")[4].Should().BeEmpty("blank cells stay blank with pence");
        Summary(pence, "Total Budget")[1].Should().Be("333000.00");
    }

    [Fact]
    public void Amounts_are_plain_numbers_without_separators_or_quotes()
    {
        var text = Encoding.UTF8.GetString(Riverside());

        text.Should().Contain(",300000,ICB\r\n").And.Contain(",-45000,").And.NotContain("'-45000");
        text.Should().NotContain("\"300,000\"").And.NotContain("£");
    }

    [Fact]
    public void Formula_looking_text_is_escaped_in_every_text_cell()
    {
        const string title = "=HYPERLINK(\"http://evil.example\",\"Click\")";
        var example = new RiversideExample(poolName: "+Riverside Place");
        example.AddLine("evil", title, 2_000, notes: "@SUM(A1:A9)");

        var bytes = StatementCsv.Write(example.Statement());
        var records = Records(bytes);
        var text = Encoding.UTF8.GetString(bytes);

        records[0].Should().Equal("'+Riverside Place");
        Summary(records, "'" + title)[1].Should().Be("2000", "the committed item's title is escaped too");
        var row = Detail(records, "'" + title);
        row[^1].Should().Be("'@SUM(A1:A9)");
        text.Should().Contain("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\"");
        records.SelectMany(r => r).Should().NotContain(f => f.StartsWith('=') || f.StartsWith('+') || f.StartsWith('@'));
    }

    [Fact]
    public void A_pool_with_no_lines_still_has_headings_and_a_totals_row()
    {
        var example = new RiversideExample();
        example.Lines.Clear();
        example.Entries.RemoveAll(e => e.Line is not null);

        var records = Records(StatementCsv.Write(example.Statement(month: 1)));

        records.Should().Contain(r => r.SequenceEqual(BudgetStatement.ColumnHeadings(1)));
        records[^1].Should().Equal("", "Total", "", "0", "", "", "0", "0", "0", "0", "0", "0", "");
        Summary(records, "Balance Remaining")[1].Should().Be("333000");
    }
}
