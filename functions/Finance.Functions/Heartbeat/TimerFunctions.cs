using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Storage.Runs;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace Finance.Functions.Heartbeat;

/// <summary>
/// A timer that does nothing but record that it ran (proof that the host's timers reach the worker), and the record of
/// when each timer last ran.
/// </summary>
public sealed partial class TimerFunctions(TimerRunStore runs, IClock clock, ILogger<TimerFunctions> logger)
{
    public const string HeartbeatName = "Heartbeat";

    [LoggerMessage(Level = LogLevel.Information, Message = "Heartbeat at {At} (past due: {IsPastDue}), run {Runs}")]
    private static partial void Beat(ILogger logger, Instant at, bool isPastDue, long runs);

    /// <summary>The schedule is the app setting Heartbeat__Schedule (the host resolves %Heartbeat:Schedule% from it).</summary>
    [Function(HeartbeatName)]
    public async Task Heartbeat([TimerTrigger("%Heartbeat:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var run = await TimerRecords.RecordAsync(runs, HeartbeatName, timer, clock, cancellationToken);
        Beat(logger, run.LastRunAt, run.LastWasPastDue, run.Runs);
    }

    [Function("GetTimerRun")]
    [Access(Rule.ReadOperations)]
    [Summary("When a timer function last ran, whether the host fired it late, and how many times it has run.")]
    [Responds(typeof(TimerRun))]
    [Problems(404)]
    public async Task<IResult> GetTimerRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "timers/{name}")] HttpRequest request, string name, CancellationToken cancellationToken) =>
        await runs.GetAsync(name, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Timer '{name}' has not run.");
}

/// <summary>What every timer records of its run: when, whether late, and the schedule's last and next firing.</summary>
public static class TimerRecords
{
    public static Task<TimerRun> RecordAsync(TimerRunStore runs, string name, TimerInfo timer, IClock clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(clock);
        return runs.RecordAsync(name, clock.GetCurrentInstant(), timer.IsPastDue, Instant(timer.ScheduleStatus?.Last), Instant(timer.ScheduleStatus?.Next),
            cancellationToken);
    }

    /// <summary>The host's schedule status is in its own time zone, UTC in Azure unless WEBSITE_TIME_ZONE says otherwise;
    /// a time without a zone is taken as UTC. The default value means "not known".</summary>
    private static Instant? Instant(DateTime? time) => time is not { } value || value == default
        ? null
        : NodaTime.Instant.FromDateTimeUtc(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime());
}
