using FluentAssertions;
using Finance.Domain.Money;

namespace Finance.Domain.Tests.Money;

public sealed class PenceTests
{
    [Theory]
    [InlineData("£1,234.56", 123_456)]
    [InlineData("1234.56", 123_456)]
    [InlineData("-12", -1_200)]
    [InlineData("(1,234.00)", -123_400)]
    [InlineData("  £ 7.5 ", 750)]
    [InlineData("-£0.01", -1)]
    [InlineData("£-3", -300)]
    [InlineData("\u221212.34", -1_234)]
    [InlineData("1,000,000,000", 100_000_000_000)]
    [InlineData("0", 0)]
    [InlineData(".5", 50)]
    public void Reads_the_ways_finance_leads_write_amounts(string text, long pence)
    {
        Pence.Parse(text).Should().Be(new Pence(pence));
    }

    [Theory]
    [InlineData("1.234", "3 decimal places")]
    [InlineData("1e5", "exponent")]
    [InlineData("1E-2", "exponent")]
    [InlineData("NaN", "not an amount")]
    [InlineData("Infinity", "not an amount")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData(null, "empty")]
    [InlineData("1,000,000,000.01", "larger than the most")]
    [InlineData("99999999999999999999999", "larger than the most")]
    [InlineData("12,34", "comma out of place")]
    [InlineData("1.", "ends with a decimal point")]
    [InlineData("1.2.3", "more than one decimal point")]
    [InlineData("--5", "more than one sign")]
    [InlineData("(-5)", "more than one sign")]
    [InlineData("12a", "not an amount")]
    [InlineData("££5", "more than one £")]
    public void Refuses_what_it_cannot_read_exactly_saying_why(string? text, string reason)
    {
        Pence.TryParse(text, out var amount, out var error).Should().BeFalse();
        amount.Should().Be(Pence.Zero);
        error.Should().Contain(reason);
        var parse = () => Pence.Parse(text);
        parse.Should().Throw<FormatException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void The_ceiling_is_configurable()
    {
        Pence.TryParse("£5,000", Pence.FromPounds(1_000), out _, out var error).Should().BeFalse();
        error.Should().Contain("£1,000.00");
        Pence.Parse("£5,000", Pence.FromPounds(10_000)).Should().Be(Pence.FromPounds(5_000));
    }

    [Theory]
    [InlineData(4_849, "48")]
    [InlineData(4_850, "49")]
    [InlineData(-4_850, "-49")]
    [InlineData(-4_849, "-48")]
    [InlineData(-4_500_000, "-45,000")]
    [InlineData(26_700_000, "267,000")]
    [InlineData(0, "0")]
    public void Whole_pounds_round_half_away_from_zero(long pence, string shown)
    {
        new Pence(pence).ToWholePoundsString().Should().Be(shown);
    }

    [Fact]
    public void Formats_with_pence_and_with_the_pound_sign()
    {
        new Pence(123_456).ToString().Should().Be("£1,234.56");
        new Pence(-123_456).ToString().Should().Be("-£1,234.56");
        new Pence(-5).ToPoundsAndPenceString().Should().Be("-0.05");
        new Pence(27_027_027).Format(withPence: true).Should().Be("270,270.27");
        new Pence(27_027_027).Format(withPence: false).Should().Be("270,270");
    }

    [Fact]
    public void Arithmetic_is_exact_and_overflow_is_an_error()
    {
        (Pence.FromPounds(0.1m) + Pence.FromPounds(0.2m)).Should().Be(Pence.FromPounds(0.3m));
        Pence.Sum([new Pence(1), new Pence(2), new Pence(-3)]).Should().Be(Pence.Zero);
        var overflow = () => new Pence(long.MaxValue) + new Pence(1);
        overflow.Should().Throw<OverflowException>();
        var tooPrecise = () => Pence.FromPounds(0.001m);
        tooPrecise.Should().Throw<ArgumentException>().WithMessage("0.001 has more than two decimal places*");
    }
}
