using System.Text;
using Finance.Domain.Calendar;
using Finance.Domain.Money;
using Finance.Functions.Imports;
using FluentAssertions;
using Xunit;
using static Finance.Functions.Tests.Imports.CsvTestFiles;

namespace Finance.Functions.Tests.Imports;

/// <summary>A finance lead's CSV of a month's actuals: read whole, or refused with every problem listed.</summary>
public sealed class ActualsCsvTests
{
    private static FinancialMonth M(int number) => Year.Month(number);

    private static CsvProblem Single(ActualsCsvResult result)
    {
        result.IsValid.Should().BeFalse();
        result.Rows.Should().BeEmpty("nothing is accepted from a file with a problem");
        result.Problems.Should().ContainSingle();
        result.ProblemCount.Should().Be(1);
        return result.Problems[0];
    }

    // ----- one text rule, as in JSON -----

    [Theory]
    [InlineData("riverside-place,frailty-service,6,10,INV-1,\"bell\u0007\"", "memo", "U+0007")]
    [InlineData("riverside-place,frailty-service,6,10,\"INV\u0000-1\",memo", "reference", "U+0000")]
    [InlineData("riverside-place,frailty-service,6,10,\"INV-1\nINV-2\",memo", "reference", "U+000A")]
    [InlineData("riverside-place,frailty-service,6,10,INV-1,\"escape \u001b[31m red\"", "memo", "U+001B")]
    public void Control_characters_in_text_are_refused_naming_the_row_and_column(string row, string column, string character)
    {
        var problem = Single(Parse(Csv(row)));

        problem.Row.Should().Be(2);
        problem.Column.Should().Be(column);
        problem.Reason.Should().Contain(character);
    }

    [Fact]
    public void Text_is_trimmed_of_the_space_around_it_and_kept_exactly_inside_with_line_breaks_in_a_memo()
    {
        var result = Parse(Csv("riverside-place,frailty-service,6,10,\"  INV  1 \",\" first line\nsecond\tline  \""));

        result.IsValid.Should().BeTrue(string.Join("; ", result.Problems.Select(p => p.Reason)));
        result.Rows.Single().Reference.Should().Be("INV  1");
        result.Rows.Single().Memo.Should().Be("first line\nsecond\tline");
    }

    // ----- reading a good file -----

