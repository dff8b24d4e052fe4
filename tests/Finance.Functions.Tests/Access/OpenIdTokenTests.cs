using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Functions.Configuration;
using FluentAssertions;
using Microsoft.IdentityModel.Tokens;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// The worker as it runs in Azure (the Production environment, an https issuer) against <see cref="OpenIdIssuer"/>:
/// it downloads the metadata and keys over HTTPS, trusting the issuer's self-signed certificate only because the
/// worker process is started with SSL_CERT_FILE naming it (OpenSSL-based .NET on Linux reads it), so the app's
/// own TLS checks stay as they are in Azure.
/// </summary>
public sealed class OpenIdAppFixture : IAsyncLifetime
{
    private OpenIdIssuer? issuer;
    private TestApp? app;

    public OpenIdIssuer Issuer => issuer!;

    public TestApp App => app!;

    public async Task InitializeAsync()
    {
        issuer = await OpenIdIssuer.StartAsync();
        app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            [AppSettings.AuthIssuer.Key] = Issuer.Issuer,
            ["SSL_CERT_FILE"] = Issuer.CertificateFile,
            // The refusals' reasons are logged at Information; the tests read them.
            ["Logging:LogLevel:Finance.Functions.Access"] = "Information",
        }, environment: "Production");
    }

    public async Task DisposeAsync()
    {
        // Either may be missing when starting failed.
        if (app is not null)
        {
            await app.DisposeAsync();
        }
        if (issuer is not null)
        {
            await issuer.DisposeAsync();
        }
    }
}

/// <summary>
/// Tokens held to the letter on the RS256 path: the issuer's key, from its metadata, and nothing else signs a token
/// that gets in; every fault found from outside is refused with the same vague 401, and the log names the check.
/// </summary>
public sealed class OpenIdTokenTests(OpenIdAppFixture fixture) : IClassFixture<OpenIdAppFixture>
{
    private const string RefusedLog = "bearer token refused: ";

    private sealed record Forgery(string Reason, Func<OpenIdIssuer, string> Token);

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static JsonObject Header(string algorithm = "RS256", string keyId = OpenIdIssuer.KeyId) =>
        new() { ["alg"] = algorithm, ["kid"] = keyId, ["typ"] = "JWT" };

    /// <summary>The claims of an Entra v2.0 access token for the app, good for an hour.</summary>
    private static JsonObject Claims(OpenIdIssuer issuer) => new()
    {
        ["iss"] = issuer.Issuer,
        ["aud"] = TestApp.Audience,
        ["iat"] = Now - 60,
        ["nbf"] = Now - 60,
        ["exp"] = Now + 3600,
        ["oid"] = "tess",
        ["sub"] = "tess",
        ["roles"] = new JsonArray("Auditor"),
    };

    /// <summary>The claims with these times (seconds from now); a null time is left out.</summary>
    private static JsonObject Times(OpenIdIssuer issuer, long? iat, long? nbf, long? exp)
    {
        var claims = Claims(issuer);
        foreach (var (name, offset) in new[] { ("iat", iat), ("nbf", nbf), ("exp", exp) })
        {
            if (offset is { } seconds)
            {
                claims[name] = Now + seconds;
            }
            else
            {
                claims.Remove(name);
            }
        }
        return claims;
    }

    private static JsonObject With(JsonObject json, Action<JsonObject> change)
    {
        change(json);
        return json;
    }

    /// <summary>A compact JWS written by hand, so that tokens a library would refuse to produce can be made.</summary>
    private static string Jws(JsonObject header, JsonObject payload, Func<byte[], byte[]> sign)
    {
        var signingInput = $"{Encode(header)}.{Encode(payload)}";
        return $"{signingInput}.{Base64UrlEncoder.Encode(sign(Encoding.ASCII.GetBytes(signingInput)))}";
    }

