using System.Net;
using Finance.LocalHost.Http;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Settings;
using Finance.LocalHost.Timers;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Finance.LocalHost;

/// <summary>
/// A local stand-in for the Azure Functions host, for one isolated-worker app: it starts the worker from the app's
/// worker.config.json, serves the FunctionRpc stream the worker dials, routes and forwards HTTP requests to it, fires
/// its timers and restarts it when it dies. Local only: in Azure the real host runs the same worker build.
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    /// <summary>Finished invocations remembered for <see cref="RecentInvocations"/>; the oldest go first.</summary>
    private const int RecentInvocationCapacity = 1_000;

    /// <summary>How long stopping waits for the servers to finish requests in flight.</summary>
    private static readonly TimeSpan ServerStopWait = TimeSpan.FromSeconds(5);

    private readonly WebApplication server;
    private readonly WorkerSupervisor supervisor;
    private readonly HostLog log;
    private readonly Invoker invoker;
    private readonly HttpForwarding forwarding;
    private readonly CancellationTokenSource stopping;
    private readonly KeyRing keys;
    private readonly Queue<InvocationOutcome> recentInvocations = new();
    private TimerScheduler? timers;
    private int disposed;

    private FunctionsHost(
        WebApplication server, WorkerSupervisor supervisor, HostLog log, Invoker invoker, HttpForwarding forwarding,
        CancellationTokenSource stopping, KeyRing keys, Uri baseAddress)
    {
        this.server = server;
        this.supervisor = supervisor;
        this.log = log;
        this.invoker = invoker;
        this.forwarding = forwarding;
        this.stopping = stopping;
        this.keys = keys;
        BaseAddress = baseAddress;
    }

    /// <summary>The front door: http://127.0.0.1:PORT/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The functions the (latest) worker declared and loaded.</summary>
    public IReadOnlyList<HostedFunction> Functions => supervisor.Catalog?.Functions ?? [];

    /// <summary>The master key in force (made up at start when none was configured).</summary>
    public string MasterKey => keys.MasterKey;

    /// <summary>The most recent log lines (worker RpcLog, its stdout/stderr, the host's own), oldest first.</summary>
    public IReadOnlyList<WorkerLogLine> RecentLogs => log.Snapshot();

    /// <summary>The recent gRPC messages with the current worker (RpcLog excepted), oldest first.</summary>
    public IReadOnlyList<ProtocolMessage> ProtocolMessages => supervisor.Trace();

    /// <summary>The running worker's process id; null while it is down.</summary>
    public int? WorkerProcessId => supervisor.State == WorkerState.Running ? supervisor.Current?.Process.Id : null;

    public WorkerState WorkerState => supervisor.State;

    /// <summary>Workers started so far (1 after start; each restart adds one).</summary>
    public int WorkerStarts => supervisor.Starts;

    /// <summary>The exit code of the last worker that exited (0 after a clean WorkerTerminate).</summary>
    public int? LastWorkerExitCode => supervisor.LastExitCode;

    /// <summary>The worker's capabilities from its WorkerInitResponse (HttpUri, HandlesInvocationCancelMessage, ...).</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities =>
        supervisor.Current?.Channel.Capabilities ?? new Dictionary<string, string>();

    /// <summary>The most recent finished invocations, oldest first (also those that ended before anyone subscribed).</summary>
    public IReadOnlyList<InvocationOutcome> RecentInvocations
    {
        get
        {
            lock (recentInvocations)
            {
                return [.. recentInvocations];
            }
        }
    }

    public StartupTimings Startup { get; private set; } = new(default, default, default, default);

    /// <summary>Raised when an invocation (HTTP or timer) ends, on the thread that saw it end.</summary>
    public event EventHandler<InvocationOutcome>? InvocationCompleted;

    /// <summary>Starts the host and the worker; returns once the worker has loaded its functions.</summary>
    public static async Task<FunctionsHost> StartAsync(LocalHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        if (!Directory.Exists(appDirectory))
        {
            throw new DirectoryNotFoundException($"No function app at {appDirectory}.");
        }
        var clock = new StartupClock();
        var hostJson = HostJson.Read(appDirectory);
        var log = new HostLog(options.Console, options.RecentLogCapacity);
        var keys = KeyRing.From(options);
        var channels = new WorkerChannels();
        var supervisor = new WorkerSupervisor(options, appDirectory, hostJson, channels, log);
        var invocationTimeout = TimeSpan.FromSeconds(options.InvocationTimeoutSeconds
            ?? (hostJson.FunctionTimeout is { } configured ? (int)Math.Ceiling(configured.TotalSeconds) : 300));
        var stopping = new CancellationTokenSource();
        FunctionsHost? host = null;
        var invoker = new Invoker(options, invocationTimeout, log, outcome => host?.Completed(outcome));

        ListenOptions? frontDoorListener = null;
        ListenOptions? grpcListener = null;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = appDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // Local only: both listen on loopback. The front door speaks HTTP/1.1; the worker dials h2c.
            kestrel.Listen(IPAddress.Loopback, options.Port, listen => { listen.Protocols = HttpProtocols.Http1; frontDoorListener = listen; });
            kestrel.Listen(IPAddress.Loopback, 0, listen => { listen.Protocols = HttpProtocols.Http2; grpcListener = listen; });
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ServerStopWait);
        builder.Services.AddRouting();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(channels);
        builder.Services.AddGrpc(grpc =>
        {
            // As the real host, and as the worker is told: a smaller limit here would break the one shared stream
            // (and every invocation on it) the first time a function returned a large value.
            grpc.MaxReceiveMessageSize = WorkerProcess.GrpcMaxMessageLength;
            grpc.MaxSendMessageSize = WorkerProcess.GrpcMaxMessageLength;
        });
        var server = builder.Build();

        RouteTable? routeTable = null;
        var builtFor = (FunctionCatalog?)null;
        RouteTable? Routes()
        {
            // Rebuilt only when a restarted worker declared a different set of functions.
            var catalog = supervisor.Catalog;
            if (catalog is not null && !ReferenceEquals(catalog, builtFor) && (builtFor is null || !SameRoutes(builtFor, catalog)))
            {
                routeTable = RouteTable.Build(catalog.Functions, server.Services.GetRequiredService<IInlineConstraintResolver>(),
                    server.Services, w => log.Host(LogLevel.Warning, w));
            }
            builtFor = catalog;
            return routeTable;
        }
        var forwarding = new HttpForwarding(server.Services.GetRequiredService<IHttpForwarder>(), invoker);
        var admin = new AdminEndpoints(supervisor, keys, () => host?.timers, log, stopping.Token);
        var frontDoor = new FrontDoor(supervisor, Routes, keys, admin, forwarding, invoker,
            TimeSpan.FromSeconds(options.WorkerStartTimeoutSeconds), options.MaxRequestBodyBytes, log);
        var grpcPort = 0;
        server.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == grpcPort)
            {
                await next(context);
            }
            else
            {
                await frontDoor.HandleAsync(context);
            }
        });
        server.UseRouting();
        server.MapGrpcService<FunctionRpcEndpoint>();

        try
        {
            await server.StartAsync(cancellationToken);
            grpcPort = ((IPEndPoint)grpcListener!.EndPoint).Port;
            var frontDoorPort = ((IPEndPoint)frontDoorListener!.EndPoint).Port;
            clock.Mark(StartupPhase.ServerListening);
            host = new FunctionsHost(server, supervisor, log, invoker, forwarding, stopping, keys, new Uri($"http://127.0.0.1:{frontDoorPort}/"));
            log.Host(LogLevel.Information, $"Local Functions host for {appDirectory} on {host.BaseAddress} (gRPC for the worker on port {grpcPort}). "
                + "Local only: in Azure the real host runs this worker build.");
            if (keys.MasterKeyGenerated)
            {
                log.Host(LogLevel.Information, $"No master key configured; using {keys.MasterKey} for this run.");
            }

            await supervisor.StartAsync(new Uri($"http://127.0.0.1:{grpcPort}/"), clock, cancellationToken);
            host.Startup = clock.Timings();
            var table = Routes();
            foreach (var line in table?.Describe() ?? [])
            {
                log.Host(LogLevel.Information, "Mapped " + line);
            }
            host.timers = new TimerScheduler(host.Functions, supervisor, invoker, log, TimeSpan.FromSeconds(options.WorkerStartTimeoutSeconds));
            if (options.RunTimersOnSchedule)
            {
                host.timers.Start();
            }
            return host;
        }
        catch (Exception e)
        {
            var output = string.Join('\n', log.Snapshot().TakeLast(40).Select(l => l.ToString()));
            if (host is not null)
            {
                await host.DisposeAsync();
            }
            else
            {
                await supervisor.DisposeAsync();
                await server.DisposeAsync();
                await log.DisposeAsync();
                invoker.Dispose();
                forwarding.Dispose();
                stopping.Dispose();
            }
            throw new InvalidOperationException($"The local Functions host did not start: {e.Message}\n{output}", e);
        }
    }

    private void Completed(InvocationOutcome outcome)
    {
        lock (recentInvocations)
        {
            if (recentInvocations.Count == RecentInvocationCapacity)
            {
                recentInvocations.Dequeue();
            }
            recentInvocations.Enqueue(outcome);
        }
        InvocationCompleted?.Invoke(this, outcome);
    }

    /// <summary>Runs a timer function now, after any run of it in progress; waits for the worker's answer.
    /// <paramref name="isPastDue"/> sends a late run's TimerInfo (the real host sends one after a missed occurrence).</summary>
    public Task<InvocationOutcome> InvokeTimerAsync(string name, bool isPastDue = false, CancellationToken cancellationToken = default) =>
        (timers ?? throw new InvalidOperationException("The host has not started.")).InvokeAsync(name, isPastDue, cancellationToken);

    /// <summary>Kills the worker process at once, as a crash would; a restart follows when restarts are on.</summary>
    public Task KillWorkerAsync() => supervisor.KillAsync();

    /// <summary>Stops the worker cleanly (WorkerTerminate) and starts another; returns once it has loaded its functions.</summary>
    public Task RestartWorkerAsync(CancellationToken cancellationToken = default) => supervisor.RestartAsync(cancellationToken);

    /// <summary>Waits until a worker is running (after a kill or crash, the restarted one).</summary>
    public async Task WaitForWorkerAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await supervisor.WaitForRunningAsync(timeout, cancellationToken);

    /// <summary>Stops timers, sends WorkerTerminate, waits the grace period, kills the worker if needed, stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }
        await stopping.CancelAsync();
        if (timers is not null)
        {
            await timers.DisposeAsync();
        }
        await supervisor.DisposeAsync();
        using (var serverStop = new CancellationTokenSource(ServerStopWait))
        {
            await server.StopAsync(serverStop.Token);
        }
        await server.DisposeAsync();
        forwarding.Dispose();
        invoker.Dispose();
        await log.DisposeAsync();
        stopping.Dispose();
    }

    private static bool SameRoutes(FunctionCatalog before, FunctionCatalog after) =>
        before.Functions.Count == after.Functions.Count
        && before.Functions.Zip(after.Functions).All(pair => pair.First with { FunctionId = "" } == pair.Second with { FunctionId = "" });
}
