using FluentAssertions;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Domain.Tests.Support;

namespace Finance.Domain.Tests.Statements;

/// <summary>DOMAIN.md's worked example, every cell of it.</summary>
public sealed class RiversideStatementTests
{
    private readonly Riverside _riverside = new();

    private BudgetStatement Statement() =>
        BudgetStatement.Compute(_riverside.Pool, _riverside.Lines, _riverside.Entries, Riverside.Month(6), Riverside.AsAt);

    [Fact]
    public void Headings_follow_the_statement_column_order()
    {
        Statement().ToTable().Headings.Should().Equal(
            "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices",
            "Month 1", "Month 2", "Month 3", "Month 4", "Month 5", "Month 6",
            "YTD Actuals", "YTD Accruals", "YTD Total", "YTD Forecast", "Variance", "Forecast Outturn", "Notes");
    }

    [Fact]
    public void Every_detail_cell_matches_the_worked_example_to_the_pound()
    {
        var table = Statement().ToTable();

        table.Rows.Should().HaveCount(4);
        table.Rows[0].Should().Equal("ICB", "Programme Manager", "Riverside Council", "48,000", "4,000",
            "", "", "4,000", "4,000", "4,000", "4,000", "20,000", "4,000", "24,000", "24,000", "0", "48,000", "");
        table.Rows[1].Should().Equal("ICB", "Frailty Service", "Riverside Community Trust", "180,000", "",
            "", "", "", "15,000", "15,000", "", "30,000", "15,000", "45,000", "90,000", "-45,000", "150,000", "");
        table.Rows[2].Should().Equal("RH", "Leadership – Alliance", "Riverside Hospital", "3,000", "",
            "", "500", "", "", "1,200", "", "1,700", "0", "1,700", "1,500", "200", "3,000", "");
        table.Rows[3].Should().Equal("ICB", "Data Analyst (starts M7)", "Riverside Council", "36,000", "",
            "", "", "", "", "", "", "0", "0", "0", "0", "0", "36,000", "");
        table.Totals.Should().Equal("", "Total", "", "267,000", "4,000",
            "", "500", "4,000", "19,000", "20,200", "4,000", "51,700", "19,000", "70,700", "115,500", "-44,800", "237,000", "");
    }

    [Fact]
    public void Rows_carry_exact_pence()
    {
        var frailty = Statement().Rows[1];

        frailty.AnnualBudget.Should().Be(Pounds.Of(180_000));
        frailty.Months.Should().Equal(Pence.Zero, Pence.Zero, Pence.Zero, Pounds.Of(15_000), Pounds.Of(15_000), Pence.Zero);
        frailty.YtdActuals.Should().Be(Pounds.Of(30_000));
        frailty.YtdAccruals.Should().Be(Pounds.Of(15_000));
        frailty.YtdTotal.Should().Be(Pounds.Of(45_000));
        frailty.YtdForecast.Should().Be(Pounds.Of(90_000));
        frailty.Variance.Should().Be(Pounds.Of(-45_000));
        frailty.ForecastOutturn.Should().Be(Pounds.Of(150_000));
        frailty.ForecastIsPosted.Should().BeTrue();
        Statement().Rows[0].ForecastIsPosted.Should().BeFalse("the Programme Manager's outturn defaults to its budget");
    }

    [Fact]
    public void Summary_block_matches_the_worked_example()
    {
        var summary = Statement().Summary;

        summary.Sources.Select(s => (s.Name, s.Funder, s.Amount)).Should().Equal(
            ("Place-based allocation", "ICB", Pounds.Of(300_000)),
            ("2023/24 balance carried forward", null, Pounds.Of(24_000)),
            ("Leadership funding", "RH", Pounds.Of(9_000)));
        summary.TotalBudget.Should().Be(Pounds.Of(333_000));
        summary.Committed.Select(c => (c.Title, c.Amount)).Should().Equal(
            ("Programme Manager", Pounds.Of(48_000)),
            ("Frailty Service", Pounds.Of(180_000)),
            ("Leadership – Alliance", Pounds.Of(3_000)),
            ("Data Analyst (starts M7)", Pounds.Of(36_000)));
        summary.TotalCommitted.Should().Be(Pounds.Of(267_000));
        summary.BalanceRemaining.Should().Be(Pounds.Of(66_000));
    }

    [Fact]
    public void The_period_ends_on_30_September_and_the_identities_hold()
    {
        var statement = Statement();

        statement.Period.PeriodEnd.Should().Be(new NodaTime.LocalDate(2024, 9, 30));
        statement.Period.IsDrawnAfterPeriodEnd.Should().BeTrue();
        statement.CheckIdentities().Should().BeEmpty();
    }

    [Fact]
    public void Statements_can_show_pence()
    {
        Statement().ToTable(withPence: true).Totals[3].Should().Be("267,000.00");
    }
}
