using System.Collections.Concurrent;
using System.Text.Json;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Storage.Closes;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Statements;

/// <summary>
/// The budget statement (JSON, CSV or Excel), the pool position and the organisation summary. Partners outside a pool
/// get 404, as for a pool that does not exist. Every answer carries an ETag; If-None-Match gives 304.
/// </summary>
public sealed class StatementFunctions(StatementService statements, RenderedStatements rendered, JsonSerializerOptions json)
{
    public const string CsvType = "text/csv";

    /// <summary>The most bytes of frozen statements' JSON kept; past it the cache starts again.</summary>
    private const long MaxFrozenJsonBytes = 16L * 1024 * 1024;

    /// <summary>A frozen statement never changes: its JSON is made once per form and kept (bounded).</summary>
    private static readonly ConcurrentDictionary<string, byte[]> FrozenJson = new(StringComparer.Ordinal);

    private static long frozenJsonBytes;

    private enum Format
    {
        Json,
        Csv,
        Xlsx,
    }

    [Function("GetStatement")]
    [Query("asAt", "knownAt", "pence", "format")]
    [Access(Rule.ReadPool)]
    [Summary("The budget statement to a month (year 2024-25, month 1-12): JSON, CSV or XLSX by Accept or ?format=json|csv|xlsx; ?asAt=<instant> for what had happened by then, ?knownAt=<instant> for only what had been recorded by then; ?pence=true for pounds and pence. ETag; If-None-Match gives 304.")]
    [Responds(typeof(StatementResource), ContentTypes = ["application/json", CsvType, StatementWorkbook.ContentType])]
    [Responds(null, StatusCodes.Status304NotModified)]
    [Problems(400, 404, 406)]
    public async Task<IResult> GetStatement(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/statements/{year}/{month}")] HttpRequest request, string poolId,
        string year, string month, FunctionContext context, CancellationToken cancellationToken)
    {
        var http = request.HttpContext;
        var (format, formatProblem) = ChooseFormat(request);
        if (formatProblem is not null)
        {
            return formatProblem;
        }
        var outcome = await statements.StatementAsync(context.Pool(), Period(request, year, month), cancellationToken);
        if (outcome.Value is not { } answer)
        {
            return Answers.Problem(outcome.Refusal!, http);
        }
        if (answer.Frozen is { } frozen)
        {
            return await ServeFrozenAsync(frozen, format, answer.WithPence, http, cancellationToken);
        }
        var view = answer.Drawn!;
        var etag = $"W/\"{view.Version}-{format}-{(answer.WithPence ? "p" : "w")}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.Vary = "Accept";
        if (MatchesIfNoneMatch(request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var statement = view.Value;
        var fileName = $"{statement.Pool}-{statement.Month.Year.StartYear}-{statement.Month.Year.EndYear % 100:00}-m{statement.Month.Number:00}";
        // As the ledger stands (not as at an instant, which is drawn for one paper), the same version renders the same
        // bytes for every reader: made once a second at most.
        var key = answer.AsItStands ? $"{context.Pool().PoolId}|{statement.Month.Year}|{etag}" : null;
        byte[] Render(Func<byte[]> render) => key is null ? render() : rendered.Get(key, render);
        switch (format)
        {
            case Format.Csv:
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.csv\"";
                return TypedResults.Bytes(Render(() => StatementCsv.Write(statement, answer.WithPence)), $"{CsvType}; charset=utf-8");
            case Format.Xlsx:
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.xlsx\"";
                return TypedResults.Bytes(Render(() => StatementWorkbook.Write(statement, answer.WithPence)), StatementWorkbook.ContentType);
            default:
                return TypedResults.Bytes(
                    Render(() => JsonSerializer.SerializeToUtf8Bytes(StatementResource.From(statement, view.MonthClosed, answer.WithPence), json)),
                    "application/json; charset=utf-8");
        }
    }

    [Function("GetPosition")]
    [Query("asAt", "knownAt", "pence")]
    [Access(Rule.ReadPool)]
    [Summary("The pool position to a month: each partner's contributions, share of spend and forecast, and share of the projected over- or underspend under the agreement. ?asAt= and ?knownAt= as for statements.")]
    [Responds(typeof(PositionResource))]
    [Responds(null, StatusCodes.Status304NotModified)]
    [Problems(400, 404)]
    public async Task<IResult> GetPosition(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "pools/{poolId}/positions/{year}/{month}")] HttpRequest request, string poolId,
        string year, string month, FunctionContext context, CancellationToken cancellationToken)
    {
        var outcome = await statements.PositionAsync(context.Pool(), Period(request, year, month), cancellationToken);
        if (outcome.Value is not { } answer)
        {
            return Answers.Problem(outcome.Refusal!, request.HttpContext);
        }
        var etag = $"W/\"{answer.View.Version}-position-{(answer.WithPence ? "p" : "w")}\"";
        request.HttpContext.Response.Headers.ETag = etag;
        if (MatchesIfNoneMatch(request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Json(PositionResource.From(answer.View.Value, answer.View.MonthClosed, answer.WithPence), json);
    }

    [Function("GetOrganisationPools")]
    [Query("month", "pence")]
    [Access(Rule.ReadOrganisations)]
    [Summary("Every pool an organisation is party to, one row each: budget, committed, spend, forecast, projected over/underspend and the organisation's share. Your own organisations only (auditors and administrators any). ?month=1-12.")]
    [Responds(typeof(OrganisationPoolsResource))]
    [Problems(400, 404)]
    public async Task<IResult> GetOrganisationPools(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "organisations/{organisationId}/pools")] HttpRequest request, string organisationId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var outcome = await statements.OrganisationPoolsAsync(organisationId, context.Caller(),
            RequestShape.Value(request, "month"), RequestShape.Value(request, "pence"), cancellationToken);
        return outcome.Value is { } pools ? TypedResults.Json(pools, json) : Answers.Problem(outcome.Refusal!, request.HttpContext);
    }

