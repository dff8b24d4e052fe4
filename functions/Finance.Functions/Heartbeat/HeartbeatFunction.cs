using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Storage.Tables;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Finance.Functions.Heartbeat;

/// <summary>A timer that does nothing but record that it ran: proof that the host's timers reach the handler.</summary>
public static class HeartbeatFunction
{
    public const string Name = "Heartbeat";
    private const string RunsPartition = "timer";

    public static IEndpointRouteBuilder MapHeartbeat(this IEndpointRouteBuilder app)
    {
        app.MapTimerFunction(Name, $"%{AppSettings.HeartbeatSchedule.Name}%", Run);
        app.MapHttpFunction("GetTimerRun", "GET", "timers/{name}", AuthLevel.Function, AccessRules.ReadOperations, GetLastRun)
            .WithSummary("When a timer function last ran, whether the host fired it late, and how many times it has run.");
        return app;
    }

    public sealed record TimerRun(string Name, Instant LastRunAt, bool LastWasPastDue, Instant? ScheduledLast, Instant? ScheduledNext, long Runs);

    internal static async Task<TimerOutcome> Run(TimerInvocation invocation, HttpContext context)
    {
        var storage = context.RequestServices.GetRequiredService<LedgerStorage>();
        var cancellationToken = context.RequestAborted;
        await storage.EnsureCreatedAsync(cancellationToken);
        var table = storage.Table(StorageNames.RunsTable);
        var previous = await table.GetEntityIfExistsAsync(RunsPartition, invocation.FunctionName, cancellationToken: cancellationToken);
        var runs = (previous.HasValue ? previous.Value!.GetInt64("Runs") ?? 0 : 0) + 1;
        var entity = new TableEntity(RunsPartition, invocation.FunctionName)
        {
            ["LastRunAt"] = invocation.InvokedAt.ToDateTimeOffset(),
            ["LastWasPastDue"] = invocation.IsPastDue,
            ["ScheduledLast"] = invocation.ScheduledLast?.ToDateTimeOffset(),
            ["ScheduledNext"] = invocation.ScheduledNext?.ToDateTimeOffset(),
            ["Runs"] = runs,
        };
        // A lost count under two overlapping firings is acceptable for a heartbeat; the last run time is what matters.
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        return new TimerOutcome([$"Heartbeat at {invocation.InvokedAt} (past due: {invocation.IsPastDue}), run {runs}."]);
    }

    internal static async Task<Results<Ok<TimerRun>, ProblemHttpResult>> GetLastRun(string name, LedgerStorage storage, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        // The name is only ever a row key in a point read, never part of a filter; timer names are letters and digits.
        var found = name.Length is > 0 and <= 64 && name.All(char.IsAsciiLetterOrDigit)
            ? await storage.Table(StorageNames.RunsTable).GetEntityIfExistsAsync(RunsPartition, name, cancellationToken: cancellationToken)
            : default;
        if (found is null || !found.HasValue)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"Timer '{name}' has not run.");
        }
        var e = found.Value!;
        return TypedResults.Ok(new TimerRun(
            name,
            Instant.FromDateTimeOffset(e.GetDateTimeOffset("LastRunAt") ?? DateTimeOffset.UnixEpoch),
            e.GetBoolean("LastWasPastDue") ?? false,
            e.GetDateTimeOffset("ScheduledLast") is { } last ? Instant.FromDateTimeOffset(last) : null,
            e.GetDateTimeOffset("ScheduledNext") is { } next ? Instant.FromDateTimeOffset(next) : null,
            e.GetInt64("Runs") ?? 0));
    }
}
