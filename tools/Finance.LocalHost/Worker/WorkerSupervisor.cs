using Finance.LocalHost.Logging;
using Finance.LocalHost.Rpc;
using Finance.LocalHost.Settings;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Worker;

/// <summary>
/// Keeps one worker running: launches it, runs the start-up sequence, restarts it with a bounded backoff when it exits
/// unexpectedly, and stops it as the real host does (WorkerTerminate with a grace period, then kill). Requests wait
/// for <see cref="WaitForRunningAsync"/>, which completes with the running session.
/// </summary>
internal sealed class WorkerSupervisor : IAsyncDisposable
{
    /// <summary>First delay before restarting a crashed worker; doubled for each crash in a row.</summary>
    private static readonly TimeSpan MinRestartDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between restarts, so a crash loop costs little and recovery stays prompt.</summary>
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    /// <summary>A worker that ran this long before crashing resets the backoff.</summary>
    private static readonly TimeSpan StableRun = TimeSpan.FromMinutes(1);

    /// <summary>Failed starts in a row before giving up (the real host also stops restarting after ten).</summary>
    private const int MaxFailedStartsInARow = 10;

    /// <summary>How long to wait for a killed process to be reaped.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly LocalHostOptions options;
    private readonly string appDirectory;
    private readonly WorkerLaunch launch;
    private readonly HostJson hostJson;
    private readonly AppSettingNames settings;
    private readonly IReadOnlyDictionary<string, string> environment;
    private readonly WorkerChannels channels;
    private readonly HostLog log;
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock stateLock = new();
    private TaskCompletionSource<WorkerSession> ready = NewReady();
    private WorkerSession? current;
    private Uri? grpcUri;
    private int crashesInARow;

    public WorkerSupervisor(
        LocalHostOptions options, string appDirectory, HostJson hostJson, WorkerChannels channels, HostLog log)
    {
        this.options = options;
        this.appDirectory = appDirectory;
        this.hostJson = hostJson;
        this.channels = channels;
        this.log = log;
        launch = WorkerLaunch.Read(appDirectory);
        settings = new AppSettingNames(options.AppSettings);
        environment = WorkerEnvironment(options.AppSettings, appDirectory);
    }

    public WorkerState State { get; private set; } = WorkerState.Starting;

    public WorkerSession? Current => current;

    /// <summary>What the last worker that loaded declared; kept while a worker restarts so routes stay known.</summary>
    public FunctionCatalog? Catalog { get; private set; }

    public int Starts { get; private set; }

    public int? LastExitCode { get; private set; }

    public string? LastError { get; private set; }

    public IReadOnlyList<ProtocolMessage> Trace() => current?.Channel.Trace() ?? [];

    private TimeSpan StartTimeout => TimeSpan.FromSeconds(options.WorkerStartTimeoutSeconds);

    /// <summary>Starts the first worker; throws if it does not start (its output is in the log).</summary>
    public async Task StartAsync(Uri grpcEndpoint, StartupClock clock, CancellationToken cancellationToken)
    {
        grpcUri = grpcEndpoint;
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            await LaunchAsync(clock, cancellationToken);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    public Task<WorkerSession> WaitForRunningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<WorkerSession> waiting;
        lock (stateLock)
        {
            waiting = ready.Task;
        }
        return waiting.WaitAsync(timeout, cancellationToken);
    }

    /// <summary>Kills the worker as a crash would; a restart follows if restarts are on.</summary>
    public async Task KillAsync()
    {
        var session = current;
        if (session is null || session.Process.HasExited)
        {
            return;
        }
        log.Host(LogLevel.Warning, $"Killing the worker (process {session.Process.Id}) on request.");
        session.Process.Kill();
        await session.Gone.WaitAsync(KillWait);
    }

