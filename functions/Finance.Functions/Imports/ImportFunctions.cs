using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Imports;

/// <summary>CSV upload of actuals, the imports' progress and files, and the timer that finishes unfinished imports.</summary>
public sealed partial class ImportFunctions(ImportService imports, ILogger<ImportFunctions> logger)
{
    public const string ResumeTimer = "ResumeImports";

    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream"];

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} unfinished import(s) resumed (past due: {IsPastDue})")]
    private static partial void Resumed(ILogger logger, int count, bool isPastDue);

    [Function("PostImport")]
    [Query("fileName")]
    [CsvRequest("pool", "line", "month", "amount", "reference", "memo", "effectiveAt", "kind")]
    [Access(Rule.UploadActuals)]
    [Summary("Upload a CSV of actuals (columns pool, line, month, amount, reference, memo; header row; UTF-8; comma or semicolon; up to 50,000 rows). Needs an Idempotency-Key. 202 with the import; 422 listing every problem; 409 naming the earlier import of the same bytes.")]
    [Responds(typeof(ImportResource), StatusCodes.Status202Accepted)]
    [Problems(400, 403, 404, 409, 413, 415, 422)]
    public async Task<IResult> PostImport(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/imports")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken)
    {
        var http = request.HttpContext;
        var (key, refusal) = IdempotencyKeys.Read(request);
        if (refusal is not null)
        {
            return Answers.Problem(refusal, http);
        }
        if (context.Pool().Pool is null)
        {
            return Answers.Problem(Refusal.NoPool(poolId), http);
        }
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not null && !CsvMediaTypes.Contains(mediaType))
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Not a CSV file.", "Send the file's bytes as the body with Content-Type: text/csv.");
        }
        byte[] bytes;
        try
        {
            bytes = await JsonBody.ReadBytesAsync(request, ImportService.MaxFileBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.Status == StatusCodes.Status400BadRequest ? Problems.Validation("", "The file is empty.") : e.ToResult();
        }
        var upload = new UploadRequest(RequestShape.Value(request, "fileName"), bytes, IdempotencyKeys.For(key!, request, bytes));
        return Answer(await imports.UploadAsync(context.Pool(), context.Caller(), upload, cancellationToken), http);
    }

    [Function("ResumeImport")]
    [Access(Rule.UploadActuals)]
    [Summary("Resume a failed import: post the rows that did not apply (a deliberate re-submission of them), exactly once, as a new attempt of the same import; no body. Needs an Idempotency-Key. 202 with the import; 409 naming its status unless it failed.")]
    [Responds(typeof(ImportResource), StatusCodes.Status202Accepted)]
    [Problems(400, 403, 404, 409)]
    public async Task<IResult> ResumeImport(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/imports/{importId}/resumption")] HttpRequest request, string poolId,
        string importId, FunctionContext context, CancellationToken cancellationToken)
    {
        var (key, refusal) = IdempotencyKeys.Read(request);
        if (refusal is not null)
        {
            return Answers.Problem(refusal, request.HttpContext);
        }
        var outcome = await imports.ResumeAsync(context.Pool(), context.Caller(), importId, IdempotencyKeys.For(key!, request, []), cancellationToken);
        return Answer(outcome, request.HttpContext);
    }

    [Function("GetImport")]
    [Access(Rule.ReadPool)]
    [Summary("An import's progress: status, rows applied of rows total, and, if it failed, why and which file rows applied (appliedRows) and which did not (unappliedRows).")]
    [Responds(typeof(ImportResource))]
    [Problems(404)]
    public async Task<IResult> GetImport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/imports/{importId}")] HttpRequest request, string poolId, string importId,
        FunctionContext context, CancellationToken cancellationToken) =>
        Answers.Of(await imports.GetAsync(context.Pool(), importId, cancellationToken), request.HttpContext);

    [Function("ListImports")]
    [Access(Rule.ReadPool)]
    [Summary("The pool's imports, newest first.")]
    [Responds(typeof(ImportList))]
    [Problems(404)]
    public async Task<IResult> ListImports(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/imports")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken) =>
        Answers.Of(await imports.ListAsync(context.Pool(), cancellationToken), request.HttpContext);

    [Function("GetImportFile")]
    [Access(Rule.ReadPool)]
    [Summary("The file exactly as uploaded.")]
    [Responds(null, ContentTypes = ["text/csv"])]
    [Problems(404)]
    public async Task<IResult> GetImportFile(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/imports/{importId}/file")] HttpRequest request, string poolId,
        string importId, FunctionContext context, CancellationToken cancellationToken)
    {
        var outcome = await imports.FileAsync(context.Pool(), importId, cancellationToken);
        if (outcome.Value is not { } bytes)
        {
            return Answers.Problem(outcome.Refusal!, request.HttpContext);
        }
        request.HttpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{importId}.csv\"";
        return TypedResults.Bytes(bytes, "text/csv");
    }

    /// <summary>An upload or resumption: the import (202, Location), marked when it repeats an Idempotency-Key.</summary>
    private static IResult Answer(Outcome<ImportAnswer> outcome, HttpContext http)
    {
        if (outcome.Value is { Replayed: true })
        {
            http.Response.Headers[Answers.ReplayedHeader] = "true";
        }
        return Answers.Of(outcome.Value is { } answer ? Outcome.Of(answer.Import, outcome.Done) with { Location = outcome.Location }
            : Outcome.Refuse<ImportResource>(outcome.Refusal!), http);
    }

    /// <summary>Every two minutes: an import whose instance went away is picked up by the next one awake.</summary>
    [Function(ResumeTimer)]
    public async Task ResumeImports([TimerTrigger("0 */2 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var count = await imports.ResumeUnfinishedAsync(cancellationToken);
        Resumed(logger, count, timer.IsPastDue);
    }
}
