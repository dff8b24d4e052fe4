using System.Net;
using System.Text.Json;
using Finance.Domain.Principals;
using Finance.Functions.Catalog;
using Finance.Functions.Postings;
using Finance.Functions.Setup;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// Refusals that are about two fields together (a zero amount for a kind that needs one, a nil return with an amount,
/// a contribution without a partner, a risk share that does not add up) name the field at fault by its full path, in
/// the API's words, quote no id that was never stored, and change nothing. Generated over every function whose
/// declared body holds an entry or a section 75 agreement's terms (found in the body types by reflection), so a new
/// function taking entries inherits every case.
/// </summary>
public sealed class CrossFieldTests(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    private readonly AccessMatrixFixture matrix = fixture;

    /// <summary>A fault in one entry: the entry, the field it is to be named under, a word the message must use, who posts it.</summary>
    private sealed record Fault(Func<AccessMatrixFixture, string> Entry, string Field, string Mentions, bool ByManager = false);

    private static readonly Dictionary<string, Fault> EntryFaults = new()
    {
        ["a zero actual"] = new(_ => $$"""{"kind":"actual","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"0"}""", "amount", "actual"),
        ["a nil return with an amount"] = new(_ => $$"""{"kind":"nilReturn","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"5"}""",
            "amount", "nil return"),
        ["a contribution without a partner"] = new(_ => $$"""{"kind":"contribution","stream":"{{AccessMatrixFixture.Stream}}","month":1,"amount":"5"}""",
            "partner", "contribution", ByManager: true),
        ["an adjustment without a reason"] = new(_ => $$"""{"kind":"adjustment","adjustsKind":"actual","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"5"}""",
            "reason", "reason"),
        ["an adjustment of no kind"] = new(_ => $$"""{"kind":"adjustment","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"5","reason":"r"}""",
            "adjustsKind", "priorYearInvoice"),
        ["a commitment naming a stream"] = new(_ => $$"""{"kind":"commitment","line":"{{AccessMatrixFixture.HostLine}}","stream":"{{AccessMatrixFixture.Stream}}","month":3,"amount":"5"}""",
            "stream", "commitment", ByManager: true),
        ["a negative allocation"] = new(_ => $$"""{"kind":"allocation","stream":"{{AccessMatrixFixture.Stream}}","month":1,"amount":"-5"}""",
            "amount", "allocation", ByManager: true),
        ["an accrual without a line"] = new(_ => """{"kind":"accrual","month":3,"amount":"5"}""", "line", "accrual"),
        ["an actual naming a partner"] = new(f => $$"""{"kind":"actual","line":"{{AccessMatrixFixture.HostLine}}","partner":"{{f.PartnerOrganisation}}","month":3,"amount":"5"}""",
            "partner", "actual"),
    };

    /// <summary>A fault in an agreement's terms: the body, the field it is to be named under, a word the message must use.</summary>
    private sealed record TermsFault(Func<AccessMatrixFixture, object> Body, string Field, Func<AccessMatrixFixture, string> Mentions);

    private static readonly Dictionary<string, TermsFault> TermsFaults = new()
    {
        ["shares adding up to 90%"] = new(f => Terms(f, new
        {
            rule = "fixedPercentages",
            shares = new object[] { new { partner = f.HostOrganisation, percent = 60 }, new { partner = f.PartnerOrganisation, percent = 30 } },
        }), "riskShare.shares", _ => "90%"),
        ["fixed percentages without shares"] = new(f => Terms(f, new { rule = "fixedPercentages" }), "riskShare.shares", _ => "share"),
        ["a share of an organisation that is no partner"] = new(f => Terms(f, new
        {
            rule = "fixedPercentages",
            shares = new object[] { new { partner = f.HostOrganisation, percent = 50 }, new { partner = f.OtherOrganisation, percent = 50 } },
        }), "riskShare.shares[1].partner", f => f.OtherOrganisation),
        ["a contribution by an organisation that is no partner"] = new(f => new
        {
            contributions = new[] { new { partner = f.OtherOrganisation, stream = AccessMatrixFixture.Stream, annualAmount = "10.00" } },
            riskShare = new { rule = "hostBearsAll" }, underspend = "carryForward",
        }, "contributions[0].partner", f => f.OtherOrganisation),
        ["a partner contributing twice to one stream"] = new(f => new
        {
            contributions = new[]
            {
                new { partner = f.PartnerOrganisation, stream = AccessMatrixFixture.Stream, annualAmount = "10.00" },
                new { partner = f.PartnerOrganisation, stream = AccessMatrixFixture.Stream, annualAmount = "20.00" },
            },
            riskShare = new { rule = "hostBearsAll" }, underspend = "carryForward",
        }, "contributions[1]", _ => "more than one contribution"),
    };

    public static TheoryData<string, string> EntryCases() => Cases(t => Holds(t, typeof(EntryBody)), EntryFaults.Keys);

    public static TheoryData<string, string> TermsCases() => Cases(t => Holds(t, typeof(RiskShareBody)), TermsFaults.Keys);

    [Theory]
    [MemberData(nameof(EntryCases))]
    public async Task An_entry_whose_fields_do_not_go_together_is_refused_naming_the_field(string functionName, string fault)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var http = function.Http!;
        var (entry, field, mentions, byManager) = EntryFaults[fault];
        var (role, relation) = byManager ? (Role.PoolManager, Relation.Manager) : (Role.FinanceLead, Relation.Host);
        var inList = http.Body!.Body != typeof(EntryBody);
        var good = byManager
            ? $$"""{"kind":"commitment","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"1"}"""
            : $$"""{"kind":"actual","line":"{{AccessMatrixFixture.HostLine}}","month":3,"amount":"1"}""";
        var json = inList ? $"{{\"entries\":[{good},{entry(matrix)}]}}" : entry(matrix);
        var expected = inList ? $"entries[1].{field}" : field;

        await RefusedAsync(function, role, relation, json, expected, mentions);
    }

    public static TheoryData<string> CsvFunctions() => FunctionsWhere(f => f.Http?.Csv is not null);

    [Theory]
    [MemberData(nameof(CsvFunctions))]
    public async Task A_csv_row_with_a_zero_actual_is_refused_naming_its_row_and_the_amount_column(string functionName)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var http = function.Http!;
        var path = await PathAsync(functionName, http, matrix.PoolId, writes: true, Role.FinanceLead, Relation.Host, allowed: true);
        var csv = $"pool,line,month,amount,reference,memo\n{matrix.PoolId},{AccessMatrixFixture.HostLine},4,1.00,Z-1,\n"
            + $"{matrix.PoolId},{AccessMatrixFixture.HostLine},4,0.00,Z-2,\n";
        var content = Content(csv, "text/csv");
        var before = await StorageAsync();

        using var response = await matrix.App.PostAsync(path, matrix.TokenFor(Role.FinanceLead, Relation.Host), content);

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity, text);
        var problem = JsonDocument.Parse(text).RootElement.GetProperty("problems").EnumerateArray().Should().ContainSingle().Subject;
        (problem.GetProperty("row").GetInt32(), problem.GetProperty("column").GetString()).Should().Be((3, "amount"), text);
        (await StorageAsync()).Should().Equal(before, text);
    }

    [Theory]
    [MemberData(nameof(TermsCases))]
    public async Task Terms_that_do_not_go_together_are_refused_naming_the_field(string functionName, string fault)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var (body, field, mentions) = TermsFaults[fault];

        await RefusedAsync(function, Role.PoolManager, Relation.Manager, JsonSerializer.Serialize(body(matrix)), field, mentions(matrix));
    }

    private async Task RefusedAsync(DeclaredFunction function, Role role, Relation relation, string json, string field, string mentions)
    {
        var http = function.Http!;
        var method = http.Methods.Single();
        var path = await PathAsync(function.Name, http, matrix.PoolId, writes: true, role, relation, allowed: true);
        var headers = method == "POST" ? new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") } : null;
        var content = Content(json, "application/json");
        var before = await StorageAsync();

        using var response = await matrix.App.SendAsync(new HttpMethod(method), path, matrix.TokenFor(role, relation), content, headers);

        var text = await response.Content.ReadAsStringAsync();
        var because = $"{function.Name} {json}: {text}";
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, because);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", because);
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).Should().Equal([field], because);
        var message = errors.GetProperty(field)[0].GetString()!;
        message.Should().Contain(mentions, because).And.NotContain("Entry '", "no id is invented for an entry that was never stored");
        (await StorageAsync()).Should().Equal(before, because);
    }

    private static object Terms(AccessMatrixFixture f, object riskShare) => new
    {
        contributions = new[] { new { partner = f.PartnerOrganisation, stream = AccessMatrixFixture.Stream, annualAmount = "10.00" } },
        riskShare, underspend = "carryForward",
    };

    /// <summary>Whether a body type is, or holds (in a property or a list), the given type.</summary>
    private static bool Holds(Type type, Type wanted, int depth = 0)
    {
        if (type == wanted)
        {
            return true;
        }
        if (depth > 4 || type.Namespace?.StartsWith("Finance.", StringComparison.Ordinal) != true)
        {
            return false;
        }
        return type.GetProperties().Any(p =>
        {
            var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            t = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? t.GetGenericArguments()[0] : t;
            return Holds(t, wanted, depth + 1);
        });
    }

    private static TheoryData<string, string> Cases(Func<Type, bool> takes, IEnumerable<string> faults)
    {
        var cases = new TheoryData<string, string>();
        foreach (var function in FunctionCatalog.App.Functions.Where(f => f.Http?.Body is { } body && takes(body.Body)))
        {
            foreach (var fault in faults)
            {
                cases.Add(function.Name, fault);
            }
        }
        return cases;
    }
}
