using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Testing;

namespace Finance.Benchmarks.Harness;

/// <summary>
/// The handler as the Functions host runs it (a separate process, <see cref="AppProcess"/>), on a given Azurite,
/// accepting development tokens, with the per-caller rate limit lifted so the benchmark measures the ledger, not the
/// limiter. Also knows the process id, for reading its memory.
/// </summary>
internal sealed class HandlerUnderTest : IAsyncDisposable
{
    public const string Audience = "api://finance-bench";

    /// <summary>Far above anything one run sends: the limiter stays in the pipeline but never refuses.</summary>
    public const int PermitsPerMinute = 10_000_000;

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(8);

    private readonly List<ApiClient> clients = [];

    private HandlerUnderTest(AppProcess app, int processId, string assembly)
    {
        App = app;
        ProcessId = processId;
        Assembly = assembly;
    }

    public AppProcess App { get; }

    public int ProcessId { get; }

    /// <summary>The handler dll that runs; its path says which configuration (Release or Debug).</summary>
    public string Assembly { get; }

    public string Configuration => Assembly.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
        ? "Release" : "Debug";

    public static async Task<HandlerUnderTest> StartAsync(Azurite azurite, CancellationToken cancellationToken)
    {
        var assembly = AppProcess.HandlerAssembly();
        var app = await AppProcess.StartAsync(new Dictionary<string, string>
        {
            ["Auth__Issuer"] = DevelopmentTokens.Issuer,
            ["Auth__Audience"] = Audience,
            ["LedgerStorage__ConnectionString"] = azurite.ConnectionString,
            ["Heartbeat__Schedule"] = "0 */5 * * * *",
            ["RateLimit__PermitsPerMinute"] = PermitsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        try
        {
            var processId = LinuxProcesses.FindHandler(assembly, app.Port)
                ?? throw new InvalidOperationException($"Started the handler on port {app.Port} but found no process running {assembly} with that port.");
            cancellationToken.ThrowIfCancellationRequested();
            return new HandlerUnderTest(app, processId, assembly);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Where the handler listens: http://127.0.0.1:{port}/.</summary>
    public Uri BaseAddress => App.Client.BaseAddress!;

    /// <summary>A development token for <paramref name="user"/>, for clients the benchmark builds itself (load runs).</summary>
    public static string TokenFor(string user, IEnumerable<string> organisations, params Role[] roles) =>
        DevelopmentTokens.Mint(Audience, user, organisations, roles, DateTimeOffset.UtcNow, TokenLifetime);

    /// <summary>A client sending a development token for <paramref name="user"/>; disposed with the handler.</summary>
    public ApiClient ClientFor(string user, IEnumerable<string> organisations, params Role[] roles)
    {
        var client = new ApiClient(BaseAddress, TokenFor(user, organisations, roles), user);
        lock (clients)
        {
            clients.Add(client);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        lock (clients)
        {
            clients.ForEach(c => c.Dispose());
            clients.Clear();
        }
        await App.DisposeAsync();
    }
}
