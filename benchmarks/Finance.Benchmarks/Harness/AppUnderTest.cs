using System.Globalization;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.LocalHost;
using Finance.Testing;

namespace Finance.Benchmarks.Harness;

/// <summary>
/// The function app as the benchmarks run it: the isolated worker (functions/Finance.Functions, built in the benchmark's
/// own configuration) started and driven by the local Functions host (tools/Finance.LocalHost) through the test kit's
/// <see cref="LocalApp"/>, on a given Azurite, accepting development tokens, with the per-caller rate limit lifted so the
/// benchmark measures the ledger, not the limiter. Timers fire only when a scenario asks the host
/// (<see cref="FunctionsHost.InvokeTimerAsync"/>).
/// </summary>
/// <remarks>
/// Two processes serve a request, as in Azure: the host, which runs inside the benchmark's process (routing, the function
/// key check, YARP forwarding, the gRPC invocation), and the worker. Memory and the "worker" processor time are the
/// worker process's, found by the id the host reports; the host's share is in the benchmark's own processor time.
/// </remarks>
internal sealed class AppUnderTest : IAsyncDisposable
{
    public const string Audience = "api://finance-bench";

    /// <summary>The header the host reads a function key from.</summary>
    public const string FunctionKeyHeader = "x-functions-key";

    /// <summary>Far above anything one run sends: the limiter stays in the pipeline but never refuses.</summary>
    public const int PermitsPerMinute = 10_000_000;

    /// <summary>Log lines printed when a run breaks.</summary>
    private const int LogLinesOnFailure = 60;

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(8);

    private readonly List<IDisposable> clients = [];

    private AppUnderTest(LocalApp app, int workerProcessId)
    {
        App = app;
        WorkerProcessId = workerProcessId;
    }

    public LocalApp App { get; }

    public FunctionsHost Host => App.Host;

    /// <summary>The worker process started with the app; a run is only good while it is still the one serving.</summary>
    public int WorkerProcessId { get; }

    /// <summary>The host's front door: http://127.0.0.1:{port}/.</summary>
    public Uri BaseAddress => App.BaseAddress;

    /// <summary>The build configuration a build output folder is of: the worker that runs is built in the benchmark's own.</summary>
    public static string ConfigurationOf(string directory) =>
        directory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Starts host and worker on <paramref name="azurite"/>; <paramref name="settings"/> adds app settings (or
    /// overrides the benchmark's), by configuration key or environment name.</summary>
    public static async Task<AppUnderTest> StartAsync(
        Azurite azurite, BenchReport report, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        var directory = LocalApp.BuildDirectory();
        Console.WriteLine($"Starting the app through the local Functions host ({directory})…");
        var app = await LaunchAsync(azurite, settings);
        try
        {
            var processId = app.Host.WorkerProcessId
                ?? throw new InvalidOperationException($"The host started but reports no running worker.\n{app.Log(LogLinesOnFailure)}");
            cancellationToken.ThrowIfCancellationRequested();
            report.RecordApp(ConfigurationOf(directory));
            return new AppUnderTest(app, processId);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Host and worker with the benchmark's settings, and nothing else: for scenarios that start the app many
    /// times (cold starts).</summary>
    public static Task<LocalApp> LaunchAsync(Azurite azurite, IReadOnlyDictionary<string, string>? settings = null, string? appDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Auth__Issuer"] = DevelopmentTokens.Issuer,
            ["Auth__Audience"] = Audience,
            ["LedgerStorage__ConnectionString"] = azurite.ConnectionString,
            ["RateLimit__PermitsPerMinute"] = PermitsPerMinute.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }
        return LocalApp.StartAsync(all, appDirectory: appDirectory ?? LocalApp.BuildDirectory());
    }

    /// <summary>A development token for <paramref name="user"/>, for clients the benchmark builds itself.</summary>
    public static string TokenFor(string user, IEnumerable<string> organisations, params Role[] roles) =>
        DevelopmentTokens.Mint(Audience, user, organisations, roles, DateTimeOffset.UtcNow, TokenLifetime);

    /// <summary>A client sending the function key and a development token for <paramref name="user"/>; disposed with the app.</summary>
    public ApiClient ClientFor(string user, IEnumerable<string> organisations, params Role[] roles) =>
        Keep(new ApiClient(BaseAddress, TokenFor(user, organisations, roles), LocalApp.FunctionKey, user));

    /// <summary>A load client of <paramref name="connections"/> connections speaking as <paramref name="user"/>; disposed with the app.</summary>
    public LoadHttpClient LoadClientFor(int connections, string user, IEnumerable<string> organisations, params Role[] roles) =>
        Keep(new LoadHttpClient(BaseAddress, TokenFor(user, organisations, roles), LocalApp.FunctionKey, connections));

    /// <summary>
    /// Runs a scenario's measurements. An unexpected answer or a failed call stops the run with the host's and the
    /// worker's last log lines printed (the worker logs only over gRPC, so the host's log is the one there is); so does
    /// a worker that restarted meanwhile, since its memory and processor time would then be of more than one process.
    /// </summary>
    public async Task MeasureAsync(Func<Task> measure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(measure);
        try
        {
            await measure();
        }
        catch (Exception e) when (e is ApiCallFailedException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"Host and worker log (last {LogLinesOnFailure} lines):\n{App.Log(LogLinesOnFailure)}");
            throw e as ApiCallFailedException ?? new ApiCallFailedException($"Calling the app failed: {e.Message}", e.ToString());
        }
        if (Host.WorkerStarts != 1 || Host.WorkerProcessId != WorkerProcessId)
        {
            throw new InvalidOperationException(
                $"The worker was restarted during the run ({Host.WorkerStarts} starts; the last exit code {Host.LastWorkerExitCode}): "
                + $"its memory and processor time are of more than one process.\n{App.Log(LogLinesOnFailure)}");
        }
    }

    private T Keep<T>(T client)
        where T : IDisposable
    {
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
