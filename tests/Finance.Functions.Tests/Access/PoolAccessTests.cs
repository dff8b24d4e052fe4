using Finance.Domain.Principals;
using Finance.Functions.Access;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>The access service's decisions, one rule at a time.</summary>
public sealed class PoolAccessTests
{
    private static readonly PoolParties Pool = new("riverside-place", "riverside-council", ["riverside-icb", "riverside-hospital"], ["priya"]);

    private static Caller Caller(string id, string[] organisations, params Role[] roles) => new(id, roles.ToHashSet(), organisations.ToHashSet());

    [Fact]
    public void A_partner_viewer_reads_a_pool_their_organisation_is_party_to_and_learns_nothing_of_others()
    {
        var icb = Caller("pat", ["riverside-icb"], Role.PartnerViewer);
        var stranger = Caller("sam", ["elsewhere-icb"], Role.PartnerViewer);
        var reach = AccessRules.ReadPool.ReachOf(icb);

        PoolAccess.Decide(icb, reach, Pool).Should().Be(AccessDecision.Allow);
        PoolAccess.Decide(stranger, reach, Pool).Should().Be(AccessDecision.NotFound);
        PoolAccess.Decide(stranger, reach, null).Should().Be(AccessDecision.NotFound, "a missing pool and a hidden one look the same");
    }

    [Fact]
    public void A_principal_in_several_organisations_reaches_the_pools_of_any_of_them()
    {
        var both = Caller("hamid", ["elsewhere-trust", "riverside-hospital"], Role.FinanceLead);
        PoolAccess.Decide(both, AccessRules.ReadPool.ReachOf(both), Pool).Should().Be(AccessDecision.Allow);
    }

    [Fact]
    public void A_pool_manager_manages_only_their_pools_and_may_create_new_ones()
    {
        var priya = Caller("priya", ["riverside-council"], Role.PoolManager);
        var other = Caller("omar", ["riverside-council"], Role.PoolManager);
        var outsider = Caller("olga", ["elsewhere-council"], Role.PoolManager);

        PoolAccess.Decide(priya, AccessRules.ManagePool.ReachOf(priya), Pool).Should().Be(AccessDecision.Allow);
        PoolAccess.Decide(other, AccessRules.ManagePool.ReachOf(other), Pool).Should().Be(AccessDecision.Forbidden, "he can see it (his council hosts it) but not manage it");
        PoolAccess.Decide(outsider, AccessRules.ManagePool.ReachOf(outsider), Pool).Should().Be(AccessDecision.NotFound);
        PoolAccess.Decide(outsider, AccessRules.ManagePool.ReachOf(outsider), null).Should().Be(AccessDecision.Allow, "a new pool");
    }

    [Fact]
    public void An_auditor_reads_all_and_writes_nothing()
    {
        var audrey = Caller("audrey", [], Role.Auditor);
        PoolAccess.Decide(audrey, AccessRules.ReadPool.ReachOf(audrey), Pool).Should().Be(AccessDecision.Allow);
        PoolAccess.Decide(audrey, AccessRules.ManagePool.ReachOf(audrey), Pool).Should().Be(AccessDecision.Forbidden);
        PoolAccess.Decide(audrey, AccessRules.ManagePool.ReachOf(audrey), null).Should().Be(AccessDecision.Forbidden);
    }

    [Theory]
    [InlineData("riverside-hospital", new[] { "riverside-hospital" }, true)]
    [InlineData("riverside-hospital", new[] { "elsewhere-trust", "riverside-hospital" }, true)]
    [InlineData("riverside-council", new[] { "riverside-hospital" }, false)]
    [InlineData("elsewhere-trust", new[] { "elsewhere-trust" }, false)]
    public void A_finance_lead_posts_only_to_lines_their_organisation_hosts(string lineHost, string[] organisations, bool allowed)
    {
        PoolAccess.CanPostToLine(Caller("hamid", organisations, Role.FinanceLead), Pool, lineHost).Should().Be(allowed);
    }

    [Fact]
    public void Only_finance_leads_post()
    {
        foreach (var role in Roles.All.Where(r => r != Role.FinanceLead))
        {
            PoolAccess.CanPostToLine(Caller("x-user", ["riverside-council"], role), Pool, "riverside-council").Should().BeFalse(role.ToString());
        }
    }
}
