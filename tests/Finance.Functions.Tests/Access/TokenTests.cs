using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using FluentAssertions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Finance.Functions.Tests.Access;

public sealed class TokenAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Which tokens get in: only well-formed, signed, current tokens for this audience from the configured issuer.</summary>
public sealed class TokenTests(TokenAppFixture fixture) : IClassFixture<TokenAppFixture>
{
    private static readonly DateTime Now = DateTime.UtcNow;

    private static string Sign(
        SecurityKey? key = null, string algorithm = SecurityAlgorithms.HmacSha256, string issuer = DevelopmentTokens.Issuer,
        string audience = TestApp.Audience, DateTime? notBefore = null, DateTime? expires = null, Dictionary<string, object>? claims = null)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = (notBefore ?? Now.AddMinutes(-1)).AddSeconds(-1),
            NotBefore = notBefore ?? Now.AddMinutes(-1),
            Expires = expires ?? Now.AddHours(1),
            SigningCredentials = new SigningCredentials(key ?? DevelopmentTokens.SigningKey, algorithm),
            Claims = claims ?? new Dictionary<string, object> { ["oid"] = "tess", ["roles"] = new[] { "Auditor" } },
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    public static TheoryData<string, string> Rejected()
    {
        var valid = Sign();
        var parts = valid.Split('.');
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(parts[1]))!.AsObject();
        payload["roles"] = new JsonArray("Administrator");
        var otherKey = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = DevelopmentTokens.KeyId };
        using var rsa = RSA.Create(2048);
        return new TheoryData<string, string>
        {
            { "expired", Sign(notBefore: Now.AddHours(-3), expires: Now.AddHours(-1)) },
            { "not yet valid", Sign(notBefore: Now.AddHours(1), expires: Now.AddHours(2)) },
            { "wrong audience", Sign(audience: "api://someone-else") },
            { "our audience with a trailing slash", Sign(audience: TestApp.Audience + "/") },
            { "wrong issuer", Sign(issuer: "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0") },
            { "wrong signature", Sign(key: otherKey) },
            { "alg none", $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}." },
            { "alg none with the old signature", $"{Base64Url("""{"alg":"none","typ":"JWT"}""")}.{parts[1]}.{parts[2]}" },
            { "tampered payload", $"{parts[0]}.{Base64Url(payload.ToJsonString())}.{parts[2]}" },
            { "tampered signature", $"{parts[0]}.{parts[1]}.{parts[2][..^4]}AAAA" },
            { "another algorithm (RS256) with a key of its own", Sign(key: new RsaSecurityKey(rsa.ExportParameters(true)) { KeyId = "x" }, algorithm: SecurityAlgorithms.RsaSha256) },
            { "no expiry", new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
                new JsonObject { ["iss"] = DevelopmentTokens.Issuer, ["aud"] = TestApp.Audience, ["oid"] = "tess", ["roles"] = new JsonArray("Auditor") }.ToJsonString(),
                new SigningCredentials(DevelopmentTokens.SigningKey, SecurityAlgorithms.HmacSha256)) },
            { "not a token", "abc.def" },
            { "empty", "" },
        };
    }

    [Fact]
    public async Task A_valid_development_token_gets_in()
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/me", Sign());
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        me.GetProperty("principalId").GetString().Should().Be("tess");
        me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("Auditor");
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task A_bad_token_is_401_problem_json_saying_nothing_about_why(string why, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/me");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var response = await fixture.App.Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, why);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        response.Headers.WwwAuthenticate.Should().ContainSingle().Which.Scheme.Should().Be("Bearer");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContainAny("IDX", "expired", "audience", "issuer", "signature", "Exception");
    }

    [Fact]
    public async Task No_token_is_401_with_a_bearer_challenge()
    {
        using var response = await fixture.App.Client.GetAsync("api/pools/riverside-place");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
    }

    [Fact]
    public async Task A_token_naming_no_usable_principal_is_401()
    {
        foreach (var claims in new[]
                 {
                     new Dictionary<string, object> { ["roles"] = new[] { "Administrator" } },
                     new Dictionary<string, object> { ["oid"] = "x' or '1' eq '1", ["roles"] = new[] { "Administrator" } },
                 })
        {
            using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/me", Sign(claims: claims));
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Health_needs_no_token_and_ignores_a_bad_one()
    {
        (await fixture.App.Client.GetAsync("api/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await fixture.App.SendAsync(HttpMethod.Get, "api/health", "not-a-token")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Timer_invocations_from_the_host_need_no_token()
    {
        var outcome = await fixture.App.App.Host.InvokeTimerAsync("Heartbeat");
        outcome.Status.Should().Be(Finance.LocalHost.InvocationStatus.Succeeded, fixture.App.App.Log());
    }

    [Fact]
    public void The_development_issuer_is_refused_outside_development()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AppSettings.AuthIssuer.Key] = DevelopmentTokens.Issuer,
            [AppSettings.AuthAudience.Key] = TestApp.Audience,
        }).Build();
        foreach (var environment in new[] { "Production", "Staging", "" })
        {
            var act = () => TokenSettings.Read(configuration, new TestEnvironment(environment));
            act.Should().Throw<InvalidOperationException>().WithMessage("*accepted only when AZURE_FUNCTIONS_ENVIRONMENT=Development*");
        }
        TokenSettings.Read(configuration, new TestEnvironment("Development")).UsesDevelopmentIssuer.Should().BeTrue();
        DevelopmentTokens.Issuer.Should().Be(AppSettings.AuthIssuer.LocalDefault, "the local settings use the development issuer");
    }

    [Fact]
    public async Task Outside_development_a_worker_configured_with_the_development_issuer_refuses_to_start()
    {
        using var console = new StringWriter();
        var act = async () => await TestApp.StartAsync(environment: "Production", console: console);

        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*exited with code 1*");
        console.ToString().Should().Contain("accepted only when AZURE_FUNCTIONS_ENVIRONMENT=Development",
            "the worker says why it stopped rather than trust a public key");
    }

    [Fact]
    public void Missing_or_plain_http_issuers_are_refused()
    {
        var production = new TestEnvironment("Production");
        foreach (var (issuer, audience) in new[] { ((string?)null, "api://x"), ("https://login.example/t/v2.0", null), ("http://login.example/t/v2.0", "api://x") })
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                [AppSettings.AuthIssuer.Key] = issuer,
                [AppSettings.AuthAudience.Key] = audience,
            }).Build();
            var act = () => TokenSettings.Read(configuration, production);
            act.Should().Throw<InvalidOperationException>().WithMessage("*Auth__*");
        }
    }

    [Fact]
    public void In_azure_keys_come_from_the_issuers_metadata_over_https_and_no_development_key_is_set()
    {
        // What the worker does with these settings, against an issuer over HTTPS, is OpenIdTokenTests.
        const string issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0";
        var settings = new Dictionary<string, string?> { [AppSettings.AuthIssuer.Key] = issuer, [AppSettings.AuthAudience.Key] = TestApp.Audience };
        var options = new JwtBearerOptions();
        TokenValidation.Configure(options, TokenSettings.Read(
            new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), new TestEnvironment("Production")));

        options.MetadataAddress.Should().Be(issuer + "/.well-known/openid-configuration");
        options.RequireHttpsMetadata.Should().BeTrue();
        options.TokenValidationParameters.IssuerSigningKey.Should().BeNull("no development key outside Development");
        options.TokenValidationParameters.ValidAlgorithms.Should().Equal(SecurityAlgorithms.RsaSha256);
        options.TokenValidationParameters.IgnoreTrailingSlashWhenValidatingAudience.Should().BeFalse();
    }

    private sealed class TestEnvironment(string name) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Finance.Functions";
        public string ContentRootPath { get; set; } = "";
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
