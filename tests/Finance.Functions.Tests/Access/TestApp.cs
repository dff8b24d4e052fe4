using System.Net.Http.Headers;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// The function app in process (TestServer instead of Kestrel), configured as it runs locally: the Development
/// environment, the development issuer, and the process-wide Azurite unless a test gives it other storage.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string Audience = "api://finance-tests";

    private TestApp(WebApplication app)
    {
        App = app;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<TestApp> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development", Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? beforeStart = null)
    {
        var azurite = await Azurite.SharedAsync();
        var all = new Dictionary<string, string?>
        {
            [AppSettings.LedgerConnectionString.Key] = azurite.ConnectionString,
            [AppSettings.AuthIssuer.Key] = DevelopmentTokens.Issuer,
            [AppSettings.AuthAudience.Key] = Audience,
            [AppSettings.RateLimitPermitsPerMinute.Key] = "100000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var app = FunctionApp.Build([$"--environment={environment}"], builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Configuration.AddInMemoryCollection(all);
            configure?.Invoke(builder);
        });
        beforeStart?.Invoke(app);
        await app.StartAsync();
        return new TestApp(app);
    }

    /// <summary>A development token, valid for an hour from now.</summary>
    public static string Token(string user, IEnumerable<string>? organisations = null, params Role[] roles) =>
        DevelopmentTokens.Mint(Audience, user, organisations ?? [], roles, DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, string? token, HttpContent? content = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await Client.SendAsync(request);
    }

    /// <summary>A POST with a fresh Idempotency-Key (or the one given).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string? token, HttpContent? content, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, path, token, content, new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey ?? Guid.NewGuid().ToString("N") });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
