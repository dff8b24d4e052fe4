using System.Security.Cryptography;
using System.Text;
using Finance.Domain.Ledger;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Storage;
using Finance.Storage.Imports;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Imports;

/// <summary>
/// CSV upload of a month's actuals. The whole file is checked first; any problem refuses it with every problem listed
/// (row, column, value, reason) and nothing is stored or posted. A valid file is kept as uploaded in the imports
/// container and becomes an import resource that applies in the background, chunk by chunk, exactly once.
/// </summary>
public static class ImportsApi
{
    /// <summary>The largest file accepted: 50,000 rows of a typical export are about 4 MB.</summary>
    public const int MaxFileBytes = (int)FunctionApp.MaxRequestBodyBytes;

    public const string ResumeTimer = "ResumeImports";

    /// <summary>Every two minutes: an import whose instance went away is picked up by the next one awake.</summary>
    public const string ResumeSchedule = "0 */2 * * * *";

    private static readonly string[] CsvMediaTypes = ["text/csv", "application/csv", "text/plain", "application/vnd.ms-excel", "application/octet-stream"];

    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PostImport", "POST", "pools/{poolId}/imports", AuthLevel.Function, AccessRules.UploadActuals, PostImport)
            .WithSummary("Upload a CSV of actuals (columns pool, line, month, amount, reference, memo; header row; UTF-8; comma or semicolon; up to 50,000 rows). Needs an Idempotency-Key. 202 with the import; 422 listing every problem.");
        app.MapHttpFunction("GetImport", "GET", "pools/{poolId}/imports/{importId}", AuthLevel.Function, AccessRules.ReadPool, GetImport)
            .WithSummary("An import's progress: status, rows applied of rows total, and why it failed if it did.");
        app.MapHttpFunction("ListImports", "GET", "pools/{poolId}/imports", AuthLevel.Function, AccessRules.ReadPool, ListImports)
            .WithSummary("The pool's imports, newest first.");
        app.MapHttpFunction("GetImportFile", "GET", "pools/{poolId}/imports/{importId}/file", AuthLevel.Function, AccessRules.ReadPool, GetImportFile)
            .WithSummary("The file exactly as uploaded.");
        app.MapTimerFunction(ResumeTimer, ResumeSchedule, ResumeImports);
        return app;
    }

    public sealed record ImportResource(
        string ImportId, string PoolId, string Status, string FileName, long Bytes, string FileSha256, string UploadedBy, Instant UploadedAt,
        int RowsTotal, int RowsApplied, int ChunksTotal, int ChunksApplied, long NetPence, Instant? FinishedAt, string? Failure);

    public sealed record CsvProblemResource(int Row, string Column, string? Value, string Reason);

    internal static async Task<IResult> PostImport(
        Caller caller, PoolInScope scope, HttpRequest request, PostingService postings, ImportRunner runner, ImportWorker worker, ImportStore imports,
        Finance.Storage.Ledger.LedgerRepository ledger, IClock clock, CancellationToken cancellationToken)
    {
        var (key, keyProblem) = LedgerResults.Key(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not null && !CsvMediaTypes.Contains(mediaType))
        {
            return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Not a CSV file.", "Send the file's bytes as the body with Content-Type: text/csv.");
        }
        var fileName = request.Query["fileName"].ToString();
        if (fileName.Length > 200 || fileName.Any(c => char.IsControl(c) || c is '/' or '\\'))
        {
            return Problems.Validation("fileName", "fileName is at most 200 characters, without slashes or control characters.");
        }
        fileName = fileName.Length == 0 ? "upload.csv" : fileName;
        byte[] bytes;
        try
        {
            bytes = await JsonBody.ReadBytesAsync(request, MaxFileBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.Status == StatusCodes.Status400BadRequest ? Problems.Validation("", "The file is empty.") : e.ToResult();
        }
        var hash = LedgerResults.RequestHash(request, bytes);
        var importId = ImportId(scope.PoolId, caller.Id, key!);
        await postings.EnsureCreatedAsync(cancellationToken);
        if (await Repeat(runner, scope.PoolId, importId, hash, request.HttpContext, cancellationToken) is { } repeat)
        {
            return repeat;
        }

        var setup = await postings.SetupAsync(scope.Pool, cancellationToken);
        if (setup is null)
        {
            return LedgerResults.RetryLater(request.HttpContext);
        }
        var (stored, ledgerSetup) = setup.Value;
        var context = new ActualsCsvContext(scope.PoolId, ledgerSetup.Pool.Year, stored.Lines.Select(l => l.LineId).ToHashSet(StringComparer.Ordinal));
        ActualsCsvResult parsed;
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            parsed = ActualsCsv.Parse(stream, context);
        }
        if (!parsed.IsValid)
        {
            return Refused(StatusCodes.Status422UnprocessableEntity, "The file was not accepted; nothing was posted.",
                $"{parsed.ProblemCount} problem(s) in {parsed.DataRows} data row(s). Correct them all and upload the file again.", parsed.Problems, parsed.ProblemCount);
        }
        var forbidden = parsed.Rows
            .Select(r => (Row: r, Refusal: PoolAccess.MayPost(caller, stored.Pool.Parties, EntryKind.Actual, stored.Line(r.Line)?.Host)))
            .Where(x => x.Refusal is not null)
            .Select(x => new CsvProblem(x.Row.Row, "line", x.Row.Line, x.Refusal!))
            .ToList();
        if (forbidden.Count > 0)
        {
            return Refused(StatusCodes.Status403Forbidden, "Rows for lines you may not post to; nothing was posted.",
                $"{forbidden.Count} row(s) are for lines hosted by an organisation you are not a finance lead of.", forbidden.Take(ActualsCsv.MaxProblemsListed).ToList(), forbidden.Count);
        }

        // A closed month refuses the whole file now, rather than part of it later.
        var head = await ledger.ReadHeadAsync(ledgerSetup.Partition, cancellationToken);
        if (parsed.Rows.Select(r => r.Month).Distinct().Where(head.IsClosed).Order().FirstOrDefault() is { } closed)
        {
            return LedgerResults.MonthClosed(closed,
                $"{closed} ({closed.Name}) is closed: the file has rows for it (the first is row {parsed.Rows.First(r => r.Month == closed).Row}). Post corrections in an open month.");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var blobName = $"{scope.PoolId}/{importId}.csv";
        try
        {
            await imports.WriteFileOnceAsync(blobName, bytes, new Dictionary<string, string> { ["sha256"] = sha, ["uploadedby"] = caller.Id, ["pool"] = scope.PoolId },
                cancellationToken);
        }
        catch (BlobConflictException)
        {
            // Written by an earlier try of this very request (the import id comes from the key) with other bytes.
            return LedgerResults.Refusal(new Finance.Storage.Ledger.IdempotencyConflictException(), request.HttpContext)!;
        }

        var record = new ImportRecord(
            scope.PoolId, importId, ImportStatus.Applying, fileName, blobName, sha, bytes.LongLength, hash, key!, caller.Id,
            Instant.FromUnixTimeTicks(clock.GetCurrentInstant().ToUnixTimeTicks()), parsed.Rows.Count, 0, 0, 0, 0, null, null, null, default);
        // The runner cuts the same entries into the same chunks (the split is deterministic), so the total is known now.
        record = record with
        {
            ChunksTotal = Finance.Storage.Ledger.PostingSize.Split(ImportRunner.Entries(record, bytes, stored, ledgerSetup, out _)!, withIdempotency: true).Count,
        };
        if (!await imports.TryAddAsync(record, cancellationToken))
        {
            // A concurrent repeat of the same request got in first.
            return await Repeat(runner, scope.PoolId, importId, hash, request.HttpContext, cancellationToken) ?? LedgerResults.RetryLater(request.HttpContext);
        }
        worker.Enqueue(scope.PoolId, importId);
        request.HttpContext.Response.Headers.Location = $"/api/pools/{scope.PoolId}/imports/{importId}";
        return TypedResults.Json(ToResource(record), statusCode: StatusCodes.Status202Accepted);
    }

    internal static async Task<IResult> GetImport(string importId, PoolInScope scope, ImportRunner runner, ImportWorker worker, IClock clock, CancellationToken cancellationToken)
    {
        if (scope.Pool is null || await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
        {
            return Problems.NotFound($"Pool '{scope.PoolId}' has no import '{importId}'.");
        }
        if (record.Status == ImportStatus.Applying && (record.LeaseUntil is null || record.LeaseUntil < clock.GetCurrentInstant()))
        {
            worker.Enqueue(scope.PoolId, importId); // its runner has gone quiet (a restart): carry on here
        }
        return TypedResults.Ok(ToResource(record));
    }

    internal static async Task<IResult> ListImports(PoolInScope scope, ImportStore imports, CancellationToken cancellationToken) =>
        scope.Pool is null
            ? Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId))
            : TypedResults.Ok(new { imports = (await imports.ListAsync(scope.PoolId, cancellationToken)).Select(ToResource).ToList() });

    internal static async Task<IResult> GetImportFile(string importId, PoolInScope scope, ImportRunner runner, ImportStore imports, HttpContext context, CancellationToken cancellationToken)
    {
        if (scope.Pool is null || await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
        {
            return Problems.NotFound($"Pool '{scope.PoolId}' has no import '{importId}'.");
        }
        var bytes = await imports.ReadFileAsync(record, cancellationToken);
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{importId}.csv\"";
        return TypedResults.Bytes(bytes, "text/csv");
    }

    internal static async Task<TimerOutcome> ResumeImports(TimerInvocation invocation, HttpContext context)
    {
        var runner = context.RequestServices.GetRequiredService<ImportRunner>();
        var unfinished = await runner.UnfinishedAsync(context.RequestAborted);
        // Run them within the invocation, so the host keeps this instance alive until they are done or the timeout.
        foreach (var (poolId, importId) in unfinished)
        {
            await runner.RunAsync(poolId, importId, context.RequestAborted);
        }
        return new TimerOutcome([$"{unfinished.Count} unfinished import(s) resumed (past due: {invocation.IsPastDue})."]);
    }

    /// <summary>An import's id: from the pool, the uploader and their Idempotency-Key, so a repeat finds the first.</summary>
    public static string ImportId(string poolId, string principal, string key) =>
        "imp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{poolId}\n{principal}\n{key}")))[..24];

    public static ImportResource ToResource(ImportRecord r) => new(
        r.ImportId, r.PoolId, SetupJson.Name(r.Status), r.FileName, r.Bytes, r.FileSha256, r.UploadedBy, r.UploadedAt, r.RowsTotal, r.RowsApplied,
        r.ChunksTotal, r.ChunksApplied, r.NetPence, r.FinishedAt, r.Failure);

    private static async Task<IResult?> Repeat(ImportRunner runner, string poolId, string importId, string hash, HttpContext context, CancellationToken cancellationToken)
    {
        if (await runner.GetAsync(poolId, importId, cancellationToken) is not { } first)
        {
            return null;
        }
        if (!string.Equals(first.RequestHash, hash, StringComparison.Ordinal))
        {
            return LedgerResults.Refusal(new Finance.Storage.Ledger.IdempotencyConflictException(), context);
        }
        context.Response.Headers[LedgerResults.ReplayedHeader] = "true";
        context.Response.Headers.Location = $"/api/pools/{poolId}/imports/{importId}";
        return TypedResults.Json(ToResource(first), statusCode: StatusCodes.Status202Accepted);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refused(int status, string title, string detail, IReadOnlyList<CsvProblem> problems, int count) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?>
        {
            ["problemCount"] = count,
            ["problems"] = problems.Select(p => new CsvProblemResource(p.Row, p.Column, p.Value, p.Reason)).ToList(),
        });
}
