using System.Net;
using Finance.LocalHost.Http;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Settings;
using Finance.LocalHost.Timers;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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

    /// <summary>host.json's functionTimeout when it has none: Consumption's default.</summary>
    private const int DefaultInvocationTimeoutSeconds = 300;

    /// <summary>How long stopping waits for the servers to finish requests in flight.</summary>
    private static readonly TimeSpan ServerStopWait = TimeSpan.FromSeconds(5);

    private readonly LocalHostOptions options;
    private readonly HostLog log;
    private readonly KeyRing keys;
    private readonly WorkerChannels channels = new();
    private readonly WorkerSupervisor supervisor;
    private readonly Invoker invoker;
    private readonly CancellationTokenSource stopping = new();
    private readonly Queue<InvocationOutcome> recentInvocations = new();
    private readonly Listeners listeners = new();
    private readonly WebApplication server;
    private readonly HttpForwarding forwarding;
    private readonly RouteCache routes;
    private TimerScheduler? timers;
    private int disposed;

    private FunctionsHost(LocalHostOptions options, string appDirectory)
    {
        this.options = options;
        var hostJson = HostJson.Read(appDirectory);
        log = new HostLog(options.Console, options.RecentLogCapacity);
        keys = KeyRing.From(options);
        supervisor = new WorkerSupervisor(options, appDirectory, hostJson, channels, log);
        var timeoutSeconds = options.InvocationTimeoutSeconds
            ?? (hostJson.FunctionTimeout is { } configured ? (int)Math.Ceiling(configured.TotalSeconds) : DefaultInvocationTimeoutSeconds);
        invoker = new Invoker(options, TimeSpan.FromSeconds(timeoutSeconds), log, Completed);
        server = BuildServer(appDirectory, out forwarding, out routes);
    }

    /// <summary>The front door: http://127.0.0.1:PORT/.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{listeners.FrontDoorPort}/");

    /// <summary>The functions the (latest) worker declared and loaded.</summary>
    public IReadOnlyList<HostedFunction> Functions => supervisor.Catalog?.Functions ?? [];

    /// <summary>The master key in force (made up at start when none was configured).</summary>
    public string MasterKey => keys.MasterKey;

    /// <summary>The most recent log lines (worker RpcLog, its stdout/stderr, the host's own), oldest first.</summary>
    public IReadOnlyList<WorkerLogLine> RecentLogs => log.Snapshot();

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

    /// <summary>The recent gRPC messages with the current worker (RpcLog excepted), oldest first.</summary>
    public IReadOnlyList<ProtocolMessage> ProtocolMessages => supervisor.Trace();

    /// <summary>The running worker's process id; null while it is down.</summary>
    public int? WorkerProcessId =>
        supervisor.State == WorkerState.Running && supervisor.Current is { Process.HasExited: false } current ? current.Process.Id : null;

    public WorkerState WorkerState => supervisor.State;

    /// <summary>Workers started so far (1 after start; each restart adds one).</summary>
    public int WorkerStarts => supervisor.Starts;

    /// <summary>The exit code of the last worker that exited (0 after a clean WorkerTerminate).</summary>
    public int? LastWorkerExitCode => supervisor.LastExitCode;

    /// <summary>The worker's capabilities from its WorkerInitResponse (HttpUri, HandlesInvocationCancelMessage, ...).</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities =>
        supervisor.Current?.Channel.Capabilities ?? new Dictionary<string, string>();

    /// <summary>How long the first start took, phase by phase.</summary>
    public StartupTimings Startup { get; private set; } = new(default, default, default, default);

    /// <summary>Raised when an invocation (HTTP or timer) ends, on the thread that saw it end.</summary>
    public event EventHandler<InvocationOutcome>? InvocationCompleted;

    /// <summary>Starts the host and the worker; returns once the worker has loaded its functions and listens.</summary>
    public static async Task<FunctionsHost> StartAsync(LocalHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        if (!Directory.Exists(appDirectory))
        {
            throw new DirectoryNotFoundException($"No function app at {appDirectory}.");
        }
        var clock = new StartupClock();
        var host = new FunctionsHost(options, appDirectory);
        try
        {
            await host.server.StartAsync(cancellationToken);
            clock.Mark(StartupPhase.ServerListening);
            host.log.Host(LogLevel.Information, $"Local Functions host for {appDirectory} on {host.BaseAddress} (gRPC for the "
                + $"worker on port {host.listeners.GrpcPort}). Local only: in Azure the real host runs this worker build.");
            if (host.keys.MasterKeyGenerated)
            {
                host.log.Host(LogLevel.Information, $"No master key configured; using {host.keys.MasterKey} for this run.");
            }

            await host.supervisor.StartAsync(new Uri($"http://127.0.0.1:{host.listeners.GrpcPort}/"), clock, cancellationToken);
            host.Startup = clock.Timings();
            host.routes.Current(); // maps the routes now, so they are on the console before the first request
            host.timers = new TimerScheduler(host.Functions, host.supervisor, host.invoker, host.log, host.WorkerWait);
            if (options.RunTimersOnSchedule)
            {
                host.timers.Start();
            }
            return host;
        }
        catch (Exception e)
        {
            var output = string.Join('\n', host.log.Snapshot().TakeLast(40).Select(l => l.ToString()));
            await host.DisposeAsync();
            throw new InvalidOperationException($"The local Functions host did not start: {e.Message}\n{output}", e);
        }
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

    private TimeSpan WorkerWait => TimeSpan.FromSeconds(options.WorkerStartTimeoutSeconds);

    /// <summary>
    /// One Kestrel, two loopback listeners (local only): the front door speaks HTTP/1.1, the worker dials h2c. Requests
    /// on the gRPC port go to the FunctionRpc service; every other request is the front door's.
    /// </summary>
    private WebApplication BuildServer(string appDirectory, out HttpForwarding httpForwarding, out RouteCache routeCache)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = appDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listeners.FrontDoor = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listeners.Grpc = listen;
            });
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
        var app = builder.Build();

        routeCache = new RouteCache(supervisor, app.Services, log);
        httpForwarding = new HttpForwarding(app.Services.GetRequiredService<IHttpForwarder>(), invoker);
        var admin = new AdminEndpoints(supervisor, keys, () => timers, log, stopping.Token);
        var frontDoor = new FrontDoor(supervisor, routeCache.Current, keys, admin, httpForwarding, invoker, WorkerWait,
            options.MaxRequestBodyBytes, log);
        app.Use(async (context, next) =>
        {
            if (context.Connection.LocalPort == listeners.GrpcPort)
            {
                await next(context);
            }
            else
            {
                await frontDoor.HandleAsync(context);
            }
        });
        app.UseRouting();
        app.MapGrpcService<FunctionRpcEndpoint>();
        return app;
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

    /// <summary>The listeners as Kestrel bound them: port 0 is replaced by the port it chose.</summary>
    private sealed class Listeners
    {
        public ListenOptions? FrontDoor { get; set; }

        public ListenOptions? Grpc { get; set; }

        public int FrontDoorPort => Port(FrontDoor);

        public int GrpcPort => Port(Grpc);

        private static int Port(ListenOptions? listen) => listen?.EndPoint is IPEndPoint bound ? bound.Port : -1;
    }
}
