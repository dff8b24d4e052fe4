using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Storage;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Health;

public sealed record HealthReport(string Status, string Tables, string Blobs)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Healthy => Status == "healthy";
}

/// <summary>Is the app up and can it reach its storage? Checked with the cheapest real reads there are.</summary>
public sealed partial class HealthService(LedgerStorage storage, ILogger<HealthService> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Health probe of {What} failed")]
    private static partial void ProbeFailed(ILogger logger, string what, Exception exception);

    public async Task<HealthReport> CheckAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        var tables = await ProbeAsync("tables", storage.ProbeTablesAsync, timeout.Token);
        var blobs = await ProbeAsync("blobs", storage.ProbeBlobsAsync, timeout.Token);
        return new HealthReport(tables == "ok" && blobs == "ok" ? "healthy" : "unhealthy", tables, blobs);
    }

    private async Task<string> ProbeAsync(string what, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        try
        {
            await probe(cancellationToken);
            return "ok";
        }
        catch (Exception e) when (e is Azure.RequestFailedException or OperationCanceledException or HttpRequestException or AggregateException)
        {
            // The reason goes to the log, not to an anonymous caller.
            ProbeFailed(logger, what, e);
            return "unreachable";
        }
    }
}

public sealed class HealthFunctions(HealthService health)
{
    [Function("Health")]
    [Access(Rule.Anonymous)]
    [Summary("Is the app up and can it reach its storage? Anonymous; says nothing about the ledger's contents.")]
    [Responds(typeof(HealthReport))]
    [Responds(typeof(HealthReport), StatusCodes.Status503ServiceUnavailable)]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, CancellationToken cancellationToken)
    {
        var report = await health.CheckAsync(cancellationToken);
        return report.Healthy ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
