using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Finance.Testing;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>Identity and access over real HTTP to the packaged app, with tokens from the development tools' mint-token.</summary>
public sealed class AccessTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Without_a_token_every_function_but_health_is_401_problem_json()
    {
        foreach (var path in new[] { "api/me", "api/pools/riverside-place", "api/timers/Heartbeat", "api/directory/principals" })
        {
            using var response = await fixture.Client.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
        }
        (await fixture.Client.GetAsync("api/health")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_partner_viewer_reads_the_pools_their_organisation_is_party_to_and_no_other()
    {
        var administrator = await fixture.AdministratorAsync();
        var theirs = $"party-{suffix}";
        var others = $"not-party-{suffix}";
        await fixture.RegisterOrganisationsAsync("riverside-council", $"icb-{suffix}");
        (await administrator.PutAsJsonAsync($"api/pools/{theirs}", new
        {
            name = "Theirs", hostOrganisation = "riverside-council", financialYear = "2024/25", partnerOrganisations = new[] { $"icb-{suffix}" },
        })).StatusCode.Should().Be(HttpStatusCode.Created);
        (await administrator.PutAsJsonAsync($"api/pools/{others}", new
        {
            name = "Others", hostOrganisation = "riverside-council", financialYear = "2024/25",
        })).StatusCode.Should().Be(HttpStatusCode.Created);
        var viewer = await fixture.ClientForAsync($"viewer-{suffix}", [$"icb-{suffix}"], "PartnerViewer");

        (await viewer.GetAsync($"api/pools/{theirs}")).StatusCode.Should().Be(HttpStatusCode.OK);
        using var hidden = await viewer.GetAsync($"api/pools/{others}");
        using var missing = await viewer.GetAsync($"api/pools/missing-{suffix}");
        hidden.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        var hiddenProblem = await hidden.Content.ReadFromJsonAsync<JsonElement>();
        var missingProblem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        hiddenProblem.GetProperty("title").GetString().Should().Be(missingProblem.GetProperty("title").GetString());
        hiddenProblem.GetProperty("detail").GetString().Should().Be($"There is no pool '{others}'.", "a hidden pool reads exactly like a missing one");
        (await viewer.PutAsJsonAsync($"api/pools/{theirs}", new { name = "x", hostOrganisation = "riverside-council", financialYear = "2024/25" }))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_directory_gives_a_bare_token_its_organisations_and_roles()
    {
        var administrator = await fixture.AdministratorAsync();
        var user = $"lead-{suffix}";
        (await administrator.PutAsJsonAsync($"api/directory/principals/{user}", new { organisations = new[] { "riverside-council" }, roles = new[] { "FinanceLead" } }))
            .StatusCode.Should().Be(HttpStatusCode.OK);
        var lead = await fixture.ClientForAsync(user, []);
        var me = await lead.GetFromJsonAsync<JsonElement>("api/me");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("FinanceLead");
        me.GetProperty("organisations").EnumerateArray().Select(r => r.GetString()).Should().Equal("riverside-council");
    }

    [Fact]
    public async Task An_auditor_reads_but_cannot_write()
    {
        var auditor = await fixture.ClientForAsync("e2e-auditor", [], "Auditor");
        (await auditor.GetAsync("api/directory/principals")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await auditor.PutAsJsonAsync($"api/pools/audited-{suffix}", new { name = "x", hostOrganisation = "riverside-council", financialYear = "2024/25" }))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await auditor.DeleteAsync("api/directory/principals/e2e-admin")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    /// <summary>
    /// Requests the host's Kestrel cannot parse are refused before any code of the host or the app sees them, so they
    /// answer with their status and no body, as the README says; these keep the README's list true.
    /// </summary>
    [Fact]
    public async Task Requests_kestrel_cannot_parse_are_refused_with_an_empty_body()
    {
        var administrator = await fixture.AdministratorAsync();
        using var nul = await administrator.GetAsync("api/pools/pool%00");
        ((int)nul.StatusCode).Should().Be(400);
        (await nul.Content.ReadAsByteArrayAsync()).Should().BeEmpty();

        using var longUrl = await administrator.GetAsync("api/pools/" + new string('a', 10_000));
        longUrl.StatusCode.Should().Be(HttpStatusCode.RequestUriTooLong);
        (await longUrl.Content.ReadAsByteArrayAsync()).Should().BeEmpty();

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/me");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 40_000));
        using var bigHeaders = await administrator.SendAsync(request);
        bigHeaders.StatusCode.Should().Be(HttpStatusCode.RequestHeaderFieldsTooLarge);
        (await bigHeaders.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_streamed_body_over_the_limit_is_413()
    {
        var administrator = await fixture.AdministratorAsync();
        var json = "{\"name\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, $"api/pools/streamed-{suffix}") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await administrator.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task Mint_token_is_refused_outside_development()
    {
        var (exit, output, error) = await DevTokens.RunAsync("Production", ["mint-token", "--user", "alice", "--role", "Administrator"], new Dictionary<string, string>());
        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Contain("AZURE_FUNCTIONS_ENVIRONMENT=Development");
    }

    [Fact]
    public async Task The_packaged_worker_will_not_start_outside_development_with_the_development_issuer()
    {
        using var console = new StringWriter();
        var settings = DevTokens.AppSettings.ToDictionary(p => p.Key, p => (string?)p.Value);
        settings["LedgerStorage__ConnectionString"] = fixture.Azurite.ConnectionString;
        var act = async () => await LocalApp.StartAsync(settings, "Production", DeployablePackage.Directory, console: console);
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*exited with code 1*");
        console.ToString().Should().Contain("accepted only when AZURE_FUNCTIONS_ENVIRONMENT=Development");
    }
}
