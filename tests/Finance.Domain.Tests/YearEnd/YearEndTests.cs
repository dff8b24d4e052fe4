using FluentAssertions;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using Finance.Domain.Tests.Support;
using Finance.Domain.YearEnd;

namespace Finance.Domain.Tests.YearEnd;

public sealed class YearEndTests
{
    [Fact]
    public void An_overspend_is_settled_by_the_risk_share_and_a_pass_through_balance_carried_forward()
    {
        var bcf = new BcfPool(new RiskShareRule.ProportionalToContributions(IncludeCapital: false));
        bcf.SpendAndForecast(BcfPool.Community, 12_900_000);
        bcf.SpendAndForecast(BcfPool.SocialCare, 6_000_000);
        bcf.SpendAndForecast(BcfPool.Adaptations, 1_400_000);
        bcf.SpendAndForecast(BcfPool.Equipment, 550_000);

        var result = YearEndClose.Compute(bcf.Pool, bcf.Lines, bcf.Entries, BcfPool.AsAt, "pool.manager@county.example");

        result.Settlement.Select(s => (s.Partner, s.OverspendPayable, s.UnderspendReturned)).Should().Equal(
            (BcfPool.Icb, Pounds.Of(270_270.27m), Pence.Zero),
            (BcfPool.Council, Pounds.Of(129_729.73m + 50_000m), Pence.Zero));
        var carried = result.CarryForwardEntries.Should().ContainSingle().Subject;
        carried.Kind.Should().Be(EntryKind.CarryForwardIn);
        carried.Stream.Should().Be(BcfPool.Dfg);
        carried.Amount.Should().Be(Pounds.Of(100_000));
        carried.Year.Should().Be(BcfPool.Year.Next);
        carried.Month.Number.Should().Be(1);
        carried.Source.Should().Be(EntrySource.YearEnd);
        result.Unaccounted.Should().Be(Pence.Zero);
        (result.TotalBudget - result.TotalOutturn).Should().Be(Pounds.Of(100_000 - 450_000));
    }

    [Fact]
    public void Riverside_carries_its_underspend_into_its_balance_stream_for_next_year()
    {
        var riverside = new Riverside();

        var result = YearEndClose.Compute(riverside.Pool, riverside.Lines, riverside.Entries, Riverside.AsAt, "pool.manager@riverside.example");

        // 333,000 budget less 51,700 spent (month-6 accruals have reversed by month 12).
        var entry = result.CarryForwardEntries.Should().ContainSingle().Subject;
        entry.Amount.Should().Be(Pounds.Of(281_300));
        entry.Stream.Should().Be(Riverside.Balance);
        entry.Id.Value.Should().Be("year-end-2024-25-revenue");
        entry.Memo.Should().Be("2024/25 revenue underspend carried forward");
        result.Settlement.Should().OnlyContain(s => s.Net == Pence.Zero);
        result.Unaccounted.Should().Be(Pence.Zero);

        // Next year's pool takes the entry as a budget source.
        var nextYear = new Pool(riverside.Pool.Id, riverside.Pool.Name, Riverside.Year.Next, riverside.Pool.Organisations,
            riverside.Pool.FundingStreams, riverside.Pool.Agreement);
        var opening = BudgetStatement.Compute(nextYear, [], result.CarryForwardEntries, Riverside.Year.Next.Month(1), Riverside.AsAt);
        opening.Summary.Sources.Should().ContainSingle().Which.Amount.Should().Be(Pounds.Of(281_300));
    }

    [Fact]
    public void An_underspend_returned_in_proportion_leaves_nothing_to_carry()
    {
        var bcf = new BcfPool(new RiskShareRule.ProportionalToContributions(IncludeCapital: true), UnderspendRule.ReturnInProportion);
        bcf.SpendAndForecast(BcfPool.Community, 12_000_000);
        bcf.SpendAndForecast(BcfPool.SocialCare, 5_100_000);
        bcf.SpendAndForecast(BcfPool.Adaptations, 1_500_000);
        bcf.SpendAndForecast(BcfPool.Equipment, 500_000);

        var result = YearEndClose.Compute(bcf.Pool, bcf.Lines, bcf.Entries, BcfPool.AsAt, "pool.manager@county.example");

        result.CarryForwardEntries.Should().BeEmpty();
        result.Settlement.Select(s => s.UnderspendReturned).Should().Equal(Pounds.Of(921_052.63m), Pounds.Of(478_947.37m));
        result.Unaccounted.Should().Be(Pence.Zero);
    }

    [Fact]
    public void A_capital_underspend_needs_a_capital_balance_stream()
    {
        var bcf = new BcfPool(new RiskShareRule.ProportionalToContributions(IncludeCapital: false));
        bcf.SpendAndForecast(BcfPool.Community, 12_500_000);
        bcf.SpendAndForecast(BcfPool.SocialCare, 6_000_000);
        bcf.SpendAndForecast(BcfPool.Equipment, 400_000);

        var act = () => YearEndClose.Compute(bcf.Pool, bcf.Lines, bcf.Entries, BcfPool.AsAt, "pool.manager@county.example");

        act.Should().Throw<InvalidOperationException>()
            .WithMessage("Pool 'county-bcf' holds no capital carried-forward balance stream to carry its capital underspend of £100,000.00 into*");
    }
}
