using FluentAssertions;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Tests.Support;

namespace Finance.Domain.Tests.Model;

/// <summary>Constructors refuse impossible states, with a message naming the value.</summary>
public sealed class ModelValidationTests
{
    private readonly Riverside _riverside = new();

    [Theory]
    [InlineData("Riverside")]
    [InlineData("ab")]
    [InlineData("pool_1")]
    [InlineData("pool 1")]
    [InlineData("")]
    [InlineData("pool\n")]
    public void A_pool_id_outside_the_pattern_cannot_be_constructed(string text)
    {
        var act = () => new PoolId(text);
        act.Should().Throw<ArgumentException>().WithMessage($"'{text}' is not a valid pool id*");
        PoolId.TryParse(text, out var id, out var error).Should().BeFalse();
        id.Should().BeNull();
        error.Should().Contain("3 to 63 lower-case letters, digits and hyphens");
    }

    [Fact]
    public void Ids_compare_by_value_and_print_as_their_value()
    {
        new LineId("frailty-service").Should().Be(new LineId("frailty-service"));
        new LineId("frailty-service").ToString().Should().Be("frailty-service");
        PoolId.TryParse(new string('a', 63), out var longest, out _).Should().BeTrue();
        longest!.Value.Should().HaveLength(63);
        PoolId.TryParse(new string('a', 64), out _, out _).Should().BeFalse();
        EntryId.FromGuid(Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301")).Value.Should().Be("3f2504e04f8911d39a0c0305e82c3301");
    }

    [Fact]
    public void A_line_for_a_funding_source_the_pool_does_not_hold_is_refused()
    {
        var act = () => new BudgetLine(_riverside.Pool, new LineId("new-line"), new FundingStreamId("dfg"), "Adaptations", Riverside.Council);

        act.Should().Throw<ArgumentException>().WithMessage("Line 'new-line' is funded from 'dfg', a funding source pool 'riverside-place' does not hold*");
    }

    [Fact]
    public void A_line_starting_in_month_13_or_hosted_by_a_stranger_is_refused()
    {
        var month13 = () => new BudgetLine(_riverside.Pool, new LineId("late"), Riverside.PlaceAllocation, "Late", Riverside.Council, startMonth: 13);
        month13.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Line 'late' starts in month 13*");

        var stranger = () => new BudgetLine(_riverside.Pool, new LineId("odd"), Riverside.PlaceAllocation, "Odd", new OrganisationId("somewhere-else"));
        stranger.Should().Throw<ArgumentException>().WithMessage("*hosted by 'somewhere-else'*");
    }

    [Fact]
    public void A_profile_that_spends_before_the_line_starts_is_refused()
    {
        var lump = () => new BudgetLine(_riverside.Pool, new LineId("lump"), Riverside.PlaceAllocation, "Lump", Riverside.Council,
            startMonth: 7, profile: new Profile.LumpSum(3));
        lump.Should().Throw<ArgumentException>().WithMessage("*lump sum falls in month 3, before the line starts in month 7*");

        var custom = () => new BudgetLine(_riverside.Pool, new LineId("custom"), Riverside.PlaceAllocation, "Custom", Riverside.Council,
            startMonth: 2, profile: new Profile.CustomMonthly(Enumerable.Repeat(Pounds.Of(10), 12)));
        custom.Should().Throw<ArgumentException>().WithMessage("*puts £10.00 in month 1*");

        var eleven = () => new Profile.CustomMonthly(Enumerable.Repeat(Pounds.Of(10), 11));
        eleven.Should().Throw<ArgumentException>().WithMessage("*needs 12 amounts*11*");
    }

    [Fact]
    public void Profiles_spread_a_budget_to_the_penny()
    {
        new Profile.StraightLine().Spread(new Pence(3_600_001), startMonth: 7).Select(p => p.Value)
            .Should().Equal(0, 0, 0, 0, 0, 0, 600_001, 600_000, 600_000, 600_000, 600_000, 600_000);
        new Profile.LumpSum(12).Spread(Pounds.Of(500), 1)[11].Should().Be(Pounds.Of(500));
        var custom = new Profile.CustomMonthly([.. Enumerable.Repeat(Pence.Zero, 6), .. Enumerable.Repeat(Pounds.Of(100), 6)]);
        custom.Spread(Pounds.Of(600), 1).Should().Equal(custom.MonthlyAmounts);
        Pence.Sum(custom.Spread(Pounds.Of(601), 1)).Should().Be(Pounds.Of(601));
    }

    [Fact]
    public void Fixed_shares_must_add_up_to_100_percent()
    {
        var act = () => new RiskShareRule.FixedPercentages([new PartnerShare(Riverside.Icb, 60m), new PartnerShare(Riverside.Council, 30m)]);
        act.Should().Throw<ArgumentException>().WithMessage("The partners' shares add up to 90%, not 100%.*");

        var precise = () => new PartnerShare(Riverside.Icb, 33.333m);
        precise.Should().Throw<ArgumentOutOfRangeException>().WithMessage("33.333% is not a share for 'riverside-icb'*");

        new RiskShareRule.FixedPercentages([new PartnerShare(Riverside.Icb, 66.67m), new PartnerShare(Riverside.Council, 33.33m)])
            .Shares.Should().HaveCount(2);
    }

    [Fact]
    public void An_agreement_refuses_a_host_or_contributor_that_is_not_a_partner_and_negative_contributions()
    {
        var host = () => new Section75Agreement([Riverside.Icb], Riverside.Council, "Alex", [], new RiskShareRule.HostBearsAll(), UnderspendRule.CarryForward);
        host.Should().Throw<ArgumentException>().WithMessage("The host 'riverside-council' is not one of the partners*");

        var negative = () => new AgreedContribution(Riverside.Icb, Riverside.PlaceAllocation, Pounds.Of(-5));
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*negative amount (-£5.00)*");

        var stranger = () => new Section75Agreement([Riverside.Icb], Riverside.Icb, "Alex",
            [new AgreedContribution(Riverside.Council, Riverside.PlaceAllocation, Pounds.Of(5))], new RiskShareRule.HostBearsAll(), UnderspendRule.CarryForward);
        stranger.Should().Throw<ArgumentException>().WithMessage("'riverside-council' contributes to 'place-allocation' but is not a partner*");
    }

    [Fact]
    public void A_pool_refuses_contributions_to_streams_it_does_not_hold()
    {
        var agreement = new Section75Agreement([Riverside.Icb], Riverside.Icb, "Alex",
            [new AgreedContribution(Riverside.Icb, new FundingStreamId("ibcf"), Pounds.Of(5))], new RiskShareRule.HostBearsAll(), UnderspendRule.CarryForward);
        var act = () => new Pool(new PoolId("test-pool"), "Test", Riverside.Year,
            [new Organisation(Riverside.Icb, "ICB", OrganisationKind.IntegratedCareBoard)], [], agreement);

        act.Should().Throw<ArgumentException>().WithMessage("*funding stream 'ibcf', which pool 'test-pool' does not hold*");
    }

    [Fact]
    public void A_disabled_facilities_grant_is_capital_and_only_it_passes_through()
    {
        var revenue = () => new FundingStream(new FundingStreamId("dfg"), FundingStreamKind.DisabledFacilitiesGrant, "DFG", FundingNature.Revenue);
        revenue.Should().Throw<ArgumentException>().WithMessage("*'dfg' is a Disabled Facilities Grant, which is capital, not revenue*");

        var passThrough = () => new FundingStream(new FundingStreamId("ibcf"), FundingStreamKind.ImprovedBetterCareFund, "iBCF",
            FundingNature.Revenue, passThroughTo: new OrganisationId("district"));
        passThrough.Should().Throw<ArgumentException>().WithMessage("*only a Disabled Facilities Grant passes through*");
    }

    [Fact]
    public void Organisations_are_known_by_their_aliases()
    {
        var icb = _riverside.Pool.Organisation(Riverside.Icb);
        icb.IsKnownAs("riverside icb").Should().BeTrue();
        icb.IsKnownAs("ICB").Should().BeTrue();
        icb.IsKnownAs("Riverside Council").Should().BeFalse();
        icb.Label.Should().Be("ICB");
        var blank = () => new Organisation(new OrganisationId("blank"), "  ", OrganisationKind.Other);
        blank.Should().Throw<ArgumentException>().WithMessage("The organisation name is required.*");
    }

    [Fact]
    public void A_negative_annual_budget_cannot_be_posted()
    {
        var release = new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(7), EntryKind.CommitmentRelease,
            Pounds.Of(50_000), "pool.manager@riverside.example", Riverside.AsAt, EntrySource.Api, line: Riverside.ProgrammeManager);

        PostingRules.Check(_riverside.Pool, _riverside.Lines, _riverside.Entries, release)
            .Should().ContainSingle().Which.Should().Contain("from £48,000.00 to -£2,000.00; a budget cannot be negative");

        var negativeCommitment = () => new JournalEntry(_riverside.NextId(), _riverside.Pool.Id, Riverside.Month(7), EntryKind.Commitment,
            Pounds.Of(-1), "pool.manager@riverside.example", Riverside.AsAt, EntrySource.Api, line: Riverside.ProgrammeManager);
        negativeCommitment.Should().Throw<ArgumentException>().WithMessage("*the amount of Commitment must be above zero*");
    }

    [Fact]
    public void Funding_stream_years_and_months_must_match_the_pool()
    {
        var nextYear = new FinancialYear(2025).Month(1);
        var act = () => Finance.Domain.Statements.BudgetStatement.Compute(_riverside.Pool, _riverside.Lines, _riverside.Entries, nextYear, Riverside.AsAt);
        act.Should().Throw<ArgumentException>().WithMessage("Pool 'riverside-place' is for 2024/25*");
    }
}
