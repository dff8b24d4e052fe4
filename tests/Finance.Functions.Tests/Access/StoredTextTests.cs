using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Domain.Principals;
using Finance.Functions.Catalog;
using Finance.Functions.Imports;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// One text rule wherever text arrives, generated from the declarations: for every function reading JSON, every text
/// property of its declared body type (found by reflection, nested objects and lists included) is given a control
/// character in turn, and the request is refused 400 naming that property by its path; for every function reading a
/// CSV, every declared column of a row is, and the refusal names the row and the column. Nothing is stored. A property
/// or column added to a body is in these cases by being declared; its function's full sample body must then give it.
/// </summary>
public sealed class StoredTextTests(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    private const string Bell = "Bell\u0007here";

    private readonly AccessMatrixFixture matrix = fixture;

    /// <summary>
    /// Valid bodies of each JSON-reading function that between them give every text property of its type; a property
    /// is tried in the first that has it (an entry's partner only in a contribution, its reason in an adjustment).
    /// </summary>
    private static readonly Dictionary<string, Func<AccessMatrixFixture, Sample[]>> FullBodies = new()
    {
        ["PutPool"] = f => One(new
        {
            name = "Matrix pool", hostOrganisation = f.HostOrganisation, financialYear = "2024/25",
            partnerOrganisations = new[] { f.PartnerOrganisation }, poolManagers = new[] { f.ManagerId }, effectiveFrom = "2024-06-01T00:00:00Z",
        }),
        ["PutMembership"] = f => One(new { organisations = new[] { f.OtherOrganisation }, roles = new[] { "PartnerViewer" } }),
        ["PutOrganisation"] = _ => One(new
        {
            name = "Written org", kind = "provider", shortName = "Written", aliases = new[] { "WO" }, statementName = "Written",
            effectiveFrom = "2024-06-01T00:00:00Z",
        }),
        ["PutStream"] = f =>
        [
            new(Json(new
            {
                kind = "placeAllocation", name = "Place allocation", nature = "revenue", funder = f.PartnerOrganisation,
                conditions = "Reported quarterly", spendBy = "2025-03-31", displayOrder = 1, effectiveFrom = "2024-06-01T00:00:00Z",
            })),
            new(Json(new
            {
                kind = "disabledFacilitiesGrant", name = "DFG", nature = "capital", funder = f.PartnerOrganisation,
                passThroughTo = f.HostOrganisation,
            }), Route: $"api/pools/{f.PoolId}/streams/text-dfg"),
        ],
        ["PutAgreement"] = f => One(new
        {
            contributions = new[] { new { partner = f.PartnerOrganisation, stream = AccessMatrixFixture.Stream, annualAmount = "100.00" } },
            riskShare = new { rule = "fixedPercentages", shares = new[] { new { partner = f.PartnerOrganisation, percent = 100 } } },
            underspend = "carryForward", effectiveFrom = "2024-06-01T00:00:00Z",
        }),
        ["PutLine"] = f => One(new
        {
            fundingSource = AccessMatrixFixture.Stream, title = "Host line", host = f.HostOrganisation, startMonth = 1,
            profile = new { kind = "customMonthly", amounts = Enumerable.Repeat("1.00", 12).ToArray() },
            commissioner = f.HostOrganisation, notes = "Notes", displayOrder = 1, summaryGroup = "Group", fundingSourceLabel = "Place",
            effectiveFrom = "2024-06-01T00:00:00Z",
        }),
        ["PostEntry"] = f => [new(Json(Adjustment())), new(Json(Contribution(f)), Manager)],
        ["PostPosting"] = f =>
        [
            new(Json(new { entries = new[] { Adjustment(), Adjustment() } })),
            new(Json(new { entries = new[] { Contribution(f), Contribution(f) } }), Manager),
        ],
        ["ReverseEntry"] = _ => One(new { reason = "Matrix reversal", month = 6, reference = "REV-1", effectiveAt = DateTimeOffset.UtcNow.ToString("O") }),
        ["CloseMonth"] = _ => One(new { overrideReason = "Matrix pool: no contributions booked" }),
        ["ReopenMonth"] = _ => One(new { reason = "Matrix reopening" }),
        ["PutControlTotal"] = _ => One(new { amount = "12.34", costCentre = "CC-1", reference = "GL-1" }),
    };

    /// <summary>The callers tried, in order; the first the function's rule allows is the one that sends.</summary>
    private static readonly (Role Role, Relation Relation)[] Callers =
    [
        (Role.FinanceLead, Relation.Host), (Role.PoolManager, Relation.Manager), (Role.Administrator, Relation.Host),
    ];

    public static TheoryData<string> JsonFunctions() => FunctionsWhere(f => f.Http?.Body is not null);

    public static TheoryData<string> CsvFunctions() => FunctionsWhere(f => f.Http?.Csv is not null);

    [Theory]
    [MemberData(nameof(JsonFunctions))]
    public async Task A_control_character_in_any_text_property_is_refused_naming_it_and_changes_nothing(string functionName)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var http = function.Http!;
        FullBodies.Should().ContainKey(functionName, $"{functionName} reads JSON: give it a full sample body in {nameof(FullBodies)}");
        var paths = TextPaths(http.Body!.Body, "").ToList();
        paths.Should().NotBeEmpty($"{functionName}'s body has text");
        var (role, relation) = CallerOf(function);
        var path = await PathAsync(functionName, http, matrix.PoolId, writes: true, role, relation, allowed: true);

        var before = await StorageAsync();
        foreach (var textPath in paths)
        {
            var sample = FullBodies[functionName](matrix).FirstOrDefault(b => Set(b.Body, textPath, Bell));
            sample.Should().NotBeNull($"one of {functionName}'s full sample bodies must give '{textPath}'");
            var (sender, from) = sample!.Caller ?? (role, relation);
            using var response = await SendAsync(
                http.Methods.Single(), sample.Route ?? path, sender, from, Content(sample.Body.ToJsonString(), "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            var because = $"{functionName} with a control character in '{textPath}': {text}";
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, because);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", because);
            JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(textPath, because);
        }
        (await StorageAsync()).Should().Equal(before, $"no refusal of {functionName} wrote anything");

        // The samples without the control character are accepted, so each refusal above was the character's.
        foreach (var sample in FullBodies[functionName](matrix))
        {
            var (sender, from) = sample.Caller ?? (role, relation);
            var json = sample.Body.ToJsonString();
            using var response = await SendAsync(http.Methods.Single(), sample.Route ?? path, sender, from, Content(json, "application/json"));
            ((int)response.StatusCode).Should().BeInRange(200, 299, $"{functionName}'s sample {json}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [MemberData(nameof(CsvFunctions))]
    public async Task A_control_character_in_any_column_of_a_csv_is_refused_naming_the_row_and_column_and_changes_nothing(string functionName)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var http = function.Http!;
        http.Csv!.Columns.Should().Equal(ActualsCsv.Columns, "the declaration names the columns the reader reads");
        var (role, relation) = CallerOf(function);
        var path = await PathAsync(functionName, http, matrix.PoolId, writes: true, role, relation, allowed: true);
        var good = new Dictionary<string, string>
        {
            ["pool"] = matrix.PoolId, ["line"] = AccessMatrixFixture.LineFor(relation), ["month"] = "4", ["amount"] = "9.99",
            ["reference"] = "CSV-1", ["memo"] = "A memo", ["effectiveAt"] = "2024-07-01T09:00:00Z", ["kind"] = "actual",
        };
        http.Csv.Columns.Should().BeSubsetOf(good.Keys, "every declared column needs a good sample value here");

        var before = await StorageAsync();
        foreach (var column in http.Csv.Columns)
        {
            var row = http.Csv.Columns.Select(c => c == column ? $"\"{Bell}\"" : c == "reference" ? "CSV-2" : good[c]);
            var csv = string.Join(",", http.Csv.Columns) + "\n" + string.Join(",", good.Values) + "\n" + string.Join(",", row) + "\n";
            using var response = await SendAsync(http.Methods.Single(), path, role, relation, Content(csv, "text/csv"));
            var text = await response.Content.ReadAsStringAsync();
            var because = $"{functionName} with a control character in column '{column}' of row 3: {text}";
            ((int)response.StatusCode).Should().BeOneOf([400, 422], because);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", because);
            var problems = JsonDocument.Parse(text).RootElement.GetProperty("problems").EnumerateArray()
                .Select(p => (p.GetProperty("row").GetInt32(), p.GetProperty("column").GetString())).ToList();
            problems.Should().Equal([(3, column)], because);
        }
        (await StorageAsync()).Should().Equal(before, $"no refusal of {functionName} wrote anything");

        var clean = string.Join(",", http.Csv.Columns) + "\n" + string.Join(",", good.Values) + "\n";
        using var accepted = await SendAsync(http.Methods.Single(), path, role, relation, Content(clean, "text/csv"));
        ((int)accepted.StatusCode).Should().BeInRange(200, 299, await accepted.Content.ReadAsStringAsync());
    }

    /// <summary>The JSON path of every text value of a body type: strings and pounds (strings or numbers), in lists too.</summary>
    private static IEnumerable<string> TextPaths(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var path = prefix.Length == 0 ? name : $"{prefix}.{name}";
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var element = propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>)
                ? propertyType.GetGenericArguments()[0]
                : null;
            if (element is not null)
            {
                propertyType = Nullable.GetUnderlyingType(element) ?? element;
                path += "[0]";
            }
            if (propertyType == typeof(string) || propertyType == typeof(JsonElement))
            {
                yield return path;
            }
            else if (propertyType.Namespace?.StartsWith("Finance.", StringComparison.Ordinal) == true && propertyType.IsClass)
            {
                foreach (var nested in TextPaths(propertyType, path))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Replaces the value at a path ("riskShare.shares[0].partner") that the body already has.</summary>
    private static bool Set(JsonNode root, string path, string value)
    {
        JsonNode? node = root;
        var steps = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        for (var i = 0; i < steps.Length; i++)
        {
            var last = i == steps.Length - 1;
            if (steps[i].StartsWith('['))
            {
                var index = int.Parse(steps[i][1..^1], System.Globalization.CultureInfo.InvariantCulture);
                if (node is not JsonArray array || index >= array.Count)
                {
                    return false;
                }
                if (last)
                {
                    array[index] = value;
                    return true;
                }
                node = array[index];
            }
            else
            {
                if (node is not JsonObject obj || !obj.ContainsKey(steps[i]))
                {
                    return false;
                }
                if (last)
                {
                    obj[steps[i]] = value;
                    return true;
                }
                node = obj[steps[i]];
            }
        }
        return false;
    }

    private static (Role Role, Relation Relation) CallerOf(DeclaredFunction function)
    {
        foreach (var caller in Callers)
        {
            if (Expect(function.Access!, caller.Role, caller.Relation, writes: true) == Outcome.Allowed)
            {
                return caller;
            }
        }
        throw new InvalidOperationException($"None of the callers tried may call {function.Name}; add one that may.");
    }

    private async Task<HttpResponseMessage> SendAsync(string method, string path, Role role, Relation relation, HttpContent content)
    {
        var headers = method == "POST" ? new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") } : null;
        return await matrix.App.SendAsync(new HttpMethod(method), path, matrix.TokenFor(role, relation), content, headers);
    }

    private static object Adjustment() => new
    {
        kind = "adjustment", adjustsKind = "actual", line = AccessMatrixFixture.HostLine, month = 3, amount = "1.00",
        reference = "ADJ-1", memo = "A memo", reason = "A reason", effectiveAt = "2024-06-30T17:00:00+01:00",
    };

    private static object Contribution(AccessMatrixFixture f) => new
    {
        kind = "contribution", stream = AccessMatrixFixture.Stream, partner = f.PartnerOrganisation, month = 3, amount = "1.00",
        reference = "CON-1", memo = "A memo", effectiveAt = "2024-04-02T09:00:00Z",
    };

    private static JsonNode Json(object value) => JsonSerializer.SerializeToNode(value)!;

    private static Sample[] One(object value) => [new(Json(value))];

    private static readonly (Role Role, Relation Relation) Manager = (Role.PoolManager, Relation.Manager);

    /// <summary>A valid body; sent by the function's first allowed caller unless it names one, to its route unless it names one.</summary>
    private sealed record Sample(JsonNode Body, (Role Role, Relation Relation)? Caller = null, string? Route = null);
}
