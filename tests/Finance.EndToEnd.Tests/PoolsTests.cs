using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Finance.EndToEnd.Tests;

public sealed class PoolsTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private async Task<HttpClient> Administrator()
    {
        await fixture.RegisterOrganisationsAsync("halton-council", "riverside-council");
        return await fixture.AdministratorAsync();
    }

    private static string NewPoolId() => "pool-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_pool_put_is_created_then_read_back_then_replaced()
    {
        var client = await Administrator();
        var poolId = NewPoolId();
        using var created = await client.PutAsJsonAsync($"api/pools/{poolId}",
            new { name = "One Halton", hostOrganisation = "halton-council", financialYear = "2024/25" });
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        created.Headers.Location!.ToString().Should().Be($"/api/pools/{poolId}");
        created.Headers.ETag.Should().NotBeNull();

        var read = await client.GetFromJsonAsync<JsonElement>($"api/pools/{poolId}");
        read.GetProperty("poolId").GetString().Should().Be(poolId);
        read.GetProperty("name").GetString().Should().Be("One Halton");
        read.GetProperty("hostOrganisation").GetString().Should().Be("halton-council");
        read.GetProperty("financialYear").GetString().Should().Be("2024/25");
        read.GetProperty("partnerOrganisations").GetArrayLength().Should().Be(0);
        read.GetProperty("poolManagers").GetArrayLength().Should().Be(0, "an administrator created it and named no managers");

        using var replaced = await client.PutAsJsonAsync($"api/pools/{poolId}",
            new { name = "One Halton place budget", hostOrganisation = "halton-council", financialYear = "2024/25" });
        replaced.StatusCode.Should().Be(HttpStatusCode.OK);
        var again = await client.GetFromJsonAsync<JsonElement>($"api/pools/{poolId}");
        again.GetProperty("name").GetString().Should().Be("One Halton place budget");
        again.GetProperty("createdAt").GetString().Should().Be(read.GetProperty("createdAt").GetString());
    }

    [Fact]
    public async Task A_put_with_a_stale_etag_is_412_and_changes_nothing()
    {
        var client = await Administrator();
        var poolId = NewPoolId();
        using var created = await client.PutAsJsonAsync($"api/pools/{poolId}",
            new { name = "BCF", hostOrganisation = "riverside-council", financialYear = "2024/25" });
        var firstETag = created.Headers.ETag!.ToString();
        using var second = await client.PutAsJsonAsync($"api/pools/{poolId}",
            new { name = "BCF renamed", hostOrganisation = "riverside-council", financialYear = "2024/25" });
        second.StatusCode.Should().Be(HttpStatusCode.OK);

        using var stale = new HttpRequestMessage(HttpMethod.Put, $"api/pools/{poolId}")
        {
            Content = JsonContent.Create(new { name = "Lost update", hostOrganisation = "riverside-council", financialYear = "2024/25" }),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", firstETag);
        using var response = await client.SendAsync(stale);
        response.StatusCode.Should().Be(HttpStatusCode.PreconditionFailed);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await client.GetFromJsonAsync<JsonElement>($"api/pools/{poolId}")).GetProperty("name").GetString().Should().Be("BCF renamed");
    }

    [Theory]
    [InlineData("AB", "poolId")]
    [InlineData("has_underscore", "poolId")]
    [InlineData("x'or'1", "poolId")]
    public async Task A_bad_pool_id_is_400_naming_it(string poolId, string field)
    {
        var client = await Administrator();
        using var response = await client.PutAsJsonAsync($"api/pools/{Uri.EscapeDataString(poolId)}",
            new { name = "n", hostOrganisation = "host-org", financialYear = "2024/25" });
        await ShouldBeValidationProblem(response, field);
    }

    [Theory]
    [InlineData("{", "")]
    [InlineData("{\"name\": 12, \"hostOrganisation\": \"host-org\", \"financialYear\": \"2024/25\"}", "name")]
    [InlineData("{\"hostOrganisation\": \"host-org\", \"financialYear\": \"2024/25\"}", "name")]
    [InlineData("{\"name\": \"n\", \"financialYear\": \"2024/25\"}", "hostOrganisation")]
    [InlineData("{\"name\": \"n\", \"hostOrganisation\": \"host-org\", \"financialYear\": \"2024/26\"}", "financialYear")]
    [InlineData("{\"name\": \"n\", \"hostOrganisation\": \"host-org\", \"financialYear\": \"April\"}", "financialYear")]
    [InlineData("{\"name\": \"n\", \"hostOrganisation\": \"host-org\", \"financialYear\": \"2024/25\", \"extra\": 1}", "extra")]
    public async Task Bad_bodies_are_400_naming_the_field_and_write_nothing(string body, string field)
    {
        var client = await Administrator();
        var poolId = NewPoolId();
        using var response = await client.PutAsync($"api/pools/{poolId}", new StringContent(body, Encoding.UTF8, "application/json"));
        await ShouldBeValidationProblem(response, field);
        using var read = await client.GetAsync($"api/pools/{poolId}");
        read.StatusCode.Should().Be(HttpStatusCode.NotFound);
        read.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Theory]
    [InlineData("Halton Borough Council")]
    [InlineData("halton'council")]
    [InlineData("Halton-Council")]
    public async Task A_host_organisation_is_an_organisation_id(string host)
    {
        var client = await Administrator();
        using var response = await client.PutAsJsonAsync($"api/pools/{NewPoolId()}", new { name = "One Halton", hostOrganisation = host, financialYear = "2024/25" });
        await ShouldBeValidationProblem(response, "hostOrganisation");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_writes_nothing()
    {
        var client = await Administrator();
        var poolId = NewPoolId();
        var huge = new string('x', 1024 * 1024 + 1);
        using var response = await client.PutAsJsonAsync($"api/pools/{poolId}", new { name = huge, hostOrganisation = "host-org", financialYear = "2024/25" });
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await client.GetAsync($"api/pools/{poolId}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    private static async Task ShouldBeValidationProblem(HttpResponseMessage response, string field)
    {
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue($"the problem should name '{field}': {problem}");
    }
}
