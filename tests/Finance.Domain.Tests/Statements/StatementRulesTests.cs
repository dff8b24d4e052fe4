using FluentAssertions;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Domain.Tests.Support;
using NodaTime;

namespace Finance.Domain.Tests.Statements;

public sealed class StatementRulesTests
{
    private static readonly Instant Later = Instant.FromUtc(2025, 6, 1, 0, 0);
    private readonly Riverside _riverside = new();

    private BudgetStatement At(int month, Instant? asAt = null) =>
        BudgetStatement.Compute(_riverside.Pool, _riverside.Lines, _riverside.Entries, Riverside.Month(month), asAt ?? Later);

    private static StatementRow Row(BudgetStatement statement, Finance.Domain.Model.LineId line) => statement.Rows.Single(r => r.Line == line);

    [Fact]
    public void An_accrual_counts_only_at_the_end_of_its_own_month()
    {
        // The Programme Manager accrued 4,000 for month 5 and again for month 6.
        Row(At(4), Riverside.ProgrammeManager).YtdAccruals.Should().Be(Pence.Zero);
        Row(At(5), Riverside.ProgrammeManager).YtdAccruals.Should().Be(Pounds.Of(4_000));
        Row(At(6), Riverside.ProgrammeManager).YtdAccruals.Should().Be(Pounds.Of(4_000), "month 5's accrual reversed in month 6; month 6 has its own");
        Row(At(7), Riverside.ProgrammeManager).YtdAccruals.Should().Be(Pence.Zero);
    }

    [Fact]
    public void The_latest_forecast_up_to_the_month_wins_and_the_default_is_the_budget()
    {
        Row(At(2), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(180_000));
        Row(At(3), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(170_000));
        Row(At(4), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(170_000));
        Row(At(5), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(150_000));

        // Two forecasts for the same month: the one posted later wins.
        _riverside.Post(5, EntryKind.ForecastOutturn, 160_000, Riverside.Frailty, day: 9);
        Row(At(5), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(160_000));
        Row(At(5, LondonTime.StartOfDay(new LocalDate(2024, 9, 9))), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(150_000));
    }

    [Fact]
    public void Reversing_a_forecast_brings_back_the_one_before_it()
    {
        var latest = _riverside.Entries.Single(e => e.Kind == EntryKind.ForecastOutturn && e.Month.Number == 5);
        _riverside.Add(latest.Reverse(_riverside.NextId(), Riverside.Month(6), "lead@example.org", Riverside.AsAt, "posted to the wrong line"));

        Row(At(5), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(150_000), "the reversal is for month 6");
        Row(At(6), Riverside.Frailty).ForecastOutturn.Should().Be(Pounds.Of(170_000));
    }

    [Fact]
    public void Reversing_an_accrual_cancels_it_from_the_reversal_month()
    {
        var accrual = _riverside.Entries.Single(e => e.Kind == EntryKind.Accrual && e.Line == Riverside.Frailty);
        _riverside.Add(accrual.Reverse(_riverside.NextId(), Riverside.Month(6), "lead@example.org", Riverside.AsAt, "invoice came in"));

        Row(At(6), Riverside.Frailty).YtdAccruals.Should().Be(Pence.Zero);
        Row(At(7), Riverside.Frailty).YtdAccruals.Should().Be(Pence.Zero, "a later reversal of an accrual does not go negative");
    }

    [Fact]
    public void Reversing_an_actual_in_a_later_month_shows_the_correction_in_that_month()
    {
        var actual = _riverside.Entries.Single(e => e.Kind == EntryKind.Actual && e.Line == Riverside.LeadershipAlliance && e.Month.Number == 2);
        _riverside.Add(actual.Reverse(_riverside.NextId(), Riverside.Month(6), "lead@example.org", Riverside.AsAt, "belongs to another pool"));

        var row = Row(At(6), Riverside.LeadershipAlliance);
        row.Months[1].Should().Be(Pounds.Of(500), "month 2 is closed history");
        row.Months[5].Should().Be(Pounds.Of(-500));
        row.YtdActuals.Should().Be(Pounds.Of(1_200));
        Row(At(5), Riverside.LeadershipAlliance).YtdActuals.Should().Be(Pounds.Of(1_700));
    }

    [Fact]
    public void Releases_and_adjustments_change_the_budget_only_by_new_entries()
    {
        _riverside.Post(7, EntryKind.CommitmentRelease, 6_000, Riverside.DataAnalyst);
        _riverside.Add(new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(7), EntryKind.Adjustment, Pounds.Of(1_000),
            "pool.manager@example.org", Riverside.AsAt, EntrySource.Api, Riverside.LeadershipAlliance, adjustsKind: EntryKind.Commitment,
            reason: "board approved an extra 1,000"));

