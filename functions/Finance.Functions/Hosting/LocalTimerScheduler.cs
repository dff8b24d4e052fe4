using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Functions.Configuration;

namespace Finance.Functions.Hosting;

/// <summary>How <see cref="LocalTimerScheduler"/> reaches the handler's timer routes. Without one registered it POSTs to
/// the handler's own loopback port, as the Functions host does; a test registers one that reaches its in-memory server.</summary>
/// <param name="createClient">Called once, after the app has started. The client's base address is the handler's root;
/// the scheduler disposes it when it stops.</param>
public sealed class LocalTimerTransport(Func<HttpClient> createClient)
{
    internal HttpClient CreateClient() => createClient();
}

/// <summary>
/// Locally, where no Functions host runs, fires the timer functions on their schedules from inside the handler: for each
/// timer the app maps it works out the next occurrence of its NCRONTAB schedule, waits for it, and POSTs the host's
/// invocation payload to <c>/{FunctionName}</c> on the handler's own port, logging the lines the response envelope
/// carries. Only when <c>Timers__RunInProcess</c> is true; in Azure the host fires timers and the setting is never set,
/// so a timer never fires twice.
/// </summary>
/// <remarks>
/// Each timer runs on its own, one invocation at a time, as the host runs them: occurrences that pass while an invocation
/// is still running are skipped, not queued. A failed or refused invocation is logged and the schedule goes on. A timer
/// whose schedule is missing or malformed is logged as an error and not fired (the host refuses that function and runs the
/// rest). <c>IsPastDue</c> is always false and <c>sys.UtcNow</c> is the scheduled instant; <c>ScheduleStatus.Last</c> is
/// the previous firing since the handler started (absent on the first) and <c>ScheduleStatus.Next</c> the one after this.
/// </remarks>
public sealed partial class LocalTimerScheduler(
    EndpointDataSource endpoints,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<LocalTimerScheduler> logger,
    LocalTimerTransport? transport = null,
    TimeProvider? timeProvider = null) : BackgroundService
{
    /// <summary>How long an invocation may take before it is abandoned: host.json's <c>functionTimeout</c>.</summary>
    public static readonly TimeSpan InvocationTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The longest single wait. Waiting in slices re-reads the clock, so a machine that slept fires soon after it
    /// wakes rather than when a monotonic timer finally runs out, and no wait exceeds what <see cref="Task.Delay(TimeSpan)"/> takes.</summary>
    internal static readonly TimeSpan WaitSlice = TimeSpan.FromMinutes(1);

    /// <summary>The largest response envelope read; timer envelopes are a few hundred bytes.</summary>
    private const int MaxResponseBytes = 64 * 1024;

    /// <summary>At most this many of an envelope's log lines are logged.</summary>
    private const int MaxLogLines = 100;

    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;

    /// <summary>A timer function with its schedule resolved and parsed.</summary>
    internal sealed record ScheduledTimer(string Name, NCrontab Schedule);

    [LoggerMessage(Level = LogLevel.Information, Message = "Firing timers in process (Timers__RunInProcess=true): {Timers}")]
    private static partial void Starting(ILogger logger, string timers);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Function} is not fired: {Reason}")]
    private static partial void NotFired(ILogger logger, string function, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Timer {Function} ({Schedule}) does not fire within {Years} years; not firing it")]
    private static partial void NeverFires(ILogger logger, string function, string schedule, int years);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Firing timer {Function} for {Due:O}")]
    private static partial void Firing(ILogger logger, string function, DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: {Line}")]
    private static partial void FunctionLog(ILogger logger, string function, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Function} for {Due:O} answered {Status}: {Body}")]
    private static partial void Refused(ILogger logger, string function, DateTimeOffset due, int status, string body);

    [LoggerMessage(Level = LogLevel.Error, Message = "Timer {Function} for {Due:O} failed; its schedule goes on")]
    private static partial void Failed(ILogger logger, Exception exception, string function, DateTimeOffset due);

    /// <summary>Whether <c>Timers__RunInProcess</c> asks for timers to fire in process: false when unset or empty.</summary>
    /// <exception cref="InvalidOperationException">The setting is neither true nor false.</exception>
    public static bool RunsInProcess(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[AppSettings.TimersRunInProcess.Key];
        return string.IsNullOrWhiteSpace(text) ? false
            : bool.TryParse(text.Trim(), out var value) ? value
            : throw new InvalidOperationException($"{AppSettings.TimersRunInProcess.Name} is '{text}'; use true or false.");
    }

    /// <summary>Starts firing timers when the setting asks for it; otherwise does nothing. A malformed setting stops start-up.</summary>
    public override Task StartAsync(CancellationToken cancellationToken) =>
        RunsInProcess(configuration) ? base.StartAsync(cancellationToken) : Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The endpoints are complete, and the handler answers, only once the app has started.
            await WhenStartedAsync(lifetime, stoppingToken);
            var timers = Resolve(endpoints.Endpoints, configuration, logger);
            if (timers.Count == 0)
            {
                return;
            }
            if (logger.IsEnabled(LogLevel.Information))
            {
                var now = time.GetUtcNow();
                var described = string.Join(", ", timers.Select(t => $"{t.Name} ({t.Schedule}, next {t.Schedule.Next(now):O})"));
                Starting(logger, described);
            }
            using var client = transport?.CreateClient() ?? new HttpClient
            {
                BaseAddress = new Uri($"http://127.0.0.1:{configuration.GetValue(AppSettings.HandlerPort.Key, FunctionApp.DefaultPort).ToString(CultureInfo.InvariantCulture)}/"),
                // Each invocation has its own time-out (InvocationTimeout); the client's default would cut it at 100 s.
                Timeout = Timeout.InfiniteTimeSpan,
            };
            await Task.WhenAll(timers.Select(timer => RunAsync(timer, client, time, logger, stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The timer functions among <paramref name="mapped"/>, by name, with their schedules: a <c>%Setting%</c>
    /// schedule is read from configuration, as the host resolves it from app settings. A timer whose schedule is unset or
    /// malformed is logged and left out.</summary>
    internal static IReadOnlyList<ScheduledTimer> Resolve(IEnumerable<Endpoint> mapped, IConfiguration configuration, ILogger logger)
    {
        var timers = new List<ScheduledTimer>();
        var functions = mapped
            .Select(endpoint => endpoint.Metadata.GetMetadata<FunctionMetadata>())
            .OfType<FunctionMetadata>()
            .Where(function => function.Trigger is TimerFunctionTrigger)
            .DistinctBy(function => function.Name, StringComparer.Ordinal)
            .OrderBy(function => function.Name, StringComparer.Ordinal);
        foreach (var function in functions)
        {
            var declared = ((TimerFunctionTrigger)function.Trigger).Schedule;
            var expression = declared;
            if (declared.Length > 2 && declared.StartsWith('%') && declared.EndsWith('%'))
            {
                var setting = declared[1..^1];
                expression = configuration[setting.Replace("__", ":", StringComparison.Ordinal)];
                if (string.IsNullOrWhiteSpace(expression))
                {
                    NotFired(logger, function.Name, $"its schedule is {declared} and {setting} is not set.");
                    continue;
                }
            }
            try
            {
                timers.Add(new ScheduledTimer(function.Name, NCrontab.Parse(expression)));
            }
            catch (FormatException e)
            {
                NotFired(logger, function.Name, e.Message);
            }
        }
        return timers;
    }

    /// <summary>Fires one timer on its schedule until <paramref name="stoppingToken"/> is cancelled.</summary>
    internal static async Task RunAsync(ScheduledTimer timer, HttpClient client, TimeProvider time, ILogger logger, CancellationToken stoppingToken)
    {
        DateTimeOffset? last = null;
        var after = time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (timer.Schedule.Next(after) is not { } due)
                {
                    NeverFires(logger, timer.Name, timer.Schedule.Expression, NCrontab.SearchYears);
                    return;
                }
                await WaitUntilAsync(due, time, stoppingToken);
                await InvokeAsync(client, timer.Name, Payload(timer.Name, due, last, timer.Schedule.Next(due)), due, logger, stoppingToken);
                last = due;
                // Occurrences that passed while the invocation ran are skipped, as the host skips them.
                var now = time.GetUtcNow();
                after = now > due ? now : due;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>The invocation payload the Functions host POSTs when a timer fires (what <see cref="TimerInvocation.Parse"/> reads).</summary>
    internal static JsonObject Payload(string functionName, DateTimeOffset due, DateTimeOffset? last, DateTimeOffset? next)
    {
        var status = new JsonObject();
        if (last is { } lastFired)
        {
            status["Last"] = Iso(lastFired);
        }
        if (next is { } nextDue)
        {
            status["Next"] = Iso(nextDue);
        }
        status["LastUpdated"] = Iso(due);
        return new JsonObject
        {
            ["Data"] = new JsonObject
            {
                [FunctionMetadata.TimerBindingName] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = status,
                    ["IsPastDue"] = false,
                },
            },
            ["Metadata"] = new JsonObject
            {
                ["sys"] = new JsonObject
                {
                    ["MethodName"] = functionName,
                    ["UtcNow"] = Iso(due),
                    ["RandGuid"] = Guid.NewGuid().ToString(),
                },
            },
        };
    }

    private static string Iso(DateTimeOffset instant) => instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static async Task WhenStartedAsync(IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        await started.Task;
    }

    private static async Task WaitUntilAsync(DateTimeOffset due, TimeProvider time, CancellationToken stoppingToken)
    {
        // A timer can run out a moment early; keep waiting until the clock has reached the occurrence.
        for (var remaining = due - time.GetUtcNow(); remaining > TimeSpan.Zero; remaining = due - time.GetUtcNow())
        {
            await Task.Delay(remaining < WaitSlice ? remaining : WaitSlice, time, stoppingToken);
        }
    }

    private static async Task InvokeAsync(
        HttpClient client, string functionName, JsonObject payload, DateTimeOffset due, ILogger logger, CancellationToken stoppingToken)
    {
        Firing(logger, functionName, due);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(InvocationTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(functionName, UriKind.Relative))
            {
                Content = new StringContent(payload.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadBoundedAsync(response.Content, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                Refused(logger, functionName, due, (int)response.StatusCode, body.Length <= 2000 ? body : body[..2000] + "…");
                return;
            }
            using var envelope = JsonDocument.Parse(body);
            if (envelope.RootElement.ValueKind == JsonValueKind.Object
                && envelope.RootElement.TryGetProperty("Logs", out var logs) && logs.ValueKind == JsonValueKind.Array)
            {
                foreach (var line in logs.EnumerateArray().Take(MaxLogLines))
                {
                    FunctionLog(logger, functionName, line.ValueKind == JsonValueKind.String ? line.GetString()! : line.GetRawText());
                }
            }
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Includes the time-out (a cancellation of our own) and an envelope that is not JSON.
            Failed(logger, e, functionName, due);
        }
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var read = 0;
        int count;
        while (read < buffer.Length && (count = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += count;
        }
        if (read == buffer.Length && await stream.ReadAsync(new byte[1], cancellationToken) > 0)
        {
            throw new InvalidDataException($"The response is larger than {MaxResponseBytes} bytes.");
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
