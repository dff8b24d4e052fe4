using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>The rules as data: the README shows them, contradictions are refused before the worker serves anything, and
/// the rules in words hold of them.</summary>
public sealed class AccessRuleTests
{
    private const string TableStart = "<!-- access-table:start -->";
    private const string TableEnd = "<!-- access-table:end -->";

    private static IEnumerable<DeclaredFunction> Http => FunctionCatalog.App.Functions.Where(f => f.Http is not null);

    [Fact]
    public void The_readme_access_table_is_the_one_the_rules_produce()
    {
        var readme = File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var start = readme.IndexOf(TableStart, StringComparison.Ordinal);
        var end = readme.IndexOf(TableEnd, StringComparison.Ordinal);
        start.Should().BeGreaterThan(0, $"the README marks its access table with {TableStart}");
        end.Should().BeGreaterThan(start);
        var inReadme = readme[(start + TableStart.Length)..end].Trim('\n');
        var expected = AccessTable.Markdown(FunctionCatalog.App).ReplaceLineEndings("\n").Trim('\n');

        inReadme.Should().Be(expected, $"the README's table must be regenerated; paste this between the markers:\n{expected}\n");
    }

    [Fact]
    public void The_apps_own_declarations_pass_the_check()
    {
        var act = () => FunctionCatalog.App.Check();
        act.Should().NotThrow();
        FunctionCatalog.App.Functions.Should().Contain(f => f.Timer != null).And.Contain(f => f.Http != null);
    }

    [Fact]
    public void Only_health_is_anonymous_and_only_anonymous_functions_need_no_key()
    {
        Http.Where(f => f.Access!.Kind == AccessKind.Anonymous).Select(f => f.Name).Should().Equal("Health");
        foreach (var function in Http)
        {
            var anonymous = function.Access!.Kind == AccessKind.Anonymous;
            function.Http!.AuthLevel.Should().Be(anonymous ? AuthorizationLevel.Anonymous : AuthorizationLevel.Function, function.Name);
        }
    }

