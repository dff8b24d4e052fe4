using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// An Entra-shaped token issuer in the test process: Kestrel on 127.0.0.1 over HTTPS, with a self-signed certificate
/// made here, serving the OpenID metadata (<c>{issuer}/.well-known/openid-configuration</c>) and a JWKS holding one
/// RSA public key, whose private half signs the tests' tokens. The certificate is written to
/// <see cref="CertificateFile"/> for a worker process to trust through SSL_CERT_FILE, so nothing in the app bends TLS.
/// </summary>
public sealed class OpenIdIssuer : IAsyncDisposable
{
    public const string KeyId = "test-issuer-key";

    private const string Tenant = "11111111-2222-3333-4444-555555555555";

    private readonly WebApplication server;
    private readonly X509Certificate2 certificate;
    private readonly string directory;
    private int metadataRequests;
    private int keyRequests;

    private OpenIdIssuer(WebApplication server, X509Certificate2 certificate, string directory)
    {
        this.server = server;
        this.certificate = certificate;
        this.directory = directory;
    }

    /// <summary>The signing key; only its public half is published.</summary>
    public RSA Key { get; } = RSA.Create(2048);

    /// <summary><c>https://127.0.0.1:{port}/{tenant}/v2.0</c>, as Entra's v2.0 issuers read.</summary>
    public string Issuer { get; private set; } = "";

    /// <summary>The server's certificate (PEM), the only thing a client must trust to reach it.</summary>
    public string CertificateFile => Path.Combine(directory, "issuer.pem");

    public int MetadataRequests => Volatile.Read(ref metadataRequests);

    public int KeyRequests => Volatile.Read(ref keyRequests);

    /// <summary>The public key as a PEM SubjectPublicKeyInfo, what an attacker can download.</summary>
    public string PublicKeyPem => Key.ExportSubjectPublicKeyInfoPem();

    public static async Task<OpenIdIssuer> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("finance-issuer-").FullName;
        var certificate = SelfSignedCertificate();
        await File.WriteAllTextAsync(Path.Combine(directory, "issuer.pem"), certificate.ExportCertificatePem());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var issuer = new OpenIdIssuer(builder.Build(), certificate, directory);
        issuer.Map();
        await issuer.server.StartAsync();
        // The port is known only now; the documents below read the issuer when they are served.
        issuer.Issuer = $"{issuer.server.Urls.Single().TrimEnd('/')}/{Tenant}/v2.0";
        return issuer;
    }

    private void Map()
    {
        const string keysPath = $"/{Tenant}/discovery/v2.0/keys";
        var publicKey = Key.ExportParameters(false);
        var keys = new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["n"] = Base64UrlEncoder.Encode(publicKey.Modulus),
                ["e"] = Base64UrlEncoder.Encode(publicKey.Exponent),
            }),
        }.ToJsonString();
        server.MapGet($"/{Tenant}/v2.0/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref metadataRequests);
            return Results.Text(new JsonObject
            {
                ["issuer"] = Issuer,
                ["jwks_uri"] = new Uri(new Uri(Issuer), keysPath).AbsoluteUri,
                ["authorization_endpoint"] = Issuer + "/oauth2/v2.0/authorize",
                ["token_endpoint"] = Issuer + "/oauth2/v2.0/token",
                ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            }.ToJsonString(), "application/json", Encoding.UTF8);
        });
        server.MapGet(keysPath, () =>
        {
            Interlocked.Increment(ref keyRequests);
            return Results.Text(keys, "application/json", Encoding.UTF8);
        });
    }

    /// <summary>A server certificate for 127.0.0.1 and localhost, valid for the test run only.</summary>
    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=finance-test-issuer", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        certificate.Dispose();
        Key.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
