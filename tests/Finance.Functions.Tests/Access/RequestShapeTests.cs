using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// Every HTTP function, from its declaration (as the access matrix is): a query parameter it does not read, an empty one
/// or one given twice, and (for functions reading JSON) a body not sent as JSON or naming a property twice are refused
/// with problem+json naming the parameter or property, and change nothing in storage. A new function inherits these
/// cases by being declared.
/// </summary>
public sealed class RequestShapeTests(AccessMatrixFixture fixture) : AccessMatrixCases(fixture), IClassFixture<AccessMatrixFixture>
{
    private readonly AccessMatrixFixture matrix = fixture;

    public static TheoryData<string> Functions() =>
        FunctionsWhere(f => f.Http is not null && f.Access?.Kind != AccessKind.Anonymous);

    private sealed record Case(string What, string Query, Func<HttpContent?> Body, HttpStatusCode Status, string? Field);

    [Theory]
    [MemberData(nameof(Functions))]
    public async Task A_request_not_of_its_functions_declared_shape_is_refused_naming_what_is_wrong_and_changes_nothing(string functionName)
    {
        var function = FunctionCatalog.App.Find(functionName)!;
        var http = function.Http!;
        var method = http.Methods.Single();
        var writes = method != "GET";
        const Role role = Role.Administrator;
        var path = await PathAsync(functionName, http, matrix.PoolId, writes, role, Relation.Host, allowed: false);
        Func<HttpContent?> sample = () => writes ? Bodies[functionName](matrix, role, Relation.Host) : null;

        var cases = new List<Case> { new("an unknown query parameter", "?zzz=1", sample, HttpStatusCode.BadRequest, "zzz") };
        foreach (var name in http.Query)
        {
            cases.Add(new($"{name} empty", $"?{name}=", sample, HttpStatusCode.BadRequest, name));
            cases.Add(new($"{name} blank", $"?{name}=%20", sample, HttpStatusCode.BadRequest, name));
            cases.Add(new($"{name} twice", $"?{name}=1&{name}=2", sample, HttpStatusCode.BadRequest, name));
            cases.Add(new($"{name} twice in two cases", $"?{name}=1&{name.ToUpperInvariant()}=2", sample, HttpStatusCode.BadRequest, name));
        }
        if (http.Body is not null)
        {
            var json = await sample()!.ReadAsStringAsync();
            var first = JsonNode.Parse(json)!.AsObject().First().Key;
            var value = JsonNode.Parse(json)!.AsObject().First().Value?.ToJsonString() ?? "null";
            var variant = char.ToUpperInvariant(first[0]) + first[1..];
            cases.Add(new("JSON sent as text/plain", "", () => Content(json, "text/plain"), HttpStatusCode.UnsupportedMediaType, null));
            cases.Add(new("JSON sent as a form", "", () => Content(json, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, null));
            cases.Add(new("JSON with another charset", "", () => Content(json, "application/json; charset=utf-16"), HttpStatusCode.UnsupportedMediaType, null));
            cases.Add(new("JSON with no Content-Type", "", () => Content(json, null), HttpStatusCode.UnsupportedMediaType, null));
            cases.Add(new($"'{first}' twice", "", () => Content(json.TrimEnd('}') + $",\"{first}\":{value}}}", "application/json"), HttpStatusCode.BadRequest, first));
            cases.Add(new($"'{first}' and '{variant}'", "", () => Content(json.TrimEnd('}') + $",\"{variant}\":{value}}}", "application/json"),
                HttpStatusCode.BadRequest, first));
            cases.Add(new("not JSON", "", () => Content("{\"" + first + "\":", "application/json"), HttpStatusCode.BadRequest, ""));
        }

        var before = await StorageAsync();
        foreach (var c in cases)
        {
            var headers = method == "POST" ? new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") } : null;
            using var response = await matrix.App.SendAsync(new HttpMethod(method), path + c.Query, matrix.TokenFor(role, Relation.Host), c.Body(), headers);
            var text = await response.Content.ReadAsStringAsync();
            var because = $"{functionName} ({method} {path}{c.Query}), {c.What}: {text}";
            response.StatusCode.Should().Be(c.Status, because);
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", because);
            var problem = JsonDocument.Parse(text).RootElement;
            if (c.Field is { } field)
            {
                problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(field, because);
            }
            problem.GetProperty("detail").GetString().Should().NotContainAny(["Finance.", "System.", "Exception"], because);
        }
        (await StorageAsync()).Should().Equal(before, $"no refusal of {functionName} wrote anything");
    }

    [Fact]
    public async Task A_property_twice_inside_a_list_is_named_by_its_path()
    {
        var path = $"api/pools/{matrix.PoolId}/postings";
        var body = "{\"entries\":[{\"kind\":\"actual\",\"line\":\"host-line\",\"month\":3,\"amount\":\"1.00\"},"
            + "{\"kind\":\"actual\",\"line\":\"host-line\",\"month\":3,\"amount\":\"1.00\",\"Amount\":\"1000.00\"}]}";
        var before = await StorageAsync();

        using var response = await matrix.App.SendAsync(HttpMethod.Post, path, matrix.TokenFor(Role.FinanceLead, Relation.Host), Content(body, "application/json"),
            new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString("N") });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("errors").GetProperty("entries[1].amount")[0].GetString().Should().Contain("as 'amount' and as 'Amount'");
        (await StorageAsync()).Should().Equal(before);
    }

    [Fact]
    public async Task A_json_body_with_a_utf8_byte_order_mark_is_read_as_json()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("{\"name\":\"Written org\",\"kind\":\"provider\"}")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await matrix.App.SendAsync(HttpMethod.Put, $"api/organisations/{matrix.WriteOrganisation}",
            matrix.TokenFor(Role.Administrator, Relation.Host), content);

        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
    }
}