    /// <summary>Stops the worker cleanly (WorkerTerminate) and starts a new one; returns once it has loaded.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (current is { } session && !session.Process.HasExited)
            {
                await TerminateAsync(session);
            }
            await LaunchAsync(null, cancellationToken);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    private async Task<WorkerSession> LaunchAsync(StartupClock? clock, CancellationToken cancellationToken)
    {
        State = Starting();
        var channel = new WorkerChannel(Guid.NewGuid().ToString(), log);
        channels.Add(channel);
        WorkerProcess? process = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping.Token);
        deadline.CancelAfter(StartTimeout);
        try
        {
            process = WorkerProcess.Start(launch, appDirectory, grpcUri!, channel.WorkerId, environment, log);
            clock?.Mark(StartupPhase.WorkerLaunched);
            log.Host(LogLevel.Information,
                $"Worker process {process.Id} started: {launch.Executable} {string.Join(' ', launch.Arguments)}");
            var first = await Task.WhenAny(channel.Connected, process.Exited).WaitAsync(deadline.Token);
            if (first == process.Exited)
            {
                throw new InvalidOperationException(
                    $"The worker exited with code {await process.Exited} before opening its gRPC stream; its output is in the log above.");
            }
            clock?.Mark(StartupPhase.WorkerConnected);
            var session = await WorkerSession.InitializeAsync(
                process, channel, appDirectory, hostJson, settings, log, StartTimeout, deadline.Token);
            clock?.Mark(StartupPhase.FunctionsLoaded);
            Publish(session);
            _ = WatchAsync(session);
            return session;
        }
        catch (Exception e)
        {
            LastError = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"The worker did not load its functions within {options.WorkerStartTimeoutSeconds} s."
                : e.Message;
            channel.Close("the worker did not start");
            channels.Remove(channel);
            if (process is not null)
            {
                process.Kill();
                await process.Exited.WaitAsync(KillWait, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
                process.Dispose();
            }
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException(LastError, e);
            }
            throw;
        }
    }

    private WorkerState Starting() => Starts == 0 ? WorkerState.Starting : WorkerState.Restarting;

    private void Publish(WorkerSession session)
    {
        lock (stateLock)
        {
            current = session;
            Catalog = session.Catalog;
            Starts++;
            State = WorkerState.Running;
            LastError = null;
            if (!ready.TrySetResult(session))
            {
                ready = NewReady();
                ready.SetResult(session);
            }
        }
    }

    /// <summary>New requests wait for the next worker instead of reaching this one.</summary>
    private void Unpublish(WorkerSession session)
    {
        lock (stateLock)
        {
            if (ready.Task.IsCompletedSuccessfully && ready.Task.Result == session)
            {
                ready = NewReady();
            }
        }
    }

    private async Task WatchAsync(WorkerSession session)
    {
        var exitCode = await session.Process.Exited;
        LastExitCode = exitCode;
        Unpublish(session);
        session.Channel.Close($"the worker exited with code {exitCode}");
        channels.Remove(session.Channel);
        var crashed = !session.ExitExpected && !stopping.IsCancellationRequested;
        if (crashed)
        {
            State = options.RestartWorkerOnExit ? WorkerState.Restarting : WorkerState.Stopped;
        }
        session.MarkGone();
        if (!crashed)
        {
            log.Host(LogLevel.Information, $"Worker process {session.Process.Id} exited with code {exitCode}.");
            return;
        }

        log.Host(LogLevel.Warning, $"Worker process {session.Process.Id} exited unexpectedly with code {exitCode}.");
        if (!options.RestartWorkerOnExit)
        {
            return;
        }
        crashesInARow = DateTimeOffset.UtcNow - session.Process.StartedAt >= StableRun ? 1 : crashesInARow + 1;
        try
        {
            await RestartAfterCrashAsync(session);
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    private async Task RestartAfterCrashAsync(WorkerSession crashed)
    {
        var delay = Backoff(crashesInARow);
        for (var attempt = 1; attempt <= MaxFailedStartsInARow; attempt++)
        {
            await Task.Delay(delay, stopping.Token);
            await lifecycle.WaitAsync(stopping.Token);
            try
            {
                if (current != crashed)
                {
                    return; // Someone restarted it meanwhile.
                }
                await LaunchAsync(null, stopping.Token);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.Host(LogLevel.Error, $"Restarting the worker failed (attempt {attempt} of {MaxFailedStartsInARow}): {e.Message}");
            }
            finally
            {
                lifecycle.Release();
            }
            delay = Backoff(crashesInARow + attempt);
        }
        State = WorkerState.Failed;
        log.Host(LogLevel.Critical, $"The worker failed to start {MaxFailedStartsInARow} times in a row; requests are answered 503.");
    }

    private static TimeSpan Backoff(int crashes)
    {
        var doubled = MinRestartDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, crashes - 1));
        return TimeSpan.FromMilliseconds(Math.Min(MaxRestartDelay.TotalMilliseconds, doubled));
    }

    /// <summary>As the real host: WorkerTerminate with the grace period, wait that long for the exit, then kill.</summary>
    private async Task TerminateAsync(WorkerSession session)
    {
        session.ExitExpected = true;
        Unpublish(session);
        var grace = TimeSpan.FromSeconds(options.WorkerTerminateGracePeriodSeconds);
        try
        {
            // As the real host: only a worker that declared it handles WorkerTerminate is sent one; any is given the grace period.
            if (session.Channel.Capabilities.ContainsKey("HandlesWorkerTerminateMessage"))
            {
                await session.Channel.SendAsync(new StreamingMessage
                {
                    WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(grace) },
                });
            }
            await session.Process.Exited.WaitAsync(grace);
        }
        catch (Exception e) when (e is WorkerGoneException or TimeoutException)
        {
            if (!session.Process.HasExited)
            {
                log.Host(LogLevel.Warning, $"The worker did not exit within {grace.TotalSeconds:0} s of WorkerTerminate; killing it.");
                session.Process.Kill();
                await session.Process.Exited.WaitAsync(KillWait);
            }
        }
        LastExitCode = await session.Process.Exited;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await lifecycle.WaitAsync();
        try
        {
            if (current is { } session)
            {
                if (!session.Process.HasExited)
                {
                    await TerminateAsync(session);
                }
                session.Process.Dispose();
            }
            State = WorkerState.Stopped;
            lock (stateLock)
            {
                ready.TrySetException(new ObjectDisposedException(nameof(FunctionsHost), "The host is stopping."));
            }
        }
        finally
        {
            lifecycle.Release();
        }
        stopping.Dispose();
    }

    private static TaskCompletionSource<WorkerSession> NewReady() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The app settings, then what the real host sets itself (so a setting cannot override those).</summary>
    private static Dictionary<string, string> WorkerEnvironment(IReadOnlyDictionary<string, string> appSettings, string appDirectory)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // Core Tools runs apps as Development; a setting may say otherwise.
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
        };
        foreach (var (name, value) in appSettings)
        {
            environment[name] = value;
        }
        environment["FUNCTIONS_WORKER_DIRECTORY"] = appDirectory;
        environment["FUNCTIONS_APPLICATION_DIRECTORY"] = appDirectory;
        environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        return environment;
    }
}