    private static PeriodRequest Period(HttpRequest request, string year, string month) =>
        new(year, month, RequestShape.Value(request, "asAt"), RequestShape.Value(request, "pence"), RequestShape.Value(request, "knownAt"));

    /// <summary>
    /// A closed month's statement from its frozen record (the board's record, written once at the close): JSON from the
    /// frozen statement, CSV as frozen, the workbook recomputed from the same entries (up to the lock, as at the close).
    /// The ETag is the frozen record's SHA-256, so it never changes while the month stays closed.
    /// </summary>
    private async Task<IResult> ServeFrozenAsync(StoredLink frozen, Format format, bool withPence, HttpContext http, CancellationToken cancellationToken)
    {
        var etag = $"\"{frozen.Sha256[..32]}-{format}-{(withPence ? "p" : "w")}\"";
        http.Response.Headers.ETag = etag;
        http.Response.Headers.Vary = "Accept";
        http.Response.Headers["X-Frozen-Statement"] = frozen.BlobName;
        if (MatchesIfNoneMatch(http.Request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var link = frozen.Link;
        var fileName = $"{link.PoolId}-{link.FinancialYear.Replace('/', '-')}-m{link.Month:00}-closed";
        switch (format)
        {
            case Format.Csv:
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.csv\"";
                return TypedResults.Bytes(await statements.FrozenCsvAsync(frozen, cancellationToken), $"{CsvType}; charset=utf-8");
            case Format.Xlsx:
                if (await statements.FrozenStatementAsync(frozen, cancellationToken) is not { } statement)
                {
                    return Problems.NotFound("The closed month's statement cannot be recomputed for a workbook.");
                }
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.xlsx\"";
                return TypedResults.Bytes(StatementWorkbook.Write(statement, withPence), StatementWorkbook.ContentType);
            default:
                var key = $"{frozen.BlobName}|{withPence}";
                if (!FrozenJson.TryGetValue(key, out var body))
                {
                    body = JsonSerializer.SerializeToUtf8Bytes(StatementResource.From(link.Statement!, withPence), json);
                    if (Interlocked.Add(ref frozenJsonBytes, body.Length) > MaxFrozenJsonBytes)
                    {
                        FrozenJson.Clear();
                        Interlocked.Exchange(ref frozenJsonBytes, body.Length);
                    }
                    FrozenJson[key] = body;
                }
                return TypedResults.Bytes(body, "application/json");
        }
    }

    /// <summary>Whether If-None-Match names this ETag (or is *): the answer is then 304.</summary>
    private static bool MatchesIfNoneMatch(HttpRequest request, string etag) =>
        request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*"));

    /// <summary>?format= wins over Accept; an unknown format is 400, an Accept nothing satisfies 406.</summary>
    private static (Format Format, IResult? Problem) ChooseFormat(HttpRequest request)
    {
        var asked = RequestShape.Value(request, "format") ?? "";
        if (asked.Length > 0)
        {
            switch (asked.ToLowerInvariant())
            {
                case "json":
                    return (Format.Json, null);
                case "csv":
                    return (Format.Csv, null);
                case "xlsx":
                    return (Format.Xlsx, null);
                default:
                    return (Format.Json, Problems.Validation("format", "format is json, csv or xlsx."));
            }
        }
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0)
        {
            return (Format.Json, null);
        }
        foreach (var type in accept.OrderByDescending(a => a.Quality ?? 1.0))
        {
            if (type.Quality == 0)
            {
                continue;
            }
            var media = type.MediaType.Value ?? "";
            if (media is "application/json" or "application/*" or "*/*" or "application/problem+json")
            {
                return (Format.Json, null);
            }
            if (media is CsvType or "text/*")
            {
                return (Format.Csv, null);
            }
            if (media == StatementWorkbook.ContentType)
            {
                return (Format.Xlsx, null);
            }
        }
        return (Format.Json, Problems.Status(StatusCodes.Status406NotAcceptable, "Not a format this API writes.",
            $"Statements are application/json, {CsvType} or {StatementWorkbook.ContentType} (or ?format=json|csv|xlsx)."));
    }
}
