using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Functions.Setup;
using Finance.Storage.Closes;
using Finance.Storage.Pools;

namespace Finance.Functions.Closes;

/// <summary>Month-end close by the pool manager: close, reopen, the chain of closes, its verification, and findings.</summary>
public static class ClosesApi
{
    public static IEndpointRouteBuilder MapClosesApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("CloseMonth", "POST", "pools/{poolId}/closes/{year}/{month}", AuthLevel.Function, AccessRules.ClosePool, CloseMonth)
            .WithSummary("Close a month: reconcile (blocking findings refuse it unless overrideReason is given), lock it, freeze its statement (JSON and CSV, written once, hash-chained). Closing twice changes nothing. Needs an Idempotency-Key.");
        app.MapHttpFunction("ReopenMonth", "POST", "pools/{poolId}/closes/{year}/{month}/reopen", AuthLevel.Function, AccessRules.ClosePool, ReopenMonth)
            .WithSummary("Reopen a closed month, with a reason; later months first. The frozen statement is kept and the reopening extends the chain. Needs an Idempotency-Key.");
        app.MapHttpFunction("ListCloses", "GET", "pools/{poolId}/closes/{year}", AuthLevel.Function, AccessRules.ReadPool, ListCloses)
            .WithSummary("The chain of closes and reopenings of a pool's year: who, when, why, and each link's SHA-256.");
        app.MapHttpFunction("VerifyCloses", "GET", "pools/{poolId}/closes/{year}/verify", AuthLevel.Function, AccessRules.ReadPool, VerifyCloses)
            .WithSummary("Recompute every frozen statement from the journal and check the hash chain; lists any difference or break.");
        app.MapHttpFunction("GetFindings", "GET", "pools/{poolId}/findings/{year}/{month}", AuthLevel.Function, AccessRules.ReadPool, GetFindings)
            .WithSummary("Reconciliation findings for a month as the ledger stands now: blocking first, with stable codes.");
        return app;
    }

    public sealed record CloseBody(string? OverrideReason = null);

    public sealed record ReopenBody(string? Reason);

    public sealed record LinkResource(
        int Seq, string Kind, int Month, string Period, NodaTime.Instant At, string By, string? Reason, string? OverrideReason, long LedgerSeq,
        string? PreviousSha256, string Sha256, string Blob, string? CsvBlob, long AccrualsReversedPence, IReadOnlyList<FindingRecord> Findings,
        YearEndRecord? YearEnd);

    internal static async Task<IResult> CloseMonth(
        string year, string month, Caller caller, PoolInScope scope, HttpRequest request, CloseService closes, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        // A close is idempotent by nature (closing a closed month changes nothing), so the key is required but not stored.
        var (_, keyProblem) = LedgerResults.Key(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }
        if (Month(scope, year, month) is not { } financialMonth)
        {
            return NotFound(scope, year);
        }
        CloseBody body = new();
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonBody.ReadAsync<CloseBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
            }
            catch (JsonBodyException e)
            {
                return e.ToResult();
            }
        }
        var errors = new FieldErrors();
        var overrideReason = errors.Text("overrideReason", body.OverrideReason, Finance.Domain.Limits.MaxTextLength);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var outcome = await closes.CloseAsync(scope.Pool!, financialMonth, caller.Id, overrideReason, cancellationToken);
        return Answer(outcome, scope, request.HttpContext);
    }

    internal static async Task<IResult> ReopenMonth(
        string year, string month, Caller caller, PoolInScope scope, HttpRequest request, CloseService closes, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        var (_, keyProblem) = LedgerResults.Key(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }
        if (Month(scope, year, month) is not { } financialMonth)
        {
            return NotFound(scope, year);
        }
        ReopenBody body;
        try
        {
            body = await JsonBody.ReadAsync<ReopenBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = new FieldErrors();
        var reason = errors.Text("reason", body.Reason, Finance.Domain.Limits.MaxTextLength, required: true);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var outcome = await closes.ReopenAsync(scope.Pool!, financialMonth, caller.Id, reason!, cancellationToken);
        return Answer(outcome, scope, request.HttpContext);
    }

    internal static async Task<IResult> ListCloses(string year, PoolInScope scope, CloseChain chain, CancellationToken cancellationToken)
    {
        if (Year(scope, year) is not { } financialYear)
        {
            return NotFound(scope, year);
        }
        var links = await chain.ReadAsync(scope.PoolId, financialYear, cancellationToken);
        return TypedResults.Ok(new { poolId = scope.PoolId, financialYear = financialYear.ToString(), links = links.Select(ToResource).ToList() });
    }

    internal static async Task<IResult> VerifyCloses(string year, PoolInScope scope, CloseService closes, CancellationToken cancellationToken)
    {
        if (Year(scope, year) is not { } financialYear || await closes.VerifyAsync(scope.PoolId, financialYear, cancellationToken) is not { } verification)
        {
            return NotFound(scope, year);
        }
        return TypedResults.Ok(new
        {
            verification.PoolId, verification.FinancialYear, verification.Links, verification.ClosesRecomputed, verification.Holds, verification.Problems,
        });
    }

    internal static async Task<IResult> GetFindings(string year, string month, PoolInScope scope, CloseService closes, CancellationToken cancellationToken)
    {
        if (Month(scope, year, month) is not { } financialMonth || await closes.ReconcileAsync(scope.PoolId, financialMonth, cancellationToken) is not { } report)
        {
            return NotFound(scope, year);
        }
        return TypedResults.Ok(new
        {
            poolId = scope.PoolId, period = financialMonth.ToString(), asAt = report.Period.AsAt, blocking = report.HasBlocking,
            findings = report.Findings.Select(FindingRecord.From).ToList(),
        });
    }

    public static LinkResource ToResource(StoredLink stored)
    {
        var l = stored.Link;
        return new LinkResource(
            l.Seq, SetupJson.Name(l.Kind), l.Month, $"{l.FinancialYear} M{l.Month}", l.At, l.By, l.Reason, l.OverrideReason, l.LedgerSeq,
            l.PreviousSha256, stored.Sha256, stored.BlobName, l.CsvBlob, l.AccrualsReversedPence, l.Findings, l.YearEnd);
    }

    private static IResult Answer(CloseOutcome? outcome, PoolInScope scope, HttpContext context)
    {
        if (outcome is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        return outcome.Kind switch
        {
            CloseOutcomeKind.Closed => TypedResults.Json(ToResource(outcome.Link!), statusCode: StatusCodes.Status201Created),
            CloseOutcomeKind.Reopened => TypedResults.Json(ToResource(outcome.Link!), statusCode: StatusCodes.Status201Created),
            CloseOutcomeKind.AlreadyClosed => TypedResults.Ok(ToResource(outcome.Link!)),
            CloseOutcomeKind.Blocked => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Blocking findings stand.", detail: outcome.Detail,
                extensions: new Dictionary<string, object?> { ["findings"] = outcome.Findings }),
            CloseOutcomeKind.NotEnded => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The month has not ended.", detail: outcome.Detail),
            CloseOutcomeKind.PreviousOpen => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The previous month is open.", detail: outcome.Detail),
            CloseOutcomeKind.YearEndImpossible => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The year cannot be closed yet.", detail: outcome.Detail),
            CloseOutcomeKind.LaterClosed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A later month is closed.", detail: outcome.Detail),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The month is not closed.", detail: outcome.Detail),
        };
    }

    private static FinancialYear? Year(PoolInScope scope, string year) => PoolPeriods.Year(scope.Pool, year);

    private static FinancialMonth? Month(PoolInScope scope, string year, string month) => PoolPeriods.Month(scope.Pool, year, month);

    private static IResult NotFound(PoolInScope scope, string year) => scope.Pool is null
        ? Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId))
        : Problems.NotFound($"Pool '{scope.PoolId}' is for {scope.Pool.Year}, not {year.Replace('-', '/')}.");
}