    [Fact]
    public void A_good_file_gives_every_row_with_row_numbers_counting_the_header_as_row_1()
    {
        var result = Parse(Csv(
            "riverside-place,programme-manager,6,\"£4,000.00\",INV-1001,September salary",
            "riverside-place,frailty-service,M6,15000,,",
            "riverside-place,leadership-alliance,2024/25 M5,\"(1,200.00)\",CR-7,Credit note"));

        result.IsValid.Should().BeTrue();
        result.Problems.Should().BeEmpty();
        result.DataRows.Should().Be(3);
        result.Rows.Should().Equal(
            new ActualsCsvRow(2, "programme-manager", M(6), Pence.FromPounds(4_000), "INV-1001", "September salary"),
            new ActualsCsvRow(3, "frailty-service", M(6), Pence.FromPounds(15_000), null, null),
            new ActualsCsvRow(4, "leadership-alliance", M(5), Pence.FromPounds(-1_200), "CR-7", "Credit note"));
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Lf_crlf_and_cr_line_endings_read_the_same(string newline)
    {
        var csv = string.Join(newline, Header, "riverside-place,frailty-service,6,10,a,b", "riverside-place,frailty-service,7,20,a,b") + newline;

        var result = Parse(csv);

        result.IsValid.Should().BeTrue();
        result.Rows.Select(r => (r.Row, r.Month.Number, r.Amount.Value, r.Memo)).Should().Equal((2, 6, 1000L, "b"), (3, 7, 2000L, "b"));
    }

    [Fact]
    public void The_last_row_needs_no_line_ending()
    {
        var result = Parse(Header + "\r\nriverside-place,frailty-service,6,10,,");

        result.Rows.Should().ContainSingle().Which.Amount.Should().Be(Pence.FromPounds(10));
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_allowed_and_not_part_of_the_header()
    {
        var csv = Csv("riverside-place,frailty-service,6,10,£ café,naïve ✓");

        var withBom = Parse(csv, bom: true);
        var withoutBom = Parse(csv);

        withBom.IsValid.Should().BeTrue();
        withBom.Rows.Should().Equal(withoutBom.Rows);
        withBom.Rows[0].Reference.Should().Be("£ café");
        withBom.Rows[0].Memo.Should().Be("naïve ✓");
    }

    [Fact]
    public void A_semicolon_file_is_detected_from_its_header()
    {
        var result = Parse("pool;line;month;amount;reference;memo\n"
            + "riverside-place;frailty-service;6;1,234.56;INV, 1;memo, with commas\n"
            + "riverside-place;frailty-service;7;\"2,000\";\"a;b\";\n");

        result.IsValid.Should().BeTrue();
        result.Rows.Should().Equal(
            new ActualsCsvRow(2, "frailty-service", M(6), new Pence(123_456), "INV, 1", "memo, with commas"),
            new ActualsCsvRow(3, "frailty-service", M(7), Pence.FromPounds(2_000), "a;b", null));
    }

    [Fact]
    public void A_semicolon_file_keeps_to_semicolons_so_a_comma_separated_row_in_it_is_one_field()
    {
        var result = Parse("pool;line;month;amount;reference;memo\nriverside-place,frailty-service,6,10,,\n");

        var problem = Single(result);
        problem.Row.Should().Be(2);
        problem.Column.Should().Be("");
        problem.Reason.Should().Contain("1 field but the header has 6");
    }

    [Fact]
    public void The_header_may_be_in_any_case_and_order_with_surrounding_whitespace_and_quotes()
    {
        var result = Parse(" Memo ,AMOUNT,\"Line\",  month,Reference,POOL\n"
            + "a memo,12.50,frailty-service,6,REF,riverside-place\n");

        result.IsValid.Should().BeTrue();
        result.Rows.Should().Equal(new ActualsCsvRow(2, "frailty-service", M(6), new Pence(1_250), "REF", "a memo"));
    }

    [Fact]
    public void Quoted_fields_hold_delimiters_quotes_and_line_breaks_exactly()
    {
        var memo = "Line one, with a comma; and a semicolon\r\nLine \"two\"\nLine three";
        var quoted = "\"" + memo.Replace("\"", "\"\"") + "\"";
        var result = Parse(Csv(
            $"riverside-place,frailty-service,6,\"1,234.56\",\"INV \"\"7\"\"\",{quoted}",
            "riverside-place,frailty-service,7,\"10\",\"\",\"\""));

        result.IsValid.Should().BeTrue();
        result.Rows[0].Memo.Should().Be(memo);
        result.Rows[0].Reference.Should().Be("INV \"7\"");
        result.Rows[0].Amount.Should().Be(new Pence(123_456));
        result.Rows[1].Row.Should().Be(3, "a record with line breaks inside quotes is still one row");
        result.Rows[1].Reference.Should().BeNull();
    }

    [Fact]
    public void Text_is_trimmed_and_empty_reference_and_memo_are_null()
    {
        var result = Parse(Csv("  riverside-place , frailty-service ,  6 , 10 ,  INV 1  ,   "));

        result.Rows.Should().Equal(new ActualsCsvRow(2, "frailty-service", M(6), Pence.FromPounds(10), "INV 1", null));
    }

    [Fact]
    public void Blank_lines_are_skipped_and_not_data_but_still_count_in_row_numbers()
    {
        var result = Parse("\n" + Header + "\n\nriverside-place,frailty-service,6,10,,\n\r\n,,,,,\nriverside-place,frailty-service,7,10,,\n\n\n");

        result.IsValid.Should().BeTrue();
        result.DataRows.Should().Be(2);
        result.Rows.Select(r => r.Row).Should().Equal(4, 7);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"Click\")")]
    [InlineData("-refund")]
    [InlineData("@sum(A1:A9)")]
    [InlineData("+44 151 000 0000")]
    [InlineData("=1+1")]
    public void Formula_looking_text_is_valid_data_and_stored_exactly_as_given(string text)
    {
        var quoted = "\"" + text.Replace("\"", "\"\"") + "\"";
        var result = Parse(Csv($"riverside-place,frailty-service,6,10,{quoted},{quoted}"));

        result.IsValid.Should().BeTrue();
        result.Rows[0].Reference.Should().Be(text);
        result.Rows[0].Memo.Should().Be(text);
    }

    [Fact]
    public void Reading_a_byte_at_a_time_gives_the_same_rows_as_reading_all_at_once()
    {
        var csv = Csv("riverside-place,frailty-service,6,\"£1,000\",café,\"🙂 emoji\r\n✓\"",
            "riverside-place,frailty-service,7,£2,€,\"x\"\"y\"");
        var bytes = Bytes(csv, bom: true);

        var whole = Parse(bytes);
        var trickled = Parse(bytes, chunkBytes: 1);

        whole.IsValid.Should().BeTrue();
        trickled.Rows.Should().Equal(whole.Rows);
        whole.Rows[0].Memo.Should().Be("🙂 emoji\r\n✓");
    }

    // ----- the header -----

    [Fact]
    public void An_empty_file_is_a_problem_for_the_file()
    {
        foreach (var bytes in new[] { Array.Empty<byte>(), Bytes("", bom: true), Bytes("\n\r\n\n") })
        {
            var problem = Single(Parse(bytes));
            problem.Should().BeEquivalentTo(new { Row = 0, Column = "", Value = (string?)null });
            problem.Reason.Should().Contain("empty").And.Contain(Header);
        }
    }

    [Fact]
    public void A_header_with_no_data_rows_is_a_problem()
    {
        var problem = Single(Parse(Header + "\n\n"));

        problem.Row.Should().Be(0);
        problem.Reason.Should().Contain("no data rows");
    }

    [Fact]
    public void A_missing_column_is_a_problem_at_row_1_naming_it()
    {
        var result = Parse("pool,line,month,reference\nriverside-place,frailty-service,6,INV\n");

        result.Problems.Should().BeEquivalentTo(new[]
        {
            new { Row = 1, Column = "amount", Value = (string?)null },
            new { Row = 1, Column = "memo", Value = (string?)null },
        }, o => o.WithStrictOrdering());
        result.Problems.Should().OnlyContain(p => p.Reason.Contains("has no '" + p.Column + "' column"));
    }

    [Fact]
    public void A_first_row_that_looks_like_data_is_a_missing_header_naming_every_column()
    {
        var result = Parse("riverside-place,frailty-service,6,10,,\nriverside-place,frailty-service,7,10,,\n");

        result.Problems.Select(p => (p.Row, p.Column)).Should().Equal(ActualsCsv.Columns.Select(c => (1, c)));
        result.Problems[0].Reason.Should().Contain("looks like data");
        result.Rows.Should().BeEmpty();
    }

    [Fact]
    public void Unknown_repeated_and_empty_header_columns_are_problems_naming_them()
    {
        var result = Parse("pool,line,month,amount,reference,memo,Cost Centre,LINE,\n"
            + "riverside-place,frailty-service,6,10,,,CC1,x,\n");

        result.Problems.Should().BeEquivalentTo(new[]
        {
            new { Row = 1, Column = "", Value = "Cost Centre" },
            new { Row = 1, Column = "line", Value = "LINE" },
            new { Row = 1, Column = "", Value = "" },
        }, o => o.WithStrictOrdering());
        result.Problems[0].Reason.Should().Contain("unknown column 'Cost Centre'");
        result.Problems[1].Reason.Should().Contain("more than once");
        result.Problems[2].Reason.Should().Contain("column 9 has no name");
    }

    // ----- rows -----

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_is_a_problem_for_the_row()
    {
        var result = Parse(Csv(
            "riverside-place,frailty-service,6,1,234.56,INV,memo",
            "riverside-place,frailty-service,6,10"));

        result.Problems.Should().BeEquivalentTo(new[]
        {
            new { Row = 2, Column = "", Value = (string?)null },
            new { Row = 3, Column = "", Value = (string?)null },
        }, o => o.WithStrictOrdering());
        result.Problems[0].Reason.Should().Contain("7 fields but the header has 6").And.Contain("\"1,234.56\"");
        result.Problems[1].Reason.Should().Contain("4 fields but the header has 6");
    }

    [Fact]
    public void Every_problem_in_the_file_is_listed_with_row_column_value_and_reason()
    {
        var result = Parse(Csv(
            "riverside-place,frailty-service,1,100,,",
            "riverside-place,frailty-service,2,abc,,",
            "riverside-place,frailty-service,3,100,,",
            "riverside-place,frailty-service,4,100,,",
            "riverside-place,frailty-service,5,100,,",
            "riverside-place,no-such-line,6,100,,",
            "riverside-place,frailty-service,7,100,,",
            "riverside-place,frailty-service,13,100,,"));

        result.IsValid.Should().BeFalse();
        result.Rows.Should().BeEmpty();
        result.DataRows.Should().Be(8);
        result.ProblemCount.Should().Be(3);
        result.Problems.Should().BeEquivalentTo(new[]
        {
            new { Row = 3, Column = "amount", Value = "abc" },
            new { Row = 7, Column = "line", Value = "no-such-line" },
            new { Row = 9, Column = "month", Value = "13" },
        }, o => o.WithStrictOrdering());
        result.Problems[0].Reason.Should().Contain("'abc' is not an amount");
        result.Problems[1].Reason.Should().Be("Pool 'riverside-place' has no line 'no-such-line'.");
        result.Problems[2].Reason.Should().Contain("'13' is not a month of 2024/25");
    }

    [Fact]
    public void Every_wrong_column_of_one_row_is_reported()
    {
        var result = Parse(Csv($"other-pool,Frailty Service,2023/24 M6,0,{new string('r', 201)},{new string('m', 2001)}"));

        result.Problems.Select(p => p.Column).Should().Equal("pool", "line", "month", "amount", "reference", "memo");
        result.Problems.Should().OnlyContain(p => p.Row == 2);
    }

    [Fact]
    public void A_problem_value_is_cut_to_100_characters()
    {
        var line = new string('x', 500);

        var problem = Single(Parse(Csv($"riverside-place,{line},6,10,,")));

        problem.Value.Should().HaveLength(ActualsCsv.MaxProblemValueLength).And.StartWith("xxxx").And.EndWith("…");
    }

    [Fact]
    public void Problems_listed_stop_at_the_cap_but_the_count_is_the_true_total()
    {
        var rows = Enumerable.Range(0, 1_500).Select(i => $"other-pool,frailty-service,6,{i + 1},,");

        var result = Parse(Csv([.. rows]));

        result.ProblemCount.Should().Be(1_500);
        result.Problems.Should().HaveCount(ActualsCsv.MaxProblemsListed);
        result.Problems[^1].Row.Should().Be(ActualsCsv.MaxProblemsListed + 1);
        result.DataRows.Should().Be(1_500);
    }

    // ----- pool -----

    [Theory]
    [InlineData("other-pool", "The file is for pool 'other-pool', but it was uploaded to pool 'riverside-place'.")]
    [InlineData("Riverside-Place", "The file is for pool 'Riverside-Place', but it was uploaded to pool 'riverside-place'.")]
    [InlineData("", "The pool is empty; every row must name the pool it was uploaded to, 'riverside-place'.")]
    public void The_pool_must_be_the_one_uploaded_to_exactly(string pool, string reason)
    {
        var problem = Single(Parse(Csv($"{pool},frailty-service,6,10,,")));

        problem.Should().Be(new CsvProblem(2, "pool", pool, reason));
    }

    // ----- line -----

    [Theory]
    [InlineData("unknown-line", "Pool 'riverside-place' has no line 'unknown-line'.")]
    [InlineData("Frailty-Service", "'Frailty-Service' is not a valid line id: use 3 to 63 lower-case letters, digits and hyphens.")]
    [InlineData("ab", "'ab' is not a valid line id: use 3 to 63 lower-case letters, digits and hyphens.")]
    [InlineData("", "The line is empty; every row must name one of the pool's lines.")]
    public void The_line_must_be_a_valid_id_of_one_of_the_pool_lines(string line, string reason)
    {
        var problem = Single(Parse(Csv($"riverside-place,{line},6,10,,")));

        problem.Should().Be(new CsvProblem(2, "line", line, reason));
    }

    // ----- month -----

    [Theory]
    [InlineData("6", 6)]
    [InlineData("06", 6)]
    [InlineData("M6", 6)]
    [InlineData("m6", 6)]
    [InlineData(" M12 ", 12)]
    [InlineData("1", 1)]
    [InlineData("2024/25 M6", 6)]
    [InlineData("2024/25 m9", 9)]
    [InlineData("  2024/25   M1 ", 1)]
    public void The_month_may_be_a_number_an_m_number_or_the_full_form(string month, int number)
    {
        var result = Parse(Csv($"riverside-place,frailty-service,{month},10,,"));

        result.IsValid.Should().BeTrue();
        result.Rows[0].Month.Should().Be(new FinancialMonth(Year, number));
    }

    [Theory]
    [InlineData("0", "'0' is not a month of 2024/25")]
    [InlineData("13", "'13' is not a month of 2024/25")]
    [InlineData("M13", "'M13' is not a month of 2024/25")]
    [InlineData("-1", "'-1' is not a month of 2024/25")]
    [InlineData("September", "'September' is not a month of 2024/25")]
    [InlineData("", "The month is empty")]
    [InlineData("2024/25 M13", "'M13' is not a financial month")]
    [InlineData("2024/26 M6", "'2024/26' is not a financial year")]
    [InlineData("2023/24 M6", "'2023/24 M6' is in 2023/24, but the pool's year is 2024/25; a file holds one year's actuals, not mixed years.")]
    [InlineData("2025/26 M1", "the pool's year is 2024/25")]
    public void A_month_outside_1_to_12_or_in_another_year_is_a_problem(string month, string reason)
    {
        var problem = Single(Parse(Csv($"riverside-place,frailty-service,{month},10,,")));

        problem.Row.Should().Be(2);
        problem.Column.Should().Be("month");
        problem.Value.Should().Be(month);
        problem.Reason.Should().Contain(reason);
    }

    // ----- amount -----

    [Theory]
    [InlineData("£1,234.56", 123_456)]
    [InlineData("\"£1,234.56\"", 123_456)]
    [InlineData("1234.5", 123_450)]
    [InlineData("(1,234.00)", -123_400)]
    [InlineData("-12", -1_200)]
    [InlineData("0.01", 1)]
    [InlineData("£1,000,000,000.00", 100_000_000_000)]
    public void The_amount_is_read_by_the_domain_rules(string amount, long pence)
    {
        var field = amount.Contains(',') && !amount.StartsWith('"') ? $"\"{amount}\"" : amount;

        var result = Parse(Csv($"riverside-place,frailty-service,6,{field},,"));

        result.IsValid.Should().BeTrue();
        result.Rows[0].Amount.Should().Be(new Pence(pence));
    }

    [Theory]
    [InlineData("1.234", "has 3 decimal places")]
    [InlineData("£1,000,000,000.01", "is larger than the most a single amount can be")]
    [InlineData("abc", "is not an amount")]
    [InlineData("1e5", "uses an exponent")]
    [InlineData("", "The amount is empty")]
    [InlineData("0", "The amount is zero")]
    [InlineData("-0.00", "The amount is zero")]
    [InlineData("£0", "The amount is zero")]
    public void A_malformed_oversized_or_zero_amount_is_a_problem(string amount, string reason)
    {
        var field = amount.Contains(',') ? $"\"{amount}\"" : amount;

        var problem = Single(Parse(Csv($"riverside-place,frailty-service,6,{field},,")));

        problem.Should().BeEquivalentTo(new { Row = 2, Column = "amount", Value = amount });
        problem.Reason.Should().Contain(reason);
    }

    // ----- reference and memo -----

    [Fact]
    public void Reference_and_memo_may_be_as_long_as_the_limits_and_no_longer()
    {
        var reference = new string('r', ActualsCsv.MaxReferenceLength);
        var memo = new string('m', ActualsCsv.MaxMemoLength);

        var atLimit = Parse(Csv($"riverside-place,frailty-service,6,10,{reference},{memo}"));
        var over = Parse(Csv($"riverside-place,frailty-service,6,10,{reference}r,{memo}m"));

        ActualsCsv.MaxReferenceLength.Should().Be(200);
        ActualsCsv.MaxMemoLength.Should().Be(2_000);
        atLimit.Rows.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Reference = reference, Memo = memo });
        over.Problems.Select(p => (p.Row, p.Column, p.Reason)).Should().Equal(
            (2, "reference", "The reference is 201 characters long; the most is 200."),
            (2, "memo", "The memo is 2,001 characters long; the most is 2,000."));
    }

    // ----- duplicates -----

    [Fact]
    public void A_row_with_the_same_line_month_amount_and_reference_as_an_earlier_one_is_a_duplicate()
    {
        var result = Parse(Csv(
            "riverside-place,frailty-service,6,100,INV-1,first",
            "riverside-place,frailty-service,6,100,INV-2,another reference",
            "riverside-place,frailty-service,7,100,INV-1,another month",
            "riverside-place,programme-manager,6,100,INV-1,another line",
            "riverside-place,frailty-service,6,100.01,INV-1,another amount",
            "riverside-place,frailty-service,M6,\"£100.00\",INV-1,same posting written differently",
            "riverside-place,frailty-service,6,50,,no reference",
            "riverside-place,frailty-service,2024/25 M6,50.00,  ,no reference again"));

        result.Problems.Should().BeEquivalentTo(new[]
        {
            new { Row = 7, Column = "", Value = (string?)null },
            new { Row = 9, Column = "", Value = (string?)null },
        }, o => o.WithStrictOrdering());
        result.Problems[0].Reason.Should().StartWith("This row is a duplicate of row 2");
        result.Problems[1].Reason.Should().StartWith("This row is a duplicate of row 8");
    }

    // ----- quoting faults -----

    [Fact]
    public void A_quote_left_open_at_the_end_of_the_file_is_a_problem()
    {
        var problem = Single(Parse(Csv("riverside-place,frailty-service,6,10,\"INV,memo")));

        problem.Row.Should().Be(2);
        problem.Column.Should().Be("");
        problem.Reason.Should().Contain("never closed");
    }

    [Fact]
    public void Text_after_a_closing_quote_is_a_problem_but_a_quote_inside_an_unquoted_field_is_text()
    {
        var result = Parse(Csv(
            "riverside-place,frailty-service,6,10,\"INV\"1,memo",
            "riverside-place,frailty-service,6,10,12\" pipe,memo"));

        var problem = result.Problems.Should().ContainSingle().Subject;
        problem.Row.Should().Be(2);
        problem.Reason.Should().Contain("must be doubled");
    }

    [Fact]
    public void A_quote_left_open_in_a_large_file_stops_at_the_record_limit_instead_of_reading_everything()
    {
        var rows = Enumerable.Range(1, 2_000).Select(i => $"riverside-place,frailty-service,6,{i},,memo");
        var csv = Csv(["riverside-place,frailty-service,6,10,\"INV,memo", .. rows]);

        var problem = Single(Parse(csv));

        problem.Row.Should().Be(2);
        problem.Reason.Should().Contain("longer than 16,384 characters").And.Contain("never closed");
    }

    // ----- encoding -----

    [Fact]
    public void Invalid_utf8_is_a_problem_at_the_row_where_it_is_found()
    {
        // A Windows-1252 "£" (0xA3), as a plain "CSV" export from Excel writes it.
        var before = Encoding.UTF8.GetBytes(Csv("riverside-place,frailty-service,6,10,,"));
        var bad = Encoding.UTF8.GetBytes("riverside-place,frailty-service,7,").Concat(new byte[] { 0xA3 }).Concat(Encoding.UTF8.GetBytes("10,,\n"));

        var problem = Single(Parse([.. before, .. bad, .. Encoding.UTF8.GetBytes("riverside-place,frailty-service,8,10,,\n")]));

        problem.Should().BeEquivalentTo(new { Row = 3, Column = "", Value = (string?)null });
        problem.Reason.Should().Contain("not valid UTF-8").And.Contain("CSV UTF-8");
    }

    [Fact]
    public void Invalid_utf8_in_the_header_or_a_cut_character_at_the_end_is_a_problem()
    {
        var inHeader = Parse([0xFF, 0xFE, .. Encoding.Unicode.GetBytes(Header)]);
        var cutAtEnd = Parse([.. Encoding.UTF8.GetBytes(Csv("riverside-place,frailty-service,6,10,,")), 0xE2, 0x82]);

        Single(inHeader).Row.Should().Be(1);
        Single(cutAtEnd).Should().BeEquivalentTo(new { Row = 3, Column = "" });
    }

    // ----- size -----

    [Fact]
    public void Fifty_thousand_rows_are_accepted()
    {
        // How fast is for the benchmark (benchmarks/README.md), not for a test on a noisy machine.
        var result = Parse(Bytes(ManyRows(ActualsCsv.MaxRows)));

        result.IsValid.Should().BeTrue();
        result.DataRows.Should().Be(50_000);
        result.Rows.Should().HaveCount(50_000);
        result.Rows[^1].Row.Should().Be(50_001);
    }

    [Fact]
    public void Fifty_thousand_and_one_rows_are_refused_with_one_clear_problem()
    {
        var result = Parse(ManyRows(ActualsCsv.MaxRows + 1));

        var problem = Single(result);
        problem.Should().BeEquivalentTo(new { Row = 50_002, Column = "", Value = (string?)null });
        problem.Reason.Should().Contain("more than 50,000 data rows");
        result.DataRows.Should().Be(50_001);
    }

    [Fact]
    public void An_endless_file_is_not_read_much_past_the_row_limit()
    {
        using var endless = new EndlessCsvStream();

        var result = ActualsCsv.Parse(endless, Context with { MaxRows = 1_000 });

        Single(result).Reason.Should().Contain("more than 1,000 data rows");
        endless.BytesRead.Should().BeLessThan(200_000, "reading stops a buffer or so after the limit");
    }

    [Fact]
    public void A_context_may_lower_the_row_limit_but_not_raise_it()
    {
        var act = () => ActualsCsv.Parse(new MemoryStream(), Context with { MaxRows = ActualsCsv.MaxRows + 1 });

        act.Should().Throw<ArgumentOutOfRangeException>();
        Single(Parse(ManyRows(3), Context with { MaxRows = 2 })).Row.Should().Be(4);
    }

    private static string ManyRows(int count)
    {
        var csv = new StringBuilder(Header).Append('\n');
        string[] lines = ["programme-manager", "frailty-service", "leadership-alliance", "data-analyst"];
        for (var i = 0; i < count; i++)
        {
            csv.Append("riverside-place,").Append(lines[i % 4]).Append(',').Append(i % 12 + 1).Append(',')
                .Append($"\"£{i + 1:N0}.{i % 100:00}\",INV-").Append(i)
                .Append(",Invoice for the month\n");
        }
        return csv.ToString();
    }
}
