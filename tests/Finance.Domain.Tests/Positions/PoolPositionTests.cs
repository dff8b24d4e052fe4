using FluentAssertions;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Positions;
using Finance.Domain.Tests.Support;

namespace Finance.Domain.Tests.Positions;

public sealed class PoolPositionTests
{
    private static PoolPosition Position(BcfPool bcf, int month = 6) =>
        PoolPosition.Compute(bcf.Pool, bcf.Lines, bcf.Entries, BcfPool.Year.Month(month), BcfPool.AsAt);

    private static BcfPool Overspending(RiskShareRule rule)
    {
        var bcf = new BcfPool(rule);
        bcf.SpendAndForecast(BcfPool.Community, 12_900_000);   // 400,000 over, revenue
        bcf.SpendAndForecast(BcfPool.SocialCare, 6_000_000);
        bcf.SpendAndForecast(BcfPool.Adaptations, 1_700_000);  // pass-through: shares in nothing
        bcf.SpendAndForecast(BcfPool.Equipment, 550_000);      // 50,000 over, capital
        return bcf;
    }

    private static IEnumerable<Pence> Shares(PoolPosition position) => position.Partners.Select(p => p.ShareOfOverspend);

    [Fact]
    public void A_revenue_overspend_of_400000_is_shared_270270_27_and_129729_73()
    {
        var position = Position(Overspending(new RiskShareRule.ProportionalToContributions(IncludeCapital: false)));

        var revenue = position.Pots.Single(p => p.Name == "revenue");
        revenue.Overspend.Should().Be(Pounds.Of(400_000));
        var icb = position.Partners.Single(p => p.Partner == BcfPool.Icb);
        var council = position.Partners.Single(p => p.Partner == BcfPool.Council);
        icb.ShareOfOverspend.Should().Be(Pounds.Of(270_270.27m));
        // The council also bears the whole 50,000 capital overspend: it is the only capital contributor.
        council.ShareOfOverspend.Should().Be(Pounds.Of(129_729.73m) + Pounds.Of(50_000));
        position.Pots.Single(p => p.Name == "capital").Overspend.Should().Be(Pounds.Of(50_000));
        Pence.Sum(Shares(position)).Should().Be(position.ProjectedOverspend);
    }

    [Fact]
    public void Revenue_and_capital_and_pass_through_are_shown_apart()
    {
        var position = Position(Overspending(new RiskShareRule.ProportionalToContributions(IncludeCapital: false)));

        position.Revenue.Budget.Should().Be(Pounds.Of(18_500_000));
        position.Revenue.ForecastOutturn.Should().Be(Pounds.Of(18_900_000));
        position.Revenue.ProjectedVariance.Should().Be(Pounds.Of(400_000));
        position.Capital.Budget.Should().Be(Pounds.Of(500_000));
        position.Total.Budget.Should().Be(Pounds.Of(19_000_000));
        var passThrough = position.PassThroughs.Should().ContainSingle().Subject;
        passThrough.PassedToName.Should().Be("District Council");
        passThrough.Received.Should().Be(Pounds.Of(1_500_000));
        passThrough.ForecastOutturn.Should().Be(Pounds.Of(1_700_000));
        passThrough.SpendToDate.Should().Be(Pounds.Of(850_000.02m), "six of twelve months, the first taking the odd pence");
    }

    [Fact]
    public void Partners_see_their_contributions_by_stream()
    {
        var council = Position(Overspending(new RiskShareRule.HostBearsAll())).Partners.Single(p => p.Partner == BcfPool.Council);

        council.Contributions.Select(c => (c.Stream, c.Agreed, c.ContributedToDate, c.PassThrough)).Should().Equal(
            (BcfPool.AdditionalLa, Pounds.Of(6_000_000), Pounds.Of(6_000_000), false),
            (BcfPool.Dfg, Pounds.Of(1_500_000), Pounds.Of(1_500_000), true),
            (BcfPool.DfgEquipment, Pounds.Of(500_000), Pounds.Of(500_000), false));
        council.Agreed.Should().Be(Pounds.Of(8_000_000));
    }

    [Fact]
    public void Including_capital_shares_the_whole_overspend_by_all_contributions()
    {
        var position = Position(Overspending(new RiskShareRule.ProportionalToContributions(IncludeCapital: true)));

        position.Pots.Should().ContainSingle().Which.Overspend.Should().Be(Pounds.Of(450_000));
        // 450,000 × 12.5 / 19 and × 6.5 / 19.
        Shares(position).Should().Equal(Pounds.Of(296_052.63m), Pounds.Of(153_947.37m));
    }

    [Fact]
    public void Fixed_percentages_host_and_commissioner_rules()
    {
        Shares(Position(Overspending(new RiskShareRule.FixedPercentages(
            [new PartnerShare(BcfPool.Icb, 60m), new PartnerShare(BcfPool.Council, 40m)]))))
            .Should().Equal(Pounds.Of(270_000), Pounds.Of(180_000));

        Shares(Position(Overspending(new RiskShareRule.HostBearsAll()))).Should().Equal(Pence.Zero, Pounds.Of(450_000));

        // The ICB commissions community services (400,000 over); the council, equipment (50,000 over).
        Shares(Position(Overspending(new RiskShareRule.CommissionerBearsOwnSchemes()))).Should().Equal(Pounds.Of(400_000), Pounds.Of(50_000));
    }

    [Fact]
    public void An_underspend_is_returned_in_proportion_or_retained()
    {
        var returning = new BcfPool(new RiskShareRule.ProportionalToContributions(IncludeCapital: true), UnderspendRule.ReturnInProportion);
        returning.SpendAndForecast(BcfPool.Community, 12_000_000);
        returning.SpendAndForecast(BcfPool.SocialCare, 5_100_000);
        returning.SpendAndForecast(BcfPool.Equipment, 500_000);
        var position = Position(returning);

        position.ProjectedUnderspend.Should().Be(Pounds.Of(1_400_000));
        position.Partners.Select(p => p.ShareOfUnderspendReturned).Should().Equal(Pounds.Of(921_052.63m), Pounds.Of(478_947.37m));
        position.Partners.Should().OnlyContain(p => p.ShareOfOverspend == Pence.Zero);

        var keeping = new BcfPool(new RiskShareRule.HostBearsAll(), UnderspendRule.KeepAsContingency);
        keeping.SpendAndForecast(BcfPool.Community, 12_000_000);
        var kept = Position(keeping);
        kept.Pots.Single().UnderspendRetained.Should().Be(kept.ProjectedUnderspend);
        kept.Partners.Should().OnlyContain(p => p.ShareOfUnderspendReturned == Pence.Zero);
    }

    [Fact]
    public void Shares_of_spend_and_outturn_follow_contributions_and_add_up()
    {
        var position = Position(Overspending(new RiskShareRule.HostBearsAll()));

        Pence.Sum(position.Partners.Select(p => p.ShareOfSpendToDate)).Should().Be(position.Total.SpendToDate);
        Pence.Sum(position.Partners.Select(p => p.ShareOfForecastOutturn)).Should().Be(position.Total.ForecastOutturn);
        // 19,450,000 × 12.5 / 19 and × 6.5 / 19 (pass-through excluded from both the outturn and the weights).
        position.Partners.Select(p => p.ShareOfForecastOutturn).Should().Equal(Pounds.Of(12_796_052.63m), Pounds.Of(6_653_947.37m));
    }
}
