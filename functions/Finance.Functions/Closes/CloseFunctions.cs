using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Pools;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Closes;

/// <summary>Month-end close by the pool manager: close, reopen, the chain of closes, its verification, and findings.</summary>
public sealed class CloseFunctions(CloseService closes, JsonSerializerOptions json)
{
    private const string Closes = "pools/{poolId}/closes/{year}";

    public sealed record CloseBody(string? OverrideReason = null);

    public sealed record ReopenBody(string? Reason);

    public sealed record ChainResource(string PoolId, string FinancialYear, IReadOnlyList<LinkResource> Links);

    public sealed record VerificationResource(string PoolId, string FinancialYear, int Links, int ClosesRecomputed, bool Holds, IReadOnlyList<string> Problems);

    public sealed record FindingsResource(string PoolId, string Period, NodaTime.Instant AsAt, bool Blocking, IReadOnlyList<FindingRecord> Findings);

    public sealed record LinkResource(
        int Seq, string Kind, int Month, string Period, NodaTime.Instant At, string By, string? Reason, string? OverrideReason, long LedgerSeq,
        string? PreviousSha256, string Sha256, string Blob, string? CsvBlob, long AccrualsReversedPence, IReadOnlyList<FindingRecord> Findings,
        YearEndRecord? YearEnd);

