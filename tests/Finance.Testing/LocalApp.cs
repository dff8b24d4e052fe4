using System.Net.Http.Headers;
using Finance.LocalHost;

namespace Finance.Testing;

/// <summary>
/// The function app as the Functions host runs it: the real worker process (functions/Finance.Functions, built beside
/// this test run, or any folder given, such as the deployable package) started and driven by the local Functions host
/// (tools/Finance.LocalHost) over gRPC and HTTP, on free ports, with the app settings given. Clients address the host's
/// front door exactly as a caller addresses the function app, with a function key.
/// </summary>
public sealed class LocalApp : IAsyncDisposable
{
    /// <summary>The function key the tests send (x-functions-key); the host refuses function-level calls without it.</summary>
    public const string FunctionKey = "test-function-key";

    public const string MasterKey = "test-master-key";

    private LocalApp(FunctionsHost host)
    {
        Host = host;
        Client = NewClient();
    }

    public FunctionsHost Host { get; }

    /// <summary>A client with the function key and no token.</summary>
    public HttpClient Client { get; }

    public Uri BaseAddress => Host.BaseAddress;

    /// <summary>The worker's build output of the configuration the tests run in.</summary>
    public static string BuildDirectory()
    {
        var path = RepositoryRoot.BuildOutput(Path.Combine("functions", "Finance.Functions"));
        return File.Exists(Path.Combine(path, "functions.metadata"))
            ? path
            : throw new InvalidOperationException($"The function app is not built at {path} (no functions.metadata).");
    }

    /// <summary>
    /// Starts the host and the worker. <paramref name="settings"/> are app settings by their configuration key
    /// (<c>Auth:Issuer</c>) or environment name (<c>Auth__Issuer</c>); <paramref name="environment"/> is the worker's
    /// hosting environment, as AZURE_FUNCTIONS_ENVIRONMENT sets it.
    /// </summary>
    public static async Task<LocalApp> StartAsync(
        IReadOnlyDictionary<string, string?> settings, string environment = "Development", string? appDirectory = null, bool runTimers = false,
        TextWriter? console = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var appSettings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = environment,
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["DOTNET_ENVIRONMENT"] = environment,
            // Timers are fired on demand in tests; their schedules must still resolve.
            ["Heartbeat__Schedule"] = "0 0 0 1 1 *",
            ["Close__Schedule"] = "0 0 0 1 1 *",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            if (value is not null)
            {
                appSettings[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
        }
        var host = await FunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = appDirectory ?? BuildDirectory(),
            AppSettings = appSettings,
            FunctionKeys = [FunctionKey],
            MasterKey = MasterKey,
            RunTimersOnSchedule = runTimers,
            Console = console,
        });
        return new LocalApp(host);
    }

    /// <summary>
    /// A client with the function key and, when given, a bearer token; disposed by the caller. Every problem it
    /// receives is held to the API's wording (<see cref="ProblemWording"/>).
    /// </summary>
    public HttpClient NewClient(string? token = null)
    {
        var client = new HttpClient(new ProblemWording(new SocketsHttpHandler()))
        {
            BaseAddress = Host.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    /// <summary>The host's and the worker's recent log lines, for failure messages.</summary>
    public string Log(int lines = 80) => string.Join('\n', Host.RecentLogs.TakeLast(lines).Select(l => l.ToString()));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }
}