    [Fact]
    public void An_auditor_reads_every_read_function_and_no_write_function()
    {
        foreach (var function in Http)
        {
            var rule = function.Access!;
            var writes = function.Http!.Methods.Any(m => m != "GET");
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

    [Fact]
    public void Every_named_rule_resolves_to_a_rule()
    {
        foreach (var rule in Enum.GetValues<Rule>())
        {
            AccessRules.Of(rule).Should().NotBeNull(rule.ToString());
        }
    }

    public static TheoryData<string, string, bool, AccessRule, string> RuleContradictions => new()
    {
        { "PUT", "poolId", false, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything }), "auditor writes nothing" },
        { "GET", "poolId", false, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Administrator] = Reach.Everything }), "auditor reads everything" },
        { "PUT", "", false, AccessRule.AnyCaller, "needs a rule naming the roles" },
        { "GET", "", true, AccessRule.AnyCaller, "anonymous auth level" },
        { "GET", "", false, AccessRule.Anonymous, "anonymous auth level" },
        {
            "GET", "poolId", false,
            AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything, [Role.PoolManager] = Reach.NewPools }),
            "cannot create"
        },
        { "GET", "", false, AccessRule.ForPool("poolId", new Dictionary<Role, Reach> { [Role.Auditor] = Reach.Everything }), "route does not have" },
    };

    [Theory]
    [MemberData(nameof(RuleContradictions))]
    public void A_rule_that_contradicts_its_function_is_refused(string method, string routeParameter, bool anonymous, AccessRule rule, string message)
    {
        string[] parameters = routeParameter.Length == 0 ? [] : [routeParameter];
        var act = () => rule.Check("Thing", method, parameters, anonymous);
        act.Should().Throw<InvalidOperationException>().WithMessage($"*{message}*");
    }

    public static TheoryData<string, string> DeclarationContradictions => new()
    {
        { nameof(WithoutRule), "without an [Access] rule" },
        { nameof(TwoVerbs), "exactly one HTTP verb" },
        { nameof(AdminLevel), "anonymous (health) or need a function key" },
        { nameof(UnknownRouteParameter), "'thingId' has no rule in RouteParameters" },
        { nameof(TimerWithRule), "takes no access rule" },
        { nameof(AnonymousLevelAnyCaller), "anonymous auth level" },
        { nameof(WriteForAnyCaller), "needs a rule naming the roles" },
        { nameof(BadName), "must be letters and digits" },
        { nameof(SameNameTwice), "declared 2 times" },
    };

    [Theory]
    [MemberData(nameof(DeclarationContradictions))]
    public void A_declaration_that_contradicts_itself_is_refused_by_the_start_up_check(string declarations, string message)
    {
        var type = typeof(AccessRuleTests).GetNestedType(declarations)!;
        var act = () => FunctionCatalog.Of([type]).Check();
        act.Should().Throw<InvalidOperationException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void The_check_names_every_problem_at_once()
    {
        var act = () => FunctionCatalog.Of([typeof(WithoutRule), typeof(TwoVerbs)]).Check();
        act.Should().Throw<InvalidOperationException>().Where(e => e.Message.Contains("WithoutRule") && e.Message.Contains("TwoVerbs"));
    }

    [Fact]
    public void Several_roles_reach_the_union_of_their_reaches()
    {
        var caller = new Caller("someone", new HashSet<Role> { Role.FinanceLead, Role.PoolManager }, new HashSet<string>());
        AccessRules.ReadPool.ReachOf(caller).Should().Be(Reach.PoolsOfOwnOrganisations | Reach.ManagedPools);
        AccessRules.ManagePool.ReachOf(caller).Should().Be(Reach.ManagedPools | Reach.NewPools);
        AccessRules.ReadPool.ReachOf(new Caller("nobody", new HashSet<Role>(), new HashSet<string>())).Should().Be(Reach.None);
    }

    // Declarations the check must refuse, one contradiction per class (the catalog reads them like the app's own).
#pragma warning disable CA1034, CA1822 // nested and instance methods: they stand for function classes.
    public sealed class WithoutRule
    {
        [Function("WithoutRule")]
        public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class TwoVerbs
    {
        [Function("TwoVerbs")]
        [Access(Rule.ReadOperations)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", "post", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class AdminLevel
    {
        [Function("AdminLevel")]
        [Access(Rule.ReadOperations)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class UnknownRouteParameter
    {
        [Function("UnknownRouteParameter")]
        [Access(Rule.ReadOperations)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "things/{thingId}")] HttpRequest request) => Results.Ok();
    }

    public sealed class TimerWithRule
    {
        [Function("TimerWithRule")]
        [Access(Rule.ReadOperations)]
        public void Run([TimerTrigger("0 0 * * * *")] TimerInfo timer) { }
    }

    public sealed class AnonymousLevelAnyCaller
    {
        [Function("AnonymousLevelAnyCaller")]
        [Access(Rule.AnyCaller)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class WriteForAnyCaller
    {
        [Function("WriteForAnyCaller")]
        [Access(Rule.AnyCaller)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Function, "post", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class BadName
    {
        [Function("bad-name")]
        [Access(Rule.ReadOperations)]
        public IResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "things")] HttpRequest request) => Results.Ok();
    }

    public sealed class SameNameTwice
    {
        [Function("Same")]
        [Access(Rule.ReadOperations)]
        public IResult One([HttpTrigger(AuthorizationLevel.Function, "get", Route = "one")] HttpRequest request) => Results.Ok();

        [Function("same")]
        [Access(Rule.ReadOperations)]
        public IResult Two([HttpTrigger(AuthorizationLevel.Function, "get", Route = "two")] HttpRequest request) => Results.Ok();
    }
#pragma warning restore CA1034, CA1822
}
