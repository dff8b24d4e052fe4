using System.Net.Http.Headers;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Storage;
using Finance.Storage.Ledger;
using Finance.Testing;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// The function app as the tests drive it: the real worker process behind the local Functions host (see
/// <see cref="LocalApp"/>), configured as it runs locally (the Development environment, the development issuer, the
/// process-wide Azurite unless a test gives it other storage), with clients that send the function key.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string Audience = "api://finance-tests";

    private TestApp(LocalApp app, string connectionString)
    {
        App = app;
        ConnectionString = connectionString;
        Storage = LedgerStorage.ForConnectionString(connectionString);
    }

    public LocalApp App { get; }

    /// <summary>The storage account the app uses, through the same official clients, for tests that look behind the API.</summary>
    public LedgerStorage Storage { get; }

    public string ConnectionString { get; }

    /// <summary>A client with the function key and no token.</summary>
    public HttpClient Client => App.Client;

    public static async Task<TestApp> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development", TextWriter? console = null, bool runTimers = false)
    {
        var azurite = await Azurite.SharedAsync();
        var all = new Dictionary<string, string?>
        {
            [AppSettings.LedgerConnectionString.Key] = azurite.ConnectionString,
            [AppSettings.AuthIssuer.Key] = DevelopmentTokens.Issuer,
            [AppSettings.AuthAudience.Key] = Audience,
            [AppSettings.RateLimitPermitsPerMinute.Key] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var app = await LocalApp.StartAsync(all, environment, runTimers: runTimers, console: console);
        return new TestApp(app, all[AppSettings.LedgerConnectionString.Key]!);
    }

    /// <summary>The ledger on the app's storage, for tests that check what was written.</summary>
    public LedgerRepository Ledger() => new(Storage.Table(StorageNames.LedgerTable), NodaTime.SystemClock.Instance);

    /// <summary>Registers organisations in the directory (as an administrator), as a pool's parties must be.</summary>
    public async Task RegisterOrganisationsAsync(params string[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var admin = Token("test-administrator", null, Finance.Domain.Principals.Role.Administrator);
        foreach (var id in ids)
        {
            using var known = await SendAsync(HttpMethod.Get, $"api/organisations/{id}", admin, null);
            if (known.IsSuccessStatusCode)
            {
                continue;
            }
            using var response = await SendAsync(HttpMethod.Put, $"api/organisations/{id}", admin,
                System.Net.Http.Json.JsonContent.Create(new { name = id, kind = "council" }));
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Organisation {id} was not registered: {await response.Content.ReadAsStringAsync()}");
            }
        }
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
        Storage.Dispose();
        await App.DisposeAsync();
    }
}
