using FluentAssertions;
using Finance.Domain.Calendar;
using NodaTime;
using NodaTime.Testing;

namespace Finance.Domain.Tests.Calendar;

public sealed class CalendarTests
{
    [Fact]
    public void A_financial_year_runs_from_1_April_to_31_March()
    {
        var year = FinancialYear.Parse("2024/25");

        year.StartYear.Should().Be(2024);
        year.FirstDay.Should().Be(new LocalDate(2024, 4, 1));
        year.LastDay.Should().Be(new LocalDate(2025, 3, 31));
        year.ToString().Should().Be("2024/25");
        new FinancialYear(1999).ToString().Should().Be("1999/00");
        year.Next.Should().Be(new FinancialYear(2025));
        year.Months.Should().HaveCount(12);
    }

    [Theory]
    [InlineData("2024/26", "26 does not follow 2024")]
    [InlineData("2024-25", "write it like 2024/25")]
    [InlineData("24/25", "write it like 2024/25")]
    [InlineData("", "write it like 2024/25")]
    [InlineData("1890/91", "outside the supported")]
    public void Malformed_years_are_refused_saying_why(string text, string reason)
    {
        FinancialYear.TryParse(text, out var year, out var error).Should().BeFalse();
        year.Should().BeNull();
        error.Should().Contain(reason);
        var parse = () => FinancialYear.Parse(text);
        parse.Should().Throw<FormatException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void Month_8_of_2019_20_ends_on_30_November_2019()
    {
        var month = FinancialMonth.Parse("2019/20 M8");

        month.Number.Should().Be(8);
        month.PeriodEnd.Should().Be(new LocalDate(2019, 11, 30));
        month.Name.Should().Be("November 2019");
        month.Label.Should().Be("M8");
        month.ToString().Should().Be("2019/20 M8");
    }

    [Theory]
    [InlineData(1, 2024, 4, 30)]
    [InlineData(9, 2024, 12, 31)]
    [InlineData(10, 2025, 1, 31)]
    [InlineData(11, 2025, 2, 28)]
    [InlineData(12, 2025, 3, 31)]
    public void Each_month_ends_on_the_last_day_of_its_calendar_month(int number, int year, int calendarMonth, int day)
    {
        new FinancialYear(2024).Month(number).PeriodEnd.Should().Be(new LocalDate(year, calendarMonth, day));
    }

    [Fact]
    public void Months_step_across_year_ends_and_compare_in_order()
    {
        var march = new FinancialYear(2024).Month(12);

        march.Next.Should().Be(new FinancialYear(2025).Month(1));
        march.Next.Previous.Should().Be(march);
        (march < march.Next).Should().BeTrue();
        FinancialMonth.Containing(new LocalDate(2025, 1, 15)).Should().Be(new FinancialYear(2024).Month(10));
        FinancialYear.Containing(new LocalDate(2025, 3, 31)).Should().Be(new FinancialYear(2024));
        FinancialYear.Containing(new LocalDate(2025, 4, 1)).Should().Be(new FinancialYear(2025));
    }

    [Fact]
    public void A_month_of_13_is_refused_naming_the_value()
    {
        var act = () => new FinancialMonth(new FinancialYear(2024), 13);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Month 13 is not a financial month*");
        FinancialMonth.TryParseNumber("M13", out _, out var error).Should().BeFalse();
        error.Should().Contain("M13");
        FinancialMonth.Parse(new FinancialYear(2024), "m7").Number.Should().Be(7);
    }

    [Fact]
    public void London_dates_follow_British_Summer_Time()
    {
        // 23:30 UTC on 31 March 2024 is 00:30 BST on 1 April: month 1 of 2024/25, not month 12 of 2023/24.
        var instant = Instant.FromUtc(2024, 3, 31, 23, 30);

        LondonTime.DateOf(instant).Should().Be(new LocalDate(2024, 4, 1));
        LondonTime.MonthOf(instant).Should().Be(new FinancialYear(2024).Month(1));
        LondonTime.Format(instant).Should().Be("2024-04-01 00:30");
        LondonTime.StartOfDay(new LocalDate(2024, 7, 1)).Should().Be(Instant.FromUtc(2024, 6, 30, 23, 0));
        LondonTime.EndOfDay(new LocalDate(2024, 12, 31)).Should().Be(Instant.FromUtc(2025, 1, 1, 0, 0) - Duration.Epsilon);
    }

    [Fact]
    public void A_statement_period_separates_the_period_end_from_the_as_at()
    {
        var clock = new FakeClock(Instant.FromUtc(2019, 12, 12, 9, 0));
        var period = StatementPeriod.DrawnNow(FinancialMonth.Parse("2019/20 M8"), clock);

        period.PeriodEnd.Should().Be(new LocalDate(2019, 11, 30));
        period.AsAtDate.Should().Be(new LocalDate(2019, 12, 12));
        period.IsDrawnAfterPeriodEnd.Should().BeTrue();
        period.ToString().Should().Be("M8 2019/20 to 30 November 2019, as at 2019-12-12 09:00");
        LondonTime.Today(clock).Should().Be(new LocalDate(2019, 12, 12));
    }
}
