using System.Text.Json;
using Azure;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Storage.Tables;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Finance.Functions.Pools;

public static class PoolsApi
{
    public static IEndpointRouteBuilder MapPoolsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PutPool", "PUT", "pools/{poolId}", AuthLevel.Function, PutPool)
            .WithSummary("Create a pool, or replace its name, host and year. Send If-Match with the ETag to guard against lost updates.");
        app.MapHttpFunction("GetPool", "GET", "pools/{poolId}", AuthLevel.Function, GetPool)
            .WithSummary("A pool's name, host organisation and financial year.");
        return app;
    }

    public sealed record PoolBody(string? Name, string? HostOrganisation, string? FinancialYear);

    public sealed record PoolResource(string PoolId, string Name, string HostOrganisation, string FinancialYear, Instant CreatedAt, Instant UpdatedAt);

    internal static async Task<IResult> PutPool(
        string poolId, HttpRequest request, LedgerStorage storage, IClock clock, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        if (PoolFields.ValidatePoolId(poolId) is { } idError)
        {
            return Problems.Validation("poolId", idError);
        }
        PoolBody body;
        try
        {
            body = await JsonBody.ReadAsync<PoolBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = PoolFields.Validate(body);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        await storage.EnsureCreatedAsync(cancellationToken);
        var table = storage.Table(StorageNames.PoolsTable);
        var now = clock.GetCurrentInstant();
        var existing = await table.GetEntityIfExistsAsync(poolId, PoolFields.RowKey, cancellationToken: cancellationToken);
        var ifMatch = request.Headers.IfMatch.ToString();
        var entity = new TableEntity(poolId, PoolFields.RowKey)
        {
            ["Name"] = body.Name!.Trim(),
            ["HostOrganisation"] = body.HostOrganisation!.Trim(),
            ["FinancialYear"] = body.FinancialYear!.Trim(),
            ["UpdatedAt"] = now.ToDateTimeOffset(),
        };
        try
        {
            if (!existing.HasValue)
            {
                if (ifMatch.Length > 0 && ifMatch != "*")
                {
                    return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.", "If-Match names a version of a pool that does not exist.");
                }
                entity["CreatedAt"] = now.ToDateTimeOffset();
                var added = await table.AddEntityAsync(entity, cancellationToken);
                var created = ToResource(entity);
                SetETag(request.HttpContext, added.Headers.ETag);
                return TypedResults.Created($"/api/pools/{poolId}", created);
            }
            entity["CreatedAt"] = existing.Value!.GetDateTimeOffset("CreatedAt") ?? now.ToDateTimeOffset();
            // With If-Match only the version the caller read may be replaced. The write is conditional on the version
            // just read either way, so a change between that read and this write is refused too.
            if (ifMatch.Length > 0 && ifMatch != "*" && !SameVersion(ifMatch, existing.Value.ETag))
            {
                return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.",
                    "Someone else changed this pool since you read it; read it again and reapply your change.");
            }
            var updated = await table.UpdateEntityAsync(entity, existing.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            SetETag(request.HttpContext, updated.Headers.ETag);
            return TypedResults.Ok(ToResource(entity));
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.",
                "Someone else changed this pool since you read it; read it again and reapply your change.");
        }
    }

    internal static async Task<Results<Ok<PoolResource>, ProblemHttpResult, ValidationProblem>> GetPool(
        string poolId, HttpContext context, LedgerStorage storage, CancellationToken cancellationToken)
    {
        if (PoolFields.ValidatePoolId(poolId) is { } idError)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["poolId"] = [idError] });
        }
        await storage.EnsureCreatedAsync(cancellationToken);
        var found = await storage.Table(StorageNames.PoolsTable).GetEntityIfExistsAsync(poolId, PoolFields.RowKey, cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found.", detail: $"There is no pool '{poolId}'.");
        }
        SetETag(context, found.Value!.ETag);
        return TypedResults.Ok(ToResource(found.Value));
    }

    private static PoolResource ToResource(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetString("Name") ?? "",
        entity.GetString("HostOrganisation") ?? "",
        entity.GetString("FinancialYear") ?? "",
        Instant.FromDateTimeOffset(entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch),
        Instant.FromDateTimeOffset(entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch));

    /// <summary>Compares an If-Match value with the stored version, ignoring the weak marker clients may drop.</summary>
    private static bool SameVersion(string ifMatch, ETag stored) =>
        string.Equals(StripWeak(ifMatch), StripWeak(stored.ToString("H")), StringComparison.Ordinal);

    private static string StripWeak(string etag) => etag.Trim().StartsWith("W/", StringComparison.Ordinal) ? etag.Trim()[2..] : etag.Trim();

    private static void SetETag(HttpContext context, ETag? etag)
    {
        if (etag is { } value && value != default)
        {
            context.Response.Headers.ETag = value.ToString("H");
        }
    }
}
