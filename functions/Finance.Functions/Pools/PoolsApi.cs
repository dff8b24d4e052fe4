using System.Text.Json;
using Azure;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Storage;
using Finance.Storage.Pools;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Finance.Functions.Pools;

public static class PoolsApi
{
    public static IEndpointRouteBuilder MapPoolsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PutPool", "PUT", "pools/{poolId}", AuthLevel.Function, AccessRules.ManagePool, PutPool)
            .WithSummary("Create a pool, or replace its name, organisations, managers and year. Send If-Match with the ETag to guard against lost updates.");
        app.MapHttpFunction("GetPool", "GET", "pools/{poolId}", AuthLevel.Function, AccessRules.ReadPool, GetPool)
            .WithSummary("A pool's name, host and partner organisations, managers and financial year.");
        return app;
    }

    /// <param name="HostOrganisation">Organisation id of the host partner.</param>
    /// <param name="PartnerOrganisations">Organisation ids of the other partners; left out, a replace keeps the current ones.</param>
    /// <param name="PoolManagers">Principal ids of the managers; left out, a replace keeps the current ones.</param>
    /// <param name="AutoClose">Whether the month-end timer closes months itself when nothing blocks; left out, a replace keeps the current setting.</param>
    public sealed record PoolBody(
        string? Name, string? HostOrganisation, string? FinancialYear, IReadOnlyList<string?>? PartnerOrganisations = null, IReadOnlyList<string?>? PoolManagers = null,
        bool? AutoClose = null);

    public sealed record PoolResource(
        string PoolId, string Name, string HostOrganisation, string FinancialYear, IReadOnlyList<string> PartnerOrganisations,
        IReadOnlyList<string> PoolManagers, bool AutoClose, Instant CreatedAt, Instant UpdatedAt);

    internal static async Task<IResult> PutPool(
        string poolId, Caller caller, PoolInScope scope, HttpRequest request, PoolStore pools, IClock clock, JsonSerializerOptions json,
        CancellationToken cancellationToken)
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

        var existing = scope.Pool;
        var host = body.HostOrganisation!;
        var partners = (body.PartnerOrganisations?.OfType<string>() ?? existing?.PartnerOrganisations ?? [])
            .Where(p => p != host).Distinct(StringComparer.Ordinal).ToList();
        var managers = (body.PoolManagers?.OfType<string>() ?? existing?.PoolManagers ?? []).Distinct(StringComparer.Ordinal).ToList();
        // A pool manager who is not an administrator reaches this pool only as one of its managers (or as its creator),
        // and stays one: otherwise they could create a pool nobody manages, or lock themselves out by mistake.
        if (!AccessRules.ManagePool.ReachOf(caller).HasFlag(Reach.Everything) && !managers.Contains(caller.Id, StringComparer.Ordinal))
        {
            managers.Add(caller.Id);
        }
        if (managers.Count > PoolFields.MaxPoolManagers)
        {
            return Problems.Validation("poolManagers", $"At most {PoolFields.MaxPoolManagers} poolManagers, including you.");
        }

        var now = clock.GetCurrentInstant();
        var ifMatch = request.Headers.IfMatch.ToString();
        var record = new PoolRecord(
            poolId, body.Name!.Trim(), host, FinancialYear.Parse(body.FinancialYear!.Trim()), partners, managers, existing?.CreatedAt ?? now, now, default)
        {
            // The streams, agreement and lines are set up by their own functions and kept as they are; any change to
            // the pool is a new set-up version, so postings checked against the old one are refused.
            SetupVersion = (existing?.SetupVersion ?? 0) + 1,
            AutoClose = body.AutoClose ?? existing?.AutoClose ?? false,
            Streams = existing?.Streams ?? [],
            Agreement = existing?.Agreement,
        };
        try
        {
            if (existing is null)
            {
                if (ifMatch.Length > 0 && ifMatch != "*")
                {
                    return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.", "If-Match names a version of a pool that does not exist.");
                }
                var added = await pools.AddAsync(record, cancellationToken);
                SetETag(request.HttpContext, added.ETag);
                return TypedResults.Created($"/api/pools/{poolId}", ToResource(record));
            }
            // With If-Match only the version the caller read may be replaced. The write is conditional on the version
            // access was decided on either way, so a change since then (a manager removed, say) is refused too.
            if (ifMatch.Length > 0 && ifMatch != "*" && !SameVersion(ifMatch, existing.ETag))
            {
                return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.",
                    "Someone else changed this pool since you read it; read it again and reapply your change.");
            }
            var updated = await pools.ReplaceAsync(existing, record, cancellationToken);
            SetETag(request.HttpContext, updated.ETag);
            return TypedResults.Ok(ToResource(record));
        }
        catch (StaleRecordException)
        {
            return Problems.Status(StatusCodes.Status412PreconditionFailed, "The pool has changed.",
                "Someone else changed this pool since you read it; read it again and reapply your change.");
        }
    }

    internal static Results<Ok<PoolResource>, ProblemHttpResult> GetPool(PoolInScope scope, HttpContext context)
    {
        if (scope.Pool is not { } pool)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not found.", detail: NotFoundDetail(scope.PoolId));
        }
        SetETag(context, pool.ETag);
        return TypedResults.Ok(ToResource(pool));
    }

    /// <summary>The same words whether the pool is missing or out of the caller's reach, so a 404 reveals nothing.</summary>
    public static string NotFoundDetail(string poolId) => $"There is no pool '{poolId}'.";

    private static PoolResource ToResource(PoolRecord pool) => new(
        pool.PoolId, pool.Name, pool.HostOrganisation, pool.Year.ToString(), pool.PartnerOrganisations, pool.PoolManagers, pool.AutoClose, pool.CreatedAt, pool.UpdatedAt);

    /// <summary>Compares an If-Match value with the stored version, ignoring the weak marker clients may drop.</summary>
    internal static bool SameVersion(string ifMatch, ETag stored) =>
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
