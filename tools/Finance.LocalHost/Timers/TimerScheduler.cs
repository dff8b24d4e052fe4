using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Rpc;
using Finance.LocalHost.Worker;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Timers;

/// <summary>
/// Fires timer functions as the real host's TimerListener does: on the schedule's next occurrence (UTC here), once at
/// start for runOnStartup, one invocation of a timer at a time (scheduled and on-demand runs queue behind each other),
/// and with the schedule status kept in memory (the real host keeps it in storage, detects missed runs and holds a
/// lock across instances: a local host has one instance and starts fresh, so it does none of that).
/// </summary>
internal sealed class TimerScheduler : IAsyncDisposable
{
    /// <summary>Longest single wait: Task.Delay cannot wait more than about 24 days, and yearly schedules exist.</summary>
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    private readonly Dictionary<string, TimerState> timers;
    private readonly WorkerSupervisor supervisor;
    private readonly Invoker invoker;
    private readonly HostLog log;
    private readonly TimeSpan workerWait;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> loops = [];

    public TimerScheduler(
        IEnumerable<HostedFunction> functions, WorkerSupervisor supervisor, Invoker invoker, HostLog log, TimeSpan workerWait)
    {
        this.supervisor = supervisor;
        this.invoker = invoker;
        this.log = log;
        this.workerWait = workerWait;
        var now = DateTime.UtcNow;
        timers = functions
            .Where(f => f.Trigger == FunctionTriggerKind.Timer)
            .ToDictionary(f => f.Name, f => new TimerState(f, now), StringComparer.OrdinalIgnoreCase);
    }

    public void Start()
    {
        foreach (var timer in timers.Values.Where(t => t.Schedule is not null))
        {
            var next = timer.Schedule!.GetNextOccurrence(DateTime.UtcNow);
            log.Host(LogLevel.Information, $"Timer {timer.Function.Name}: '{timer.Function.Schedule}' (UTC), next {next:o}"
                + (timer.Function.RunOnStartup ? ", and now (runOnStartup)" : ""));
            loops.Add(Task.Run(() => RunScheduleAsync(timer, stopping.Token)));
        }
    }

    /// <summary>Null when the timer can run; else why not (unknown, or its schedule names a missing setting).</summary>
    public string? WhyNotRunnable(string name) =>
        !timers.TryGetValue(name, out var timer) ? $"No timer function is named {name}."
        : timer.Schedule is null ? $"Timer {name} has no usable schedule ('{timer.Function.DeclaredSchedule}'), so it is not runnable."
        : null;

    /// <summary>Runs a timer now, after any run of it in progress; returns when the worker has answered.</summary>
    public Task<InvocationOutcome> InvokeAsync(string name, bool isPastDue, CancellationToken cancellationToken)
    {
        if (!timers.TryGetValue(name, out var timer))
        {
            throw new ArgumentException($"No timer function is named {name}.", nameof(name));
        }
        if (timer.Schedule is null)
        {
            throw new InvalidOperationException(
                $"Timer {name} has no usable schedule ('{timer.Function.DeclaredSchedule}'), so it is not runnable.");
        }
        return RunAsync(timer, isPastDue, Reason.OnDemand, cancellationToken);
    }

