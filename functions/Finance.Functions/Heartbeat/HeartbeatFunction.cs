using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Storage.Runs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finance.Functions.Heartbeat;

/// <summary>A timer that does nothing but record that it ran: proof that the host's timers reach the handler.</summary>
public static class HeartbeatFunction
{
    public const string Name = "Heartbeat";

    public static IEndpointRouteBuilder MapHeartbeat(this IEndpointRouteBuilder app)
    {
        app.MapTimerFunction(Name, $"%{AppSettings.HeartbeatSchedule.Name}%", Run);
        app.MapHttpFunction("GetTimerRun", "GET", "timers/{name}", AuthLevel.Function, AccessRules.ReadOperations, GetLastRun)
            .WithSummary("When a timer function last ran, whether the host fired it late, and how many times it has run.");
        return app;
    }

    internal static async Task<TimerOutcome> Run(TimerInvocation invocation, HttpContext context)
    {
        var runs = context.RequestServices.GetRequiredService<TimerRunStore>();
        var run = await runs.RecordAsync(
            invocation.FunctionName, invocation.InvokedAt, invocation.IsPastDue, invocation.ScheduledLast, invocation.ScheduledNext, context.RequestAborted);
        return new TimerOutcome([$"Heartbeat at {invocation.InvokedAt} (past due: {invocation.IsPastDue}), run {run.Runs}."]);
    }

    internal static async Task<Results<Ok<TimerRun>, ProblemHttpResult>> GetLastRun(string name, TimerRunStore runs, CancellationToken cancellationToken) =>
        await runs.GetAsync(name, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"Timer '{name}' has not run.");
}
