using Finance.Testing;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>One handler process per test class, on the process-wide Azurite.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    private AppProcess? app;

    public Azurite Azurite { get; private set; } = null!;

    public AppProcess App => app ?? throw new InvalidOperationException("The app has not started.");

    public HttpClient Client => App.Client;

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.SharedAsync();
        app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["LedgerStorage__ConnectionString"] = Azurite.ConnectionString,
            ["Heartbeat__Schedule"] = "0 */5 * * * *",
        });
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