    private async Task RunScheduleAsync(TimerState timer, CancellationToken stop)
    {
        try
        {
            if (timer.Function.RunOnStartup)
            {
                await RunLoggingFailureAsync(timer, Reason.RunOnStartup, stop);
            }
            while (!stop.IsCancellationRequested)
            {
                var next = timer.Schedule!.GetNextOccurrence(DateTime.UtcNow);
                for (var wait = next - DateTime.UtcNow; wait > TimeSpan.Zero; wait = next - DateTime.UtcNow)
                {
                    await Task.Delay(wait < MaxDelay ? wait : MaxDelay, stop);
                }
                await RunLoggingFailureAsync(timer, Reason.Schedule, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task RunLoggingFailureAsync(TimerState timer, Reason reason, CancellationToken stop)
    {
        try
        {
            await RunAsync(timer, isPastDue: false, reason, stop);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or ObjectDisposedException)
        {
            // As the real listener: a failed run never stops the schedule.
            log.Host(LogLevel.Error, $"Timer {timer.Function.Name} did not run: {e.Message}");
        }
    }

    private async Task<InvocationOutcome> RunAsync(TimerState timer, bool isPastDue, Reason reason, CancellationToken cancellationToken)
    {
        await timer.Gate.WaitAsync(cancellationToken);
        try
        {
            var session = await supervisor.WaitForRunningAsync(workerWait, cancellationToken);
            var function = session.Catalog.Find(timer.Function.Name)
                ?? throw new InvalidOperationException($"The running worker has no function {timer.Function.Name}.");
            using var slot = await invoker.EnterAsync(cancellationToken)
                ?? throw new InvalidOperationException("Too many invocations are waiting for the worker.");

            var invocationTime = DateTime.UtcNow;
            var request = new InvocationRequest
            {
                InvocationId = Guid.NewGuid().ToString(),
                FunctionId = function.FunctionId,
                TraceContext = new RpcTraceContext
                {
                    TraceParent = $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01",
                },
            };
            request.InputData.Add(new ParameterBinding
            {
                Name = function.TriggerBindingName,
                Data = new TypedData { Json = TimerInfoJson(timer.Function.UseMonitor ? timer.Status : null, isPastDue) },
            });
            // The real host's binding data: the host's local time, in its default format.
            request.TriggerMetadata.Add("TimerTrigger", new TypedData { String = DateTime.Now.ToString(CultureInfo.InvariantCulture) });
            var outcome = await invoker.InvokeAsync(session, function, request, null, cancellationToken);

            if (reason != Reason.OnDemand)
            {
                // As TimerListener.InvokeJobFunction: a run that fired a little early counts as the scheduled time.
                var adjusted = reason == Reason.Schedule && timer.Status.Next > invocationTime ? timer.Status.Next : invocationTime;
                timer.Status = new ScheduleStatus(adjusted, timer.Schedule!.GetNextOccurrence(adjusted), adjusted);
            }
            return outcome;
        }
        finally
        {
            timer.Gate.Release();
        }
    }

    /// <summary>The worker's TimerInfo as the host serialises it (TimerInfo: Schedule, ScheduleStatus, IsPastDue).</summary>
    internal static string TimerInfoJson(ScheduleStatus? status, bool isPastDue)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("Schedule");
            json.WriteBoolean("AdjustForDST", true);
            json.WriteEndObject();
            if (status is null)
            {
                json.WriteNull("ScheduleStatus");
            }
            else
            {
                json.WriteStartObject("ScheduleStatus");
                json.WriteString("Last", Utc(status.Last));
                json.WriteString("Next", Utc(status.Next));
                json.WriteString("LastUpdated", Utc(status.LastUpdated));
                json.WriteEndObject();
            }
            json.WriteBoolean("IsPastDue", isPastDue);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    /// <summary>How long stopping waits for a timer run in progress (it is asked to cancel first).</summary>
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(loops).WaitAsync(StopWait);
        }
        catch (TimeoutException)
        {
            log.Host(LogLevel.Warning,
                $"A timer run was still going {StopWait.TotalSeconds:0} s after stopping began; the worker's exit ends it.");
        }
    }

    internal sealed record ScheduleStatus(DateTime Last, DateTime Next, DateTime LastUpdated);

    private enum Reason
    {
        Schedule,
        RunOnStartup,
        OnDemand,
    }

    private sealed class TimerState
    {
        public TimerState(HostedFunction function, DateTime nowUtc)
        {
            Function = function;
            Schedule = function.Schedule is { } expression && TimerSchedule.TryParse(expression, out var parsed) ? parsed : null;
            // The real listener's first status: never run, next occurrence from now.
            Status = new ScheduleStatus(DateTime.MinValue, Schedule?.GetNextOccurrence(nowUtc) ?? DateTime.MinValue, DateTime.MinValue);
        }

        public HostedFunction Function { get; }

        public TimerSchedule? Schedule { get; }

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ScheduleStatus Status { get; set; }
    }
}
