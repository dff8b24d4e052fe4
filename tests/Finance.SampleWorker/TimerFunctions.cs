using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Finance.SampleWorker;

/// <summary>Timer functions: one on a schedule named by an app setting, one that also runs when the host starts.</summary>
public sealed partial class TimerFunctions(IConfiguration configuration, ILogger<TimerFunctions> logger)
{
    /// <summary>Longest a heartbeat may be told to take, so a setting cannot hang the worker's shutdown.</summary>
    private const int MaxDelayMs = 30_000;

    /// <summary>Logs what the host sent; Sample__TimerDelayMs makes each run take a while (to test one run at a time).</summary>
    [Function("Heartbeat")]
    public async Task Heartbeat([TimerTrigger("%Sample:Schedule%")] TimerInfo timer, FunctionContext context)
    {
        var delayMs = Math.Clamp(configuration.GetValue("Sample:TimerDelayMs", 0), 0, MaxDelayMs);
        LogHeartbeat(
            timer.IsPastDue,
            timer.ScheduleStatus?.Last,
            timer.ScheduleStatus?.Next,
            timer.ScheduleStatus?.LastUpdated,
            context.InvocationId);
        await Task.Delay(delayMs, context.CancellationToken);
    }

    /// <summary>Scheduled once a year; it runs because of RunOnStartup.</summary>
    [Function("OnStartup")]
    public void OnStartup([TimerTrigger("0 0 0 1 1 *", RunOnStartup = true)] TimerInfo timer) =>
        LogOnStartup(timer.IsPastDue);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Heartbeat IsPastDue={IsPastDue} Last={Last:o} Next={Next:o} LastUpdated={LastUpdated:o} Invocation={InvocationId}")]
    private partial void LogHeartbeat(bool isPastDue, DateTime? last, DateTime? next, DateTime? lastUpdated, string invocationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "OnStartup ran IsPastDue={IsPastDue}")]
    private partial void LogOnStartup(bool isPastDue);
}
