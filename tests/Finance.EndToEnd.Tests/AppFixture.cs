using System.Net.Http.Headers;
using Finance.Testing;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>One handler process per test class, on the process-wide Azurite, accepting development tokens.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    private readonly List<HttpClient> clients = [];
    private AppProcess? app;

    public Azurite Azurite { get; private set; } = null!;

    public AppProcess App => app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>A client with no token, as anyone on the network (through the host) would be.</summary>
    public HttpClient Client => App.Client;

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.SharedAsync();
        app = await AppProcess.StartAsync(new Dictionary<string, string>(DevTokens.AppSettings)
        {
            ["LedgerStorage__ConnectionString"] = Azurite.ConnectionString,
            ["Heartbeat__Schedule"] = "0 */5 * * * *",
        });
    }

    /// <summary>A client sending a development token for the user, organisations and roles.</summary>
    public async Task<HttpClient> ClientForAsync(string user, IEnumerable<string> organisations, params string[] roles)
    {
        var client = new HttpClient { BaseAddress = App.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await DevTokens.MintAsync(user, organisations, roles));
        lock (clients)
        {
            clients.Add(client);
        }
        return client;
    }

    public Task<HttpClient> AdministratorAsync() => ClientForAsync("e2e-admin", [], "Administrator");

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
