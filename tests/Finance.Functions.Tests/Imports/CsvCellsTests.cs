using System.Text;
using Finance.Functions.Imports;
using FluentAssertions;
using Xunit;
using static Finance.Functions.Tests.Imports.CsvTestFiles;

namespace Finance.Functions.Tests.Imports;

/// <summary>Text stored verbatim is made inert on the way out to a spreadsheet.</summary>
public sealed class CsvCellsTests
{
    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("=HYPERLINK(\"http://evil.example\",\"Click\")", "'=HYPERLINK(\"http://evil.example\",\"Click\")")]
    [InlineData("+44 151", "'+44 151")]
    [InlineData("-refund", "'-refund")]
    [InlineData("@sum(A1)", "'@sum(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("\rcmd", "'\rcmd")]
    [InlineData("  =1+1", "'  =1+1")]
    [InlineData("\n-1", "'\n-1")]
    public void Formula_looking_text_gets_a_leading_quote(string text, string escaped) =>
        CsvCells.EscapeFormula(text).Should().Be(escaped);

    [Theory]
    [InlineData("Frailty Service")]
    [InlineData("INV-1001")]
    [InlineData("a=b")]
    [InlineData("'=already quoted")]
    [InlineData("£1,234.56")]
    [InlineData("   ")]
    [InlineData("")]
    public void Plain_text_is_untouched(string text) =>
        CsvCells.EscapeFormula(text).Should().BeSameAs(text);

    [Fact]
    public void Null_is_empty() => CsvCells.EscapeFormula(null).Should().Be("");

    [Theory]
    [InlineData("plain", ',', "plain")]
    [InlineData("a,b", ',', "\"a,b\"")]
    [InlineData("a;b", ',', "a;b")]
    [InlineData("a;b", ';', "\"a;b\"")]
    [InlineData("a,b", ';', "a,b")]
    [InlineData("say \"hi\"", ',', "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", ',', "\"two\nlines\"")]
    [InlineData("two\r\nlines", ',', "\"two\r\nlines\"")]
    [InlineData("=1,2", ',', "\"'=1,2\"")]
    [InlineData("-refund", ',', "'-refund")]
    [InlineData("\rcmd", ',', "\"'\rcmd\"")]
    [InlineData(null, ',', "")]
    public void A_field_is_escaped_then_quoted_when_it_must_be(string? text, char delimiter, string field) =>
        CsvCells.Field(text, delimiter).Should().Be(field);

    [Fact]
    public void A_quote_or_line_break_cannot_be_the_delimiter()
    {
        var act = () => CsvCells.Field("x", '"');

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    /// <summary>A property checked over seeded random text: whatever a memo holds, a file written with
    /// <see cref="CsvCells.Field"/> reads back as the escaped memo, a byte or a few at a time.</summary>
    [Theory]
    [InlineData(',', 1)]
    [InlineData(';', 2)]
    [InlineData(',', 3)]
    public void Fields_written_by_CsvCells_read_back_as_the_escaped_text(char delimiter, int seed)
    {
        const string alphabet = "ab1 ,;\"\r\n\t=+-@'£é🙂";
        var random = new Random(seed);
        var memos = Enumerable.Range(0, 300).Select(_ => RandomText(random, alphabet)).ToList();
        var file = new StringBuilder(Header.Replace(',', delimiter)).Append("\r\n");
        for (var i = 0; i < memos.Count; i++)
        {
            string[] row = [PoolId, "frailty-service", "6", $"{i + 1}.00", $"ref-{i}", memos[i]];
            file.AppendJoin(delimiter, row.Select(f => CsvCells.Field(f, delimiter))).Append("\r\n");
        }

        var result = CsvTestFiles.Parse(Bytes(file.ToString()), chunkBytes: random.Next(1, 8));

        result.Problems.Should().BeEmpty();
        result.Rows.Select(r => r.Memo).Should().Equal(memos.Select(m => CsvCells.EscapeFormula(m).Trim() is { Length: > 0 } t ? t : null));
    }

    private static string RandomText(Random random, string alphabet)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 30);
        while (text.Length < length)
        {
            var at = random.Next(alphabet.Length);
            // Keep surrogate pairs whole.
            text.Append(char.IsSurrogate(alphabet[at]) ? alphabet.AsSpan(char.IsHighSurrogate(alphabet[at]) ? at : at - 1, 2) : alphabet.AsSpan(at, 1));
        }
        return text.ToString();
    }
}
