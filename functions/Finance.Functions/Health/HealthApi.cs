using Azure;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Finance.Functions.Health;

public static partial class HealthApi
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Health probe of {What} failed")]
    private static partial void ProbeFailed(ILogger logger, string what, Exception exception);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("Health", "GET", "health", AuthLevel.Anonymous, AccessRule.Anonymous, GetHealth)
            .WithSummary("Is the app up and can it reach its storage? Anonymous; says nothing about the ledger's contents.");
        return app;
    }

    public sealed record HealthReport(string Status, string Tables, string Blobs);

    /// <summary>Checks storage with the cheapest real reads there are: one entity of the pools table, the statements container's existence.</summary>
    internal static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealth(
        LedgerStorage storage, ILogger<HealthReport> logger, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var tables = await Probe("tables", storage.ProbeTablesAsync, logger, timeout.Token);
        var blobs = await Probe("blobs", storage.ProbeBlobsAsync, logger, timeout.Token);
        var healthy = tables == "ok" && blobs == "ok";
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", tables, blobs);
        return healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<string> Probe(string what, Func<CancellationToken, Task> probe, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await probe(cancellationToken);
            return "ok";
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            // The reason goes to the log, not to an anonymous caller.
            ProbeFailed(logger, what, e);
            return "unreachable";
        }
    }
}
