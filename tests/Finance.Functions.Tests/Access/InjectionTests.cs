using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Principals;
using FluentAssertions;
using Finance.Functions.Configuration;
using Finance.Testing;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>Quotes and OData operators in ids, and path traversal in names that become keys or blob names, are refused
/// (400 naming the field) before storage sees them.</summary>
public sealed class InjectionTests
{
    private static readonly string Admin = TestApp.Token("injection-admin", null, Role.Administrator);

    public static TheoryData<string, string, string> RouteInjections => new()
    {
        // Already percent-encoded as they would arrive on the wire.
        { "GET", "api/pools/x%27%20or%20%271%27%20eq%20%271", "poolId" },
        { "GET", "api/pools/pool%27)%20or%20(PartitionKey%20ne%20%27", "poolId" },
        { "GET", "api/pools/..%2F..%2Fstatements%2Friverside", "poolId" },
        { "GET", "api/pools/..%5C..%5Cstatements", "poolId" },
        { "GET", "api/pools/pool%0A", "poolId" },
        { "GET", "api/pools/pool%3F%24filter%3Dtrue", "poolId" },
        { "GET", "api/pools/pool%23fragment", "poolId" },
        { "GET", "api/pools/Riverside-PLACE", "poolId" },
        { "PUT", "api/pools/x%27%20or%20%271%27%20eq%20%271", "poolId" },
        { "PUT", "api/pools/..%2Fimports", "poolId" },
        { "GET", "api/directory/principals/a%27%20or%20%27a%27%20eq%20%27a", "principalId" },
        { "GET", "api/directory/principals/.hidden", "principalId" },
        { "GET", "api/directory/principals/..%2F..%2Fx", "principalId" },
        { "GET", "api/directory/principals/a%20b", "principalId" },
        { "PUT", "api/directory/principals/x%27)%20or%20true%20or%20(%27", "principalId" },
        { "DELETE", "api/directory/principals/%2A", "principalId" },
        { "GET", "api/timers/Heartbeat%27%20or%20%271%27%3D%271", "name" },
        { "GET", "api/timers/..%2FHeartbeat", "name" },
    };

    /// <summary>The app on recorded storage; nothing reaches storage but what requests do (timers are not fired).</summary>
    private static async Task<TestApp> StartAsync(StorageProxy storage)
    {
        var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.LedgerConnectionString.Key] = storage.ConnectionString });
        storage.Requests.Should().BeEmpty("starting the app sends nothing to storage");
        return app;
    }

    [Theory]
    [MemberData(nameof(RouteInjections))]
    public async Task Ids_in_routes_are_refused_before_any_storage_request(string method, string path, string field)
    {
        await using var storage = await StorageProxy.FailingAsync();
        await using var app = await StartAsync(storage);
        var body = method == "PUT" ? JsonContent.Create(new { name = "n", hostOrganisation = "riverside-council", financialYear = "2024/25", organisations = Array.Empty<string>(), roles = Array.Empty<string>() }) : null;

        using var response = await app.SendAsync(new HttpMethod(method), path, Admin, body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"{await response.Content.ReadAsStringAsync()}\nhost and worker log:\n{app.App.Log()}");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        storage.Requests.Should().BeEmpty("nothing may reach storage");
    }

    public static TheoryData<string, string, string, string> BodyInjections => new()
    {
        { "pools", """{"name":"n","hostOrganisation":"riverside' or '1' eq '1","financialYear":"2024/25"}""", "hostOrganisation", "' eq '" },
        { "pools", """{"name":"n","hostOrganisation":"riverside-council","financialYear":"2024/25","partnerOrganisations":["x') or (PartitionKey ne '"]}""", "partnerOrganisations[0]", "PartitionKey ne" },
        { "pools", """{"name":"n","hostOrganisation":"riverside-council","financialYear":"2024/25","poolManagers":["../../statements/x"]}""", "poolManagers[0]", "../" },
        { "principals", """{"organisations":["' or 1 eq 1 or '"],"roles":[]}""", "organisations[0]", "1 eq 1" },
        { "principals", """{"organisations":[],"roles":["Administrator' or '"]}""", "roles[0]", "Administrator' or" },
    };

    [Theory]
    [MemberData(nameof(BodyInjections))]
    public async Task Ids_in_bodies_are_refused_and_never_reach_storage(string what, string json, string field, string marker)
    {
        await using var storage = await StorageProxy.ForAzuriteAsync();
        await using var app = await StartAsync(storage);
        var id = "inj-" + Guid.NewGuid().ToString("N")[..12];
        var path = what == "pools" ? $"api/pools/{id}" : $"api/directory/principals/{id}";

        using var response = await app.SendAsync(HttpMethod.Put, path, Admin, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        storage.Requests.Where(r => r.Uri.Contains(marker, StringComparison.Ordinal) || r.Body.Contains(marker, StringComparison.Ordinal))
            .Should().BeEmpty("the value must not reach storage");
        storage.Requests.Where(r => r.Method != "GET" && r.Uri.Contains(id, StringComparison.Ordinal)).Should().BeEmpty("nothing is written");
        (await app.SendAsync(HttpMethod.Get, path, Admin)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