    private static string Encode(JsonObject json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static Func<byte[], byte[]> Rs256(RSA key) => data => key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    private static Func<byte[], byte[]> Hs256(byte[] secret) => data => HMACSHA256.HashData(secret, data);

    private static string Signed(OpenIdIssuer issuer, JsonObject payload) => Jws(Header(), payload, Rs256(issuer.Key));

    private static readonly RSA OtherKey = RSA.Create(2048);

    /// <summary>Each forgery or fault, with the start of the reason the log must give for refusing it.</summary>
    private static readonly Dictionary<string, Forgery> Forgeries = new()
    {
        ["HS256 with the issuer's public key (PEM) as the HMAC secret"] = new("algorithm: the token says alg 'HS256'; only RS256",
            i => Jws(Header("HS256"), Claims(i), Hs256(Encoding.UTF8.GetBytes(i.PublicKeyPem)))),
        ["HS256 with the issuer's public key (DER) as the HMAC secret"] = new("algorithm: the token says alg 'HS256'; only RS256",
            i => Jws(Header("HS256"), Claims(i), Hs256(i.Key.ExportSubjectPublicKeyInfo()))),
        ["alg none"] = new("algorithm: the token says alg 'none'; only RS256", i => Jws(Header("none"), Claims(i), _ => [])),
        ["RS256 signed by another key under the issuer's kid"] = new("signature: IDX10511",
            i => Jws(Header(), Claims(i), Rs256(OtherKey))),
        ["RS256 carrying its own signer's key in a jwk header"] = new("signing key: IDX10503",
            i => Jws(With(Header(keyId: "attacker"), h => h["jwk"] = new JsonObject
            {
                ["kty"] = "RSA",
                ["kid"] = "attacker",
                ["n"] = Base64UrlEncoder.Encode(OtherKey.ExportParameters(false).Modulus),
                ["e"] = Base64UrlEncoder.Encode(OtherKey.ExportParameters(false).Exponent),
            }), Claims(i), Rs256(OtherKey))),
        ["RS384 with the issuer's own key"] = new("algorithm: the token says alg 'RS384'; only RS256",
            i => Jws(Header("RS384"), Claims(i), data => i.Key.SignData(data, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1))),
        ["aud with a trailing slash"] = new("audience: IDX10214",
            i => Signed(i, With(Claims(i), c => c["aud"] = TestApp.Audience + "/"))),
        ["iss with a trailing slash"] = new("issuer: IDX10205",
            i => Signed(i, With(Claims(i), c => c["iss"] = i.Issuer + "/"))),
        ["exp as a string"] = new("exp: is a JSON string",
            i => Signed(i, With(Claims(i), c => c["exp"] = (Now + 3600).ToString(CultureInfo.InvariantCulture)))),
        ["nbf as a string"] = new("nbf: is a JSON string",
            i => Signed(i, With(Claims(i), c => c["nbf"] = (Now - 60).ToString(CultureInfo.InvariantCulture)))),
        ["no exp"] = new("exp: IDX10225", i => Signed(i, Times(i, -60, -60, null))),
        ["a lifetime of 25 hours from iat"] = new("lifetime: exp - iat is 25 h",
            i => Signed(i, Times(i, -3600, -3600, 24 * 3600))),
        ["a lifetime of 49 hours from nbf, without iat"] = new("lifetime: exp - nbf is 49 h",
            i => Signed(i, Times(i, null, -48 * 3600, 3600))),
        ["a year to run, with neither iat nor nbf"] = new("lifetime: exp is 8760 h from now",
            i => Signed(i, Times(i, null, null, 365 * 24 * 3600))),
        ["crit naming an extension we do not know"] = new("crit: the header names extensions",
            i => Jws(With(Header(), h =>
            {
                h["crit"] = new JsonArray("x-finance-unknown");
                h["x-finance-unknown"] = true;
            }), Claims(i), Rs256(i.Key))),
        ["expired"] = new("expired: IDX10223",
            i => Signed(i, Times(i, -7200, -7200, -3600))),
    };

    public static TheoryData<string> Faults() => new(Forgeries.Keys);

    public static TheoryData<string, long> Lifetimes() => new()
    {
        { "one hour", 3600 },
        { "24 hours, the most allowed", 24 * 3600 },
    };

    [Theory]
    [MemberData(nameof(Lifetimes))]
    public async Task A_token_signed_with_the_key_from_the_issuers_metadata_gets_in(string why, long lifetimeSeconds)
    {
        var token = Signed(fixture.Issuer, Times(fixture.Issuer, 0, 0, lifetimeSeconds));
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/me", token);

        response.StatusCode.Should().Be(HttpStatusCode.OK, $"{why}\n{fixture.App.App.Log()}");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("principalId").GetString().Should().Be("tess");
        fixture.Issuer.MetadataRequests.Should().BePositive("the worker read the issuer's metadata over HTTPS");
        fixture.Issuer.KeyRequests.Should().BePositive("and the keys it names");
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_forged_or_faulty_token_is_the_same_vague_401_and_the_log_names_the_check(string why)
    {
        var forgery = Forgeries[why];
        var expected = RefusedLog + forgery.Reason;
        var logged = Logged(fixture.App, expected);

        var (status, body) = await RefusalAsync(forgery.Token(fixture.Issuer));

        status.Should().Be(HttpStatusCode.Unauthorized, why);
        var (_, reference) = await RefusalAsync("not-a-token");
        JsonNode.DeepEquals(body, reference).Should().BeTrue($"every refused token gets the same answer ({body?.ToJsonString()})");
        await WaitForLogAsync(fixture.App, expected, logged, why);
    }

    [Fact]
    public async Task A_worker_that_does_not_trust_the_issuers_certificate_lets_no_token_in()
    {
        // The same app without SSL_CERT_FILE: the certificate is checked, so the keys cannot be fetched.
        await using var untrusting = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            [AppSettings.AuthIssuer.Key] = fixture.Issuer.Issuer,
            ["Logging:LogLevel:Finance.Functions.Access"] = "Information",
        }, environment: "Production");
        var token = Signed(fixture.Issuer, Claims(fixture.Issuer));

        using var response = await untrusting.SendAsync(HttpMethod.Get, "api/me", token);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        // Had the worker fetched the keys, this token would have got in (it does through the fixture's app).
        await WaitForLogAsync(untrusting, RefusedLog + "signing key: IDX10500", 0, "the worker has no keys to check the signature with");
    }

    /// <summary>The answer to a token, without the trace id that differs per request.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body)> RefusalAsync(string token)
    {
        using var response = await fixture.App.SendAsync(HttpMethod.Get, "api/me", token);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer error=\"invalid_token\"");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Remove("traceId");
        return (response.StatusCode, body);
    }

    private static int Logged(TestApp app, string text) =>
        app.App.Host.RecentLogs.Count(l => l.Message.Contains(text, StringComparison.Ordinal));

    /// <summary>Worker logs reach the host over gRPC, a moment after the response.</summary>
    private static async Task WaitForLogAsync(TestApp app, string text, int before, string why)
    {
        for (var attempt = 0; attempt < 50 && Logged(app, text) <= before; attempt++)
        {
            await Task.Delay(100);
        }
        Logged(app, text).Should().BeGreaterThan(before, $"{why}: the log should say '{text}'\n{app.App.Log(20)}");
    }
}
