using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Principals;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

public sealed class MembershipAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>The directory an Administrator keeps, and how it joins a token's own roles and organisations.</summary>
public sealed class MembershipTests(MembershipAppFixture fixture) : IClassFixture<MembershipAppFixture>
{
    private static readonly string Admin = TestApp.Token("directory-admin", null, Role.Administrator);
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    private TestApp App => fixture.App;

    private async Task<HttpResponseMessage> PutMembership(string principal, string[] organisations, string[] roles) =>
        await App.SendAsync(HttpMethod.Put, $"api/directory/principals/{principal}", Admin, JsonContent.Create(new { organisations, roles }));

    [Fact]
    public async Task A_principal_gains_and_loses_access_as_the_directory_says()
    {
        var pool = $"dir-pool-{suffix}";
        var partner = $"partner-{suffix}";
        var viewer = $"viewer-{suffix}";
        await App.RegisterOrganisationsAsync($"host-{suffix}", partner);
        (await App.SendAsync(HttpMethod.Put, $"api/pools/{pool}", Admin, JsonContent.Create(new
        {
            name = "Directory pool", hostOrganisation = $"host-{suffix}", financialYear = "2024/25", partnerOrganisations = new[] { partner },
        }))).StatusCode.Should().Be(HttpStatusCode.Created);
        var bareToken = TestApp.Token(viewer);

        (await App.SendAsync(HttpMethod.Get, $"api/pools/{pool}", bareToken)).StatusCode.Should().Be(HttpStatusCode.Forbidden, "no role yet");

        (await PutMembership(viewer, [partner], ["PartnerViewer"])).StatusCode.Should().Be(HttpStatusCode.OK);
        (await App.SendAsync(HttpMethod.Get, $"api/pools/{pool}", bareToken)).StatusCode.Should().Be(HttpStatusCode.OK);
        var me = await (await App.SendAsync(HttpMethod.Get, "api/me", bareToken)).Content.ReadFromJsonAsync<JsonElement>();
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("PartnerViewer");
        me.GetProperty("organisations").EnumerateArray().Select(r => r.GetString()).Should().Equal(partner);

        (await App.SendAsync(HttpMethod.Delete, $"api/directory/principals/{viewer}", Admin)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await App.SendAsync(HttpMethod.Get, $"api/pools/{pool}", bareToken)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await App.SendAsync(HttpMethod.Delete, $"api/directory/principals/{viewer}", Admin)).StatusCode.Should().Be(HttpStatusCode.NoContent, "deleting is idempotent");
    }

    [Fact]
    public async Task Token_and_directory_memberships_are_joined()
    {
        var user = $"joined-{suffix}";
        (await PutMembership(user, [$"council-{suffix}", $"council-{suffix}"], ["PoolManager"])).StatusCode.Should().Be(HttpStatusCode.OK);
        var token = TestApp.Token(user, [$"icb-{suffix}"], Role.FinanceLead);

        var me = await (await App.SendAsync(HttpMethod.Get, "api/me", token)).Content.ReadFromJsonAsync<JsonElement>();
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().BeEquivalentTo("FinanceLead", "PoolManager");
        me.GetProperty("organisations").EnumerateArray().Select(r => r.GetString()).Should().BeEquivalentTo($"council-{suffix}", $"icb-{suffix}");

        var stored = await (await App.SendAsync(HttpMethod.Get, $"api/directory/principals/{user}", Admin)).Content.ReadFromJsonAsync<JsonElement>();
        stored.GetProperty("organisations").EnumerateArray().Select(o => o.GetString()).Should().Equal($"council-{suffix}");
        stored.GetProperty("updatedBy").GetString().Should().Be("directory-admin");

        var list = await (await App.SendAsync(HttpMethod.Get, "api/directory/principals", Admin)).Content.ReadFromJsonAsync<JsonElement>();
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("principalId").GetString()).Should().Contain(user);
    }

    [Theory]
    [InlineData("""{"organisations":["Riverside Council"],"roles":[]}""", "organisations[0]")]
    [InlineData("""{"organisations":[],"roles":["Superuser"]}""", "roles[0]")]
    [InlineData("""{"organisations":[],"roles":["administrator"]}""", "roles[0]")]
    [InlineData("""{"organisations":[null],"roles":[]}""", "organisations[0]")]
    [InlineData("""{"organisations":[]}""", "roles")]
    [InlineData("""{"roles":[]}""", "organisations")]
    [InlineData("""{"organisations":[],"roles":[],"pools":[]}""", "pools")]
    public async Task Bad_memberships_are_400_naming_the_field(string json, string field)
    {
        using var response = await App.SendAsync(HttpMethod.Put, $"api/directory/principals/bad-{suffix}", Admin,
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _).Should().BeTrue();
        (await App.SendAsync(HttpMethod.Get, $"api/directory/principals/bad-{suffix}", Admin)).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_pool_manager_who_creates_a_pool_manages_it_and_stays_its_manager()
    {
        var manager = $"creator-{suffix}";
        var token = TestApp.Token(manager, [$"council-{suffix}"], Role.PoolManager);
        var pool = $"created-{suffix}";
        await App.RegisterOrganisationsAsync($"elsewhere-{suffix}");
        (await App.SendAsync(HttpMethod.Put, "api/directory/principals/someone-else", Admin,
            JsonContent.Create(new { organisations = Array.Empty<string>(), roles = Array.Empty<string>() }))).IsSuccessStatusCode.Should().BeTrue();
        using var created = await App.SendAsync(HttpMethod.Put, $"api/pools/{pool}", token, JsonContent.Create(new
        {
            name = "Created", hostOrganisation = $"elsewhere-{suffix}", financialYear = "2024/25", poolManagers = new[] { "someone-else" },
        }));
        created.StatusCode.Should().Be(HttpStatusCode.Created);
        (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("poolManagers").EnumerateArray().Select(m => m.GetString())
            .Should().BeEquivalentTo("someone-else", manager);

        using var renamed = await App.SendAsync(HttpMethod.Put, $"api/pools/{pool}", token, JsonContent.Create(new
        {
            name = "Renamed", hostOrganisation = $"elsewhere-{suffix}", financialYear = "2024/25", poolManagers = Array.Empty<string>(),
        }));
        renamed.StatusCode.Should().Be(HttpStatusCode.OK);
        (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("poolManagers").EnumerateArray().Select(m => m.GetString())
            .Should().Equal(manager);

        var other = TestApp.Token($"other-manager-{suffix}", [$"council-{suffix}"], Role.PoolManager);
        (await App.SendAsync(HttpMethod.Put, $"api/pools/{pool}", other, JsonContent.Create(new
        {
            name = "Taken over", hostOrganisation = $"elsewhere-{suffix}", financialYear = "2024/25",
        }))).StatusCode.Should().Be(HttpStatusCode.NotFound, "another manager cannot see a pool of an organisation not theirs");
    }
}
