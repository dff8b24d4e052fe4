using System.Net;
using System.Text.Json;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>The app's OpenAPI document, generated from the endpoints that serve requests.</summary>
public sealed class OpenApiTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    [Fact]
    public async Task The_document_describes_the_statement_endpoints_with_their_response_types()
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/openapi.json", TestApp.Token("reader", [], Role.PartnerViewer));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var document = JsonDocument.Parse(body).RootElement;
        var paths = document.GetProperty("paths");

        var statement = paths.GetProperty("/api/pools/{poolId}/statements/{year}/{month}").GetProperty("get");
        var ok = statement.GetProperty("responses").GetProperty("200").GetProperty("content");
        ok.EnumerateObject().Select(c => c.Name).Should().Contain(["application/json", "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]);
        ok.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString().Should().EndWith("StatementResource");
        statement.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["400", "404", "406"]);

        paths.GetProperty("/api/pools/{poolId}/positions/{year}/{month}").GetProperty("get").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString().Should().EndWith("PositionResource");
        paths.TryGetProperty("/api/organisations/{organisationId}/pools", out _).Should().BeTrue();
        paths.TryGetProperty("/api/pools/{poolId}/postings", out _).Should().BeTrue();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("StatementResource").GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().Contain(["summary", "rows", "totals", "headings", "asAt"]);
        schemas.GetProperty("Amount").GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("pence", "pounds");
        paths.EnumerateObject().Select(p => p.Name).Should().NotContain(n => !n.StartsWith("/api/", StringComparison.Ordinal), "timers are not part of the public API");
    }

    [Fact]
    public async Task The_document_describes_the_import_resumption_and_the_row_ranges_of_a_failed_import()
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/openapi.json", TestApp.Token("reader", [], Role.PartnerViewer));
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var resumption = document.GetProperty("paths").GetProperty("/api/pools/{poolId}/imports/{importId}/resumption").GetProperty("post");
        resumption.GetProperty("operationId").GetString().Should().Be("ResumeImport");
        resumption.GetProperty("summary").GetString().Should().Contain("did not apply");
        resumption.GetProperty("responses").GetProperty("202").GetProperty("content").GetProperty("application/json").GetProperty("schema")
            .GetProperty("$ref").GetString().Should().EndWith("ImportResource");
        resumption.GetProperty("responses").EnumerateObject().Select(r => r.Name).Should().Contain(["400", "403", "404", "409"]);
        document.GetProperty("paths").GetProperty("/api/pools/{poolId}/imports").GetProperty("post").GetProperty("responses")
            .EnumerateObject().Select(r => r.Name).Should().Contain("409");

        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("ImportResource").GetProperty("properties").EnumerateObject().Select(p => p.Name)
            .Should().Contain(["appliedRows", "unappliedRows", "resumptions", "failure"]);
        schemas.GetProperty("RowRange").GetProperty("properties").EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("from", "to");
    }

    [Fact]
    public async Task Every_summary_and_description_speaks_the_apis_words()
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/openapi.json", TestApp.Token("reader", [], Role.PartnerViewer));
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var texts = Texts(document, "$").ToList();
        texts.Should().Contain(t => t.Where.EndsWith(".summary", StringComparison.Ordinal));
        texts.SelectMany(t => ProblemWording.WordFaults(t.Where, t.Text)).Should().BeEmpty();

        static IEnumerable<(string Where, string Text)> Texts(JsonElement element, string path) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
                p.Name is "summary" or "description" && p.Value.ValueKind == JsonValueKind.String
                    ? [($"{path}.{p.Name}", p.Value.GetString()!)]
                    : Texts(p.Value, $"{path}.{p.Name}")),
            JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Texts(e, $"{path}[{i}]")),
            _ => [],
        };
    }

    [Fact]
    public async Task Every_function_is_described_with_its_request_and_response_schemas_so_a_client_can_be_generated()
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/openapi.json", TestApp.Token("reader", [], Role.PartnerViewer));
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var problems = new List<string>();

        foreach (var function in Finance.Functions.Catalog.FunctionCatalog.App.Functions.Where(f => f.Http is not null))
        {
            var http = function.Http!;
            var path = "/" + Finance.Functions.Catalog.FunctionCatalog.RoutePrefix + "/" + http.Route;
            if (!document.GetProperty("paths").TryGetProperty(path, out var item)
                || !item.TryGetProperty(http.Methods.Single().ToLowerInvariant(), out var operation))
            {
                problems.Add($"{function.Name}: no operation at {http.Methods.Single()} {path}");
                continue;
            }
            if (operation.GetProperty("operationId").GetString() != function.Name)
            {
                problems.Add($"{function.Name}: operationId {operation.GetProperty("operationId")}");
            }
            var answers = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            if (answers.Count == 0)
            {
                problems.Add($"{function.Name}: no 2xx response");
            }
            foreach (var answer in answers.Where(a => a.Name != "204"))
            {
                if (!answer.Value.TryGetProperty("content", out var content) || !content.EnumerateObject().Any())
                {
                    problems.Add($"{function.Name}: {answer.Name} has no content");
                    continue;
                }
                foreach (var media in content.EnumerateObject())
                {
                    if (!media.Value.TryGetProperty("schema", out var schema))
                    {
                        problems.Add($"{function.Name}: {answer.Name} {media.Name} has no schema");
                    }
                    else if (schema.TryGetProperty("$ref", out var reference) && !schemas.TryGetProperty(reference.GetString()!.Split('/')[^1], out _))
                    {
                        problems.Add($"{function.Name}: {answer.Name} {media.Name} refers to a missing schema {reference}");
                    }
                }
            }
            if ((http.Body is not null || http.Csv is not null) && !operation.TryGetProperty("requestBody", out _))
            {
                problems.Add($"{function.Name}: reads a body but describes none");
            }
        }
        problems.Should().BeEmpty();
    }
}
