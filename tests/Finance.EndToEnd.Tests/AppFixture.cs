using System.Net.Http.Json;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// The deployable package run as the Functions host runs it: the local host starts its worker and forwards to it, on
/// the process-wide Azurite, accepting development tokens; one app per test class. Clients send the function key.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    private readonly List<HttpClient> clients = [];
    private LocalApp? app;

    public Azurite Azurite { get; private set; } = null!;

    public LocalApp App => app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>A client with the function key and no token, as any caller who was given the key would be.</summary>
    public HttpClient Client => App.Client;

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.SharedAsync();
        app = await StartAsync(Azurite.ConnectionString);
    }

    /// <summary>Another instance of the packaged app on the given storage (as another instance of a scaled-out app).</summary>
    public static Task<LocalApp> StartAsync(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, bool runTimers = false)
    {
        var all = new Dictionary<string, string?>(DevTokens.AppSettings.ToDictionary(p => p.Key, p => (string?)p.Value))
        {
            ["LedgerStorage__ConnectionString"] = connectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return LocalApp.StartAsync(all, appDirectory: DeployablePackage.Directory, runTimers: runTimers);
    }

    /// <summary>A client sending the function key and a development token for the user, organisations and roles.</summary>
    public async Task<HttpClient> ClientForAsync(string user, IEnumerable<string> organisations, params string[] roles)
    {
        var client = App.NewClient(await DevTokens.MintAsync(user, organisations, roles));
        lock (clients)
        {
            clients.Add(client);
        }
        return client;
    }

    public Task<HttpClient> AdministratorAsync() => ClientForAsync("e2e-admin", [], "Administrator");

    /// <summary>Registers organisations in the directory, as a pool's parties must be.</summary>
    public async Task RegisterOrganisationsAsync(params string[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var administrator = await AdministratorAsync();
        foreach (var id in ids)
        {
            using var known = await administrator.GetAsync($"api/organisations/{id}");
            if (known.IsSuccessStatusCode)
            {
                continue; // registered already (the demo's, say): kept as it is
            }
            using var response = await administrator.PutAsJsonAsync($"api/organisations/{id}", new { name = id, kind = "council" });
            response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync()
    {
        lock (clients)
        {
            clients.ForEach(c => c.Dispose());
        }
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