    [Function("CloseMonth")]
    [JsonRequest(typeof(CloseBody), Optional = true)]
    [Access(Rule.ClosePool)]
    [Summary("Close a month: reconcile (blocking findings refuse it unless overrideReason is given), lock it, freeze its statement (JSON and CSV, written once, hash-chained). Closing twice changes nothing. Needs an Idempotency-Key.")]
    [Responds(typeof(LinkResource), StatusCodes.Status201Created)]
    [Responds(typeof(LinkResource))]
    [Problems(400, 404, 409, 413, 415)]
    public async Task<IResult> CloseMonth(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Closes + "/{month}")] HttpRequest request, string poolId, string year, string month,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var scope = context.Pool();
        var (financialMonth, refused) = KeyAndMonth(request, scope, year, month);
        if (refused is not null)
        {
            return refused;
        }
        CloseBody body = new();
        if (RequestShape.HasBody(request))
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
        var outcome = await closes.CloseAsync(scope.Pool!, financialMonth!, context.Caller().Id, overrideReason, cancellationToken);
        return Answer(outcome, scope);
    }

    [Function("ReopenMonth")]
    [JsonRequest(typeof(ReopenBody))]
    [Access(Rule.ClosePool)]
    [Summary("Reopen a closed month, with a reason; later months first. The frozen statement is kept and the reopening extends the chain. Needs an Idempotency-Key.")]
    [Responds(typeof(LinkResource), StatusCodes.Status201Created)]
    [Problems(400, 404, 409, 413, 415)]
    public async Task<IResult> ReopenMonth(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = Closes + "/{month}/reopen")] HttpRequest request, string poolId, string year,
        string month, FunctionContext context, CancellationToken cancellationToken)
    {
        var scope = context.Pool();
        var (financialMonth, refused) = KeyAndMonth(request, scope, year, month);
        if (refused is not null)
        {
            return refused;
        }
        var read = await JsonBody.ReadOrRefuseAsync<ReopenBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        var errors = new FieldErrors();
        var reason = errors.Text("reason", body.Reason, Finance.Domain.Limits.MaxTextLength, required: true);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var outcome = await closes.ReopenAsync(scope.Pool!, financialMonth!, context.Caller().Id, reason!, cancellationToken);
        return Answer(outcome, scope);
    }

    /// <summary>
    /// What close and reopen check first: the Idempotency-Key (required; closing and reopening are idempotent by nature,
    /// so it is not stored) and the month, in the pool's year. A refusal to answer with, or the month.
    /// </summary>
    private static (FinancialMonth? Month, IResult? Refused) KeyAndMonth(HttpRequest request, PoolInScope scope, string year, string month)
    {
        var (_, keyProblem) = IdempotencyKeys.Read(request);
        if (keyProblem is not null)
        {
            return (null, Answers.Problem(keyProblem, request.HttpContext));
        }
        return Month(scope, year, month) is { } financialMonth ? (financialMonth, null) : (null, NotFound(scope, year));
    }

    [Function("ListCloses")]
    [Access(Rule.ReadPool)]
    [Summary("The chain of closes and reopenings of a pool's year: who, when, why, and each link's SHA-256.")]
    [Responds(typeof(ChainResource))]
    [Problems(404)]
    public async Task<IResult> ListCloses(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Closes)] HttpRequest request, string poolId, string year, FunctionContext context,
        CancellationToken cancellationToken)
    {
        var scope = context.Pool();
        if (Year(scope, year) is not { } financialYear)
        {
            return NotFound(scope, year);
        }
        var links = await closes.ChainAsync(scope.PoolId, financialYear, cancellationToken);
        return TypedResults.Ok(new ChainResource(scope.PoolId, financialYear.ToString(), links.Select(ToResource).ToList()));
    }

    [Function("VerifyCloses")]
    [Access(Rule.ReadPool)]
    [Summary("Recompute every frozen statement from the journal and check the hash chain; lists any difference or break.")]
    [Responds(typeof(VerificationResource))]
    [Problems(404)]
    public async Task<IResult> VerifyCloses(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = Closes + "/verify")] HttpRequest request, string poolId, string year,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var scope = context.Pool();
        if (Year(scope, year) is not { } financialYear || await closes.VerifyAsync(scope.PoolId, financialYear, cancellationToken) is not { } verification)
        {
            return NotFound(scope, year);
        }
        return TypedResults.Ok(new VerificationResource(
            verification.PoolId, verification.FinancialYear, verification.Links, verification.ClosesRecomputed, verification.Holds, verification.Problems));
    }

    [Function("GetFindings")]
    [Access(Rule.ReadPool)]
    [Summary("Reconciliation findings for a month as the ledger stands now: blocking first, with stable codes.")]
    [Responds(typeof(FindingsResource))]
    [Problems(404)]
    public async Task<IResult> GetFindings(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/findings/{year}/{month}")] HttpRequest request, string poolId,
        string year, string month, FunctionContext context, CancellationToken cancellationToken)
    {
        var scope = context.Pool();
        if (Month(scope, year, month) is not { } financialMonth || await closes.ReconcileAsync(scope.PoolId, financialMonth, cancellationToken) is not { } report)
        {
            return NotFound(scope, year);
        }
        return TypedResults.Ok(new FindingsResource(
            scope.PoolId, financialMonth.ToString(), report.Period.AsAt, report.HasBlocking, report.Findings.Select(FindingRecord.From).ToList()));
    }

    public static LinkResource ToResource(StoredLink stored)
    {
        var l = stored.Link;
        return new LinkResource(
            l.Seq, SetupJson.Name(l.Kind), l.Month, $"{l.FinancialYear} M{l.Month}", l.At, l.By, l.Reason, l.OverrideReason, l.LedgerSeq,
            l.PreviousSha256, stored.Sha256, stored.BlobName, l.CsvBlob, l.AccrualsReversedPence, l.Findings, l.YearEnd);
    }

    private static IResult Answer(CloseOutcome? outcome, PoolInScope scope)
    {
        if (outcome is null)
        {
            return Problems.NotFound($"There is no pool '{scope.PoolId}'.");
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
            CloseOutcomeKind.NextYearDepends => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Next year depends on this year end.", detail: outcome.Detail),
            CloseOutcomeKind.LaterClosed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A later month is closed.", detail: outcome.Detail),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The month is not closed.", detail: outcome.Detail),
        };
    }

    private static FinancialYear? Year(PoolInScope scope, string year) => PoolPeriods.Year(scope.Pool, year);

    private static FinancialMonth? Month(PoolInScope scope, string year, string month) => PoolPeriods.Month(scope.Pool, year, month);

    private static IResult NotFound(PoolInScope scope, string year) => scope.Pool is null
        ? Problems.NotFound($"There is no pool '{scope.PoolId}'.")
        : Problems.NotFound($"Pool '{scope.PoolId}' is for {scope.Pool.Year}, not {year.Replace('-', '/')}.");
}
