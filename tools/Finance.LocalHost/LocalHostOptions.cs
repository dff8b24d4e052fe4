namespace Finance.LocalHost;

/// <summary>
/// How to run one function app locally. Each default is the real Functions host's where it has one; every size and
/// time is bounded, so a misbehaving worker or client cannot exhaust the machine the tests run on.
/// </summary>
public sealed class LocalHostOptions
{
    /// <summary>The function app's build or publish folder: the one holding worker.config.json and functions.metadata.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>Front-door port on 127.0.0.1; 0 picks a free one (read it back from <see cref="FunctionsHost.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// App settings, as in Azure: each becomes an environment variable of the worker and resolves %Name% in timer
    /// schedules. LocalHost__MasterKey and LocalHost__FunctionKeys (comma-separated) here also set the keys.
    /// </summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Keys accepted for authLevel "function" (the master key is accepted as well).</summary>
    public IReadOnlyList<string> FunctionKeys { get; init; } = [];

    /// <summary>The key for authLevel "admin" and the /admin endpoints. When none is given one is made up and printed.</summary>
    public string? MasterKey { get; init; }

    /// <summary>Fire timer functions on their schedules (and runOnStartup ones at start). Off, timers run only on demand.</summary>
    public bool RunTimersOnSchedule { get; init; } = true;

    /// <summary>Where the worker's log lines, its output and the host's own lines are written; null writes nowhere.</summary>
    public TextWriter? Console { get; init; }

    /// <summary>Start the worker again when it exits without being told to (with a bounded backoff).</summary>
    public bool RestartWorkerOnExit { get; init; } = true;

    /// <summary>Longest wait from launching the worker to all its functions loaded; also how long a request waits for a
    /// worker that is restarting before it is answered 503.</summary>
    public int WorkerStartTimeoutSeconds { get; init; } = 60;

    /// <summary>Grace period sent in WorkerTerminate before the worker is killed (the real host's is 5 s).</summary>
    public int WorkerTerminateGracePeriodSeconds { get; init; } = 5;

    /// <summary>Longest one invocation may run; null takes host.json's functionTimeout, else 5 minutes (Consumption's default).</summary>
    public int? InvocationTimeoutSeconds { get; init; }

    /// <summary>Largest request body the front door accepts (the real host's default: 100 MiB).</summary>
    public long MaxRequestBodyBytes { get; init; } = 104_857_600;

    /// <summary>Invocations (HTTP and timer) running at once; more wait for a slot.</summary>
    public int MaxConcurrentInvocations { get; init; } = 200;

    /// <summary>Requests allowed to wait for an invocation slot; beyond this the front door answers 429.</summary>
    public int MaxWaitingRequests { get; init; } = 2_000;

    /// <summary>Log lines kept in memory for <see cref="FunctionsHost.RecentLogs"/>; the oldest go first.</summary>
    public int RecentLogCapacity { get; init; } = 5_000;
}