        var statement = At(6);
        Row(statement, Riverside.DataAnalyst).AnnualBudget.Should().Be(Pounds.Of(30_000));
        Row(statement, Riverside.LeadershipAlliance).AnnualBudget.Should().Be(Pounds.Of(4_000));
        statement.Summary.TotalCommitted.Should().Be(Pounds.Of(262_000));
        statement.Summary.BalanceRemaining.Should().Be(Pounds.Of(71_000));
        statement.CheckIdentities().Should().BeEmpty();
    }

    [Fact]
    public void An_adjustment_moves_the_figure_of_its_kind_in_its_own_month()
    {
        _riverside.Add(new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(6), EntryKind.Adjustment, Pounds.Of(-200),
            "lead@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty, adjustsKind: EntryKind.Actual, reason: "credit note"));

        Row(At(6), Riverside.Frailty).Months[5].Should().Be(Pounds.Of(-200));
        Row(At(6), Riverside.Frailty).YtdActuals.Should().Be(Pounds.Of(29_800));
    }

    [Fact]
    public void A_statement_to_month_8_drawn_on_12_December_includes_a_commitment_approved_on_9_December()
    {
        var december9 = LondonTime.StartOfDay(new LocalDate(2024, 12, 9)).Plus(Duration.FromHours(15));
        _riverside.Post(9, EntryKind.Commitment, 20_000, Riverside.Frailty, postedAt: december9);

        var drawnDecember12 = LondonTime.StartOfDay(new LocalDate(2024, 12, 12)).Plus(Duration.FromHours(9));
        var drawnDecember8 = LondonTime.StartOfDay(new LocalDate(2024, 12, 8)).Plus(Duration.FromHours(9));

        Row(At(8, drawnDecember12), Riverside.Frailty).AnnualBudget.Should().Be(Pounds.Of(200_000));
        Row(At(8, drawnDecember8), Riverside.Frailty).AnnualBudget.Should().Be(Pounds.Of(180_000));
    }

    [Fact]
    public void Entries_posted_after_the_as_at_are_ignored()
    {
        var beforeMonth6Submissions = LondonTime.StartOfDay(new LocalDate(2024, 10, 1));

        var statement = At(6, beforeMonth6Submissions);

        Row(statement, Riverside.ProgrammeManager).Months[5].Should().Be(Pence.Zero);
        Row(statement, Riverside.Frailty).YtdAccruals.Should().Be(Pence.Zero);
        Row(statement, Riverside.DataAnalyst).AnnualBudget.Should().Be(Pounds.Of(36_000), "it was approved on 20 September");
    }

    [Fact]
    public void Entries_for_months_after_the_period_are_left_out_of_the_year_to_date()
    {
        _riverside.Post(7, EntryKind.Actual, 3_000, Riverside.DataAnalyst, postedAt: Riverside.AsAt - Duration.FromHours(1));

        var statement = BudgetStatement.Compute(_riverside.Pool, _riverside.Lines, _riverside.Entries, Riverside.Month(6), Riverside.AsAt);

        Row(statement, Riverside.DataAnalyst).YtdActuals.Should().Be(Pence.Zero);
        Row(At(7), Riverside.DataAnalyst).YtdActuals.Should().Be(Pounds.Of(3_000));
    }

    [Fact]
    public void At_month_12_the_forecast_to_date_is_the_whole_budget()
    {
        var statement = At(12);

        statement.Rows.Should().OnlyContain(r => r.YtdForecast == r.AnnualBudget);
        statement.Rows[0].Months.Should().HaveCount(12);
        statement.ToTable().Headings.Should().HaveCount(5 + 12 + 7);
    }

    [Fact]
    public void The_identity_check_names_what_a_tampered_statement_gets_wrong()
    {
        var statement = At(6);
        var row = statement.Rows[0] with { YtdTotal = statement.Rows[0].YtdTotal + new Pence(1) };
        var tampered = statement with
        {
            Rows = [row, .. statement.Rows.Skip(1)],
            Summary = statement.Summary with { BalanceRemaining = Pounds.Of(1) },
        };

        tampered.CheckIdentities().Select(f => f.Identity).Should().BeEquivalentTo("ytd-total", "variance", "totals-row", "balance-remaining");
        tampered.CheckIdentities()[0].Detail.Should().Contain("line 'programme-manager' (Programme Manager)");
    }

    [Fact]
    public void Lines_or_entries_of_another_pool_are_a_caller_error()
    {
        var other = new Riverside();
        var foreign = new JournalEntry(new EntryId("foreign-1"), new Finance.Domain.Model.PoolId("another-pool"), Riverside.Month(1),
            EntryKind.Actual, Pounds.Of(1), "x@example.org", Riverside.AsAt, EntrySource.Api, Riverside.Frailty);
        var act = () => BudgetStatement.Compute(other.Pool, other.Lines, [.. other.Entries, foreign], Riverside.Month(6), Riverside.AsAt);
        act.Should().Throw<ArgumentException>().WithMessage("Entry 'foreign-1' belongs to pool 'another-pool', not 'riverside-place'.*");
        var twice = () => BudgetStatement.Compute(other.Pool, [.. other.Lines, other.Lines[0]], other.Entries, Riverside.Month(6), Riverside.AsAt);
        twice.Should().Throw<ArgumentException>().WithMessage("Line 'programme-manager' is listed more than once.*");
    }
}
