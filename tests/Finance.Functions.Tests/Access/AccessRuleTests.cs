using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>The rules as data: the README shows them, contradictions are refused where a function is mapped, and the
/// issue's rules in words hold of them.</summary>
public sealed class AccessRuleTests : IDisposable
{
    private const string TableStart = "<!-- access-table:start -->";
    private const string TableEnd = "<!-- access-table:end -->";

    private readonly WebApplication app = FunctionApp.Build([]);

    public void Dispose() => ((IDisposable)app).Dispose();

    [Fact]
    public void The_readme_access_table_is_the_one_the_rules_produce()
    {
        var readme = File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf(TableStart, StringComparison.Ordinal);
        var end = readme.IndexOf(TableEnd, StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"the README marks its access table with {TableStart}");
        end.Should().BeGreaterThan(start);
        var inReadme = readme[(start + TableStart.Length)..end].Trim('\n');
        var expected = AccessTable.Markdown(app.Functions()).ReplaceLineEndings("\n").Trim('\n');

        inReadme.Should().Be(expected, $"the README's table must be regenerated; paste this between the markers:\n{expected}\n");
    }

    [Fact]
    public void Only_health_is_anonymous_and_only_anonymous_functions_need_no_key()
    {
        var http = app.Functions().Where(f => f.Function.Trigger is HttpFunctionTrigger).ToList();
        http.Where(f => f.Endpoint.Metadata.GetMetadata<AccessRule>()!.Kind == AccessKind.Anonymous).Select(f => f.Function.Name)
            .Should().Equal("Health");
        foreach (var (function, endpoint) in http)
        {
            var anonymous = endpoint.Metadata.GetMetadata<AccessRule>()!.Kind == AccessKind.Anonymous;
            ((HttpFunctionTrigger)function.Trigger).AuthLevel.Should().Be(anonymous ? AuthLevel.Anonymous : AuthLevel.Function, function.Name);
        }
    }

    [Fact]
    public void An_auditor_reads_every_read_function_and_no_write_function()
    {
        foreach (var (function, endpoint) in app.Functions().Where(f => f.Function.Trigger is HttpFunctionTrigger))
        {
            var rule = endpoint.Metadata.GetMetadata<AccessRule>()!;
            var writes = ((HttpFunctionTrigger)function.Trigger).Methods.Any(m => m != "GET");
            if (writes)
            {
                rule.Kind.Should().BeOneOf([AccessKind.Roles, AccessKind.Pool], function.Name);
                rule.Grants[Role.Auditor].Should().Be(Reach.None, function.Name);
            }
            else if (rule.Kind is AccessKind.Roles or AccessKind.Pool)
            {
                rule.Grants[Role.Auditor].Should().Be(Reach.Everything, function.Name);
            }
        }
    }

    [Fact]
    public void Partner_viewers_and_finance_leads_reach_only_their_organisations_pools_and_never_write_them()
    {
        AccessRules.ReadPool.Grants[Role.PartnerViewer].Should().Be(Reach.PoolsOfOwnOrganisations);
        AccessRules.ReadPool.Grants[Role.FinanceLead].Should().Be(Reach.PoolsOfOwnOrganisations);
        AccessRules.ManagePool.Grants[Role.PartnerViewer].Should().Be(Reach.None);
        AccessRules.ManagePool.Grants[Role.FinanceLead].Should().Be(Reach.None);
        AccessRules.ManagePool.Grants[Role.PoolManager].Should().Be(Reach.ManagedPools | Reach.NewPools);
    }

    public static TheoryData<string, string, AuthLevel, AccessRule, string> Contradictions => new()
    {
        { "PUT", "pools/{poolId}", AuthLevel.Function, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything }), "auditor writes nothing" },
        { "GET", "pools/{poolId}", AuthLevel.Function, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Administrator] = Reach.Everything }), "auditor reads everything" },
        { "PUT", "things", AuthLevel.Function, AccessRule.AnyCaller, "needs a rule naming the roles" },
        { "GET", "things", AuthLevel.Anonymous, AccessRule.AnyCaller, "anonymous auth level" },
        { "GET", "things", AuthLevel.Function, AccessRule.Anonymous, "anonymous auth level" },
        { "GET", "pools/{poolId}", AuthLevel.Function, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything, [Role.PoolManager] = Reach.NewPools }), "cannot create" },
        { "GET", "things", AuthLevel.Function, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything }), "route does not have" },
        { "GET", "things/{thingId}", AuthLevel.Function, AccessRule.ForRoles(Role.Auditor), "has no rule in RouteParameters" },
    };

    [Theory]
    [MemberData(nameof(Contradictions))]
    public void A_rule_that_contradicts_its_function_is_refused_where_it_is_mapped(string method, string route, AuthLevel level, AccessRule rule, string message)
    {
        using var other = WebApplication.CreateSlimBuilder().Build();
        var act = () => other.MapHttpFunction("Thing", method, route, level, rule, () => Results.Ok());
        act.Should().Throw<InvalidOperationException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Several_roles_reach_the_union_of_their_reaches()
    {
        var caller = new Caller("someone", new HashSet<Role> { Role.FinanceLead, Role.PoolManager }, new HashSet<string>());
        AccessRules.ReadPool.ReachOf(caller).Should().Be(Reach.PoolsOfOwnOrganisations | Reach.ManagedPools);
        AccessRules.ManagePool.ReachOf(caller).Should().Be(Reach.ManagedPools | Reach.NewPools);
        AccessRules.ReadPool.ReachOf(new Caller("nobody", new HashSet<Role>(), new HashSet<string>())).Should().Be(Reach.None);
    }
}
