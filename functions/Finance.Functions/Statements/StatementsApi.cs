using System.Globalization;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Functions.Setup;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Statements;

/// <summary>
/// What partners read: the budget statement (JSON, CSV or Excel), the pool position and, for an organisation, every
/// pool it is party to. Partners outside a pool get 404, as for a pool that does not exist.
/// </summary>
public static class StatementsApi
{
    public const string CsvType = "text/csv";

    public static IEndpointRouteBuilder MapStatementsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("GetStatement", "GET", "pools/{poolId}/statements/{year}/{month}", AuthLevel.Function, AccessRules.ReadPool, GetStatement)
            .WithSummary("The budget statement to a month (year 2024-25, month 1-12): JSON, CSV or XLSX by Accept or ?format=json|csv|xlsx; ?asAt=<instant> as the ledger stood then; ?pence=true for pounds and pence. ETag; If-None-Match gives 304.")
            .Produces<StatementResource>(StatusCodes.Status200OK, "application/json", CsvType, StatementWorkbook.ContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status406NotAcceptable);
        app.MapHttpFunction("GetPosition", "GET", "pools/{poolId}/positions/{year}/{month}", AuthLevel.Function, AccessRules.ReadPool, GetPosition)
            .WithSummary("The pool position to a month: each partner's contributions, share of spend and forecast, and share of the projected over- or underspend under the agreement. ?asAt= as for statements.")
            .Produces<PositionResource>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapHttpFunction("GetOrganisationPools", "GET", "organisations/{organisationId}/pools", AuthLevel.Function, AccessRules.ReadOrganisations, GetOrganisationPools)
            .WithSummary("Every pool an organisation is party to, one row each: budget, committed, spend, forecast, projected over/underspend and the organisation's share. Your own organisations only (auditors and administrators any). ?month=1-12.")
            .Produces<OrganisationPoolsResource>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public sealed record OrganisationPoolsResource(string OrganisationId, IReadOnlyList<PoolSummaryResource> Pools);

    private enum Format
    {
        Json,
        Csv,
        Xlsx,
    }

    internal static async Task<IResult> GetStatement(
        string year, string month, PoolInScope scope, HttpContext context, LedgerViews views, Closes.CloseService closes, IClock clock, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        var errors = new FieldErrors();
        var format = ChooseFormat(context.Request, errors, out var notAcceptable);
        if (notAcceptable is not null)
        {
            return notAcceptable;
        }
        var (financialMonth, asAt, withPence) = ReadPeriod(scope.Pool, year, month, context.Request, clock, errors, out var notFound);
        if (notFound is not null)
        {
            return notFound;
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var view = await views.StatementAsync(scope.Pool, financialMonth!, asAt, cancellationToken);
        if (view is null)
        {
            return LedgerResults.RetryLater(context);
        }
        if (view.MonthClosed && asAt is null && await closes.FrozenAsync(scope.PoolId, financialMonth!, cancellationToken) is { } frozen)
        {
            return await ServeFrozenAsync(frozen, format, withPence, context, closes, json, cancellationToken);
        }
        var etag = $"W/\"{view.Version}-{format}-{(withPence ? "p" : "w")}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.Vary = "Accept";
        if (MatchesIfNoneMatch(context.Request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var statement = view.Value;
        var fileName = $"{statement.Pool}-{statement.Month.Year.StartYear}-{statement.Month.Year.EndYear % 100:00}-m{statement.Month.Number:00}";
        switch (format)
        {
            case Format.Csv:
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.csv\"";
                return TypedResults.Bytes(StatementCsv.Write(statement, withPence), $"{CsvType}; charset=utf-8");
            case Format.Xlsx:
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.xlsx\"";
                return TypedResults.Bytes(StatementWorkbook.Write(statement, withPence), StatementWorkbook.ContentType);
            default:
                return TypedResults.Json(StatementResource.From(statement, view.MonthClosed, withPence), json);
        }
    }

    internal static async Task<IResult> GetPosition(
        string year, string month, PoolInScope scope, HttpContext context, LedgerViews views, IClock clock, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        var errors = new FieldErrors();
        var (financialMonth, asAt, withPence) = ReadPeriod(scope.Pool, year, month, context.Request, clock, errors, out var notFound);
        if (notFound is not null)
        {
            return notFound;
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var view = await views.PositionAsync(scope.Pool, financialMonth!, asAt, cancellationToken);
        if (view is null)
        {
            return LedgerResults.RetryLater(context);
        }
        var etag = $"W/\"{view.Version}-position-{(withPence ? "p" : "w")}\"";
        context.Response.Headers.ETag = etag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return TypedResults.Json(PositionResource.From(view.Value, view.MonthClosed, withPence), json);
    }

    internal static async Task<IResult> GetOrganisationPools(
        string organisationId, Caller caller, HttpRequest request, PoolStore poolStore, LedgerViews views, IClock clock, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        // Partners see their own organisations' pools; an organisation they do not belong to is "not found", as a pool is.
        if (!caller.Has(Role.Auditor) && !caller.Has(Role.Administrator) && !caller.Organisations.Contains(organisationId))
        {
            return Problems.NotFound($"There is no organisation '{organisationId}' among yours.");
        }
        var errors = new FieldErrors();
        int? month = null;
        if (request.Query["month"].Count > 0)
        {
            month = int.TryParse(request.Query["month"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? errors.Month("month", m) : null;
            if (month is null && !errors.Any)
            {
                errors.Add("month", "month is a number, 1 (April) to 12 (March).");
            }
        }
        var withPence = string.Equals(request.Query["pence"], "true", StringComparison.OrdinalIgnoreCase);
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var pools = (await poolStore.ListAsync(cancellationToken))
            .Where(pool => pool.Parties.Organisations.Contains(organisationId, StringComparer.Ordinal));
        var rows = new List<PoolSummaryResource>();
        foreach (var pool in pools)
        {
            var year = pool.Year;
            var financialMonth = year.Month(month ?? DefaultMonth(year, clock));
            if (await views.StatementAndPositionAsync(pool, financialMonth, cancellationToken) is not { } read)
            {
                continue; // changed while being read; the next read shows it
            }
            var s = read.Statement.Value;
            var p = read.Position.Value;
            var mine = p.Partners.FirstOrDefault(x => x.Partner.Value == organisationId);
            Amount A(Finance.Domain.Money.Pence value) => Amount.Of(value, withPence);
            rows.Add(new PoolSummaryResource(
                pool.PoolId, pool.Name, pool.Year.ToString(), financialMonth.Number, pool.HostOrganisation == organisationId ? "host" : "partner",
                A(s.Summary.TotalBudget), A(s.Summary.TotalCommitted), A(s.Totals.YtdTotal), A(s.Totals.ForecastOutturn),
                A(p.ProjectedOverspend), A(p.ProjectedUnderspend),
                A(mine?.Agreed ?? default), A(mine?.ShareOfOverspend ?? default), A(mine?.ShareOfUnderspendReturned ?? default)));
        }
        return TypedResults.Json(new OrganisationPoolsResource(organisationId, rows), json);
    }

    /// <summary>
    /// A closed month's statement from its frozen record (the board's record, written once at the close): JSON from the
    /// frozen statement, CSV as frozen, the workbook recomputed from the same entries (up to the lock, as at the close).
    /// The ETag is the frozen record's SHA-256, so it never changes while the month stays closed.
    /// </summary>
    private static async Task<IResult> ServeFrozenAsync(
        StoredLink frozen, Format format, bool withPence, HttpContext context, Closes.CloseService closes, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var etag = $"\"{frozen.Sha256[..32]}-{format}-{(withPence ? "p" : "w")}\"";
        context.Response.Headers.ETag = etag;
        context.Response.Headers.Vary = "Accept";
        context.Response.Headers["X-Frozen-Statement"] = frozen.BlobName;
        if (MatchesIfNoneMatch(context.Request, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var link = frozen.Link;
        var fileName = $"{link.PoolId}-{link.FinancialYear.Replace('/', '-')}-m{link.Month:00}-closed";
        switch (format)
        {
            case Format.Csv:
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.csv\"";
                return TypedResults.Bytes(await closes.FrozenCsvAsync(frozen, cancellationToken), $"{CsvType}; charset=utf-8");
            case Format.Xlsx:
                if (await closes.FrozenStatementAsync(frozen, cancellationToken) is not { } statement)
                {
                    return Problems.NotFound("The closed month's statement cannot be recomputed for a workbook.");
                }
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}.xlsx\"";
                return TypedResults.Bytes(StatementWorkbook.Write(statement, withPence), StatementWorkbook.ContentType);
            default:
                // A frozen statement never changes: its JSON is made once per form and kept (bounded).
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

    /// <summary>The most bytes of frozen statements' JSON kept; past it the cache starts again.</summary>
    private const long MaxFrozenJsonBytes = 16L * 1024 * 1024;

    private static long frozenJsonBytes;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> FrozenJson = new(StringComparer.Ordinal);

    /// <summary>The month a summary shows when none is asked for: this month in the current year, else the year's last (or first).</summary>
    private static int DefaultMonth(FinancialYear year, IClock clock)
    {
        var today = LondonTime.Today(clock);
        return year.Contains(today) ? FinancialMonth.Containing(today).Number : today > year.LastDay ? 12 : 1;
    }

    /// <summary>Whether If-None-Match names this ETag (or is *): the answer is then 304.</summary>
    private static bool MatchesIfNoneMatch(HttpRequest request, string etag) =>
        request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*"));

    /// <summary>The month, as-at and pence flag of a statement or position request; a year the pool is not for is 404.</summary>
    private static (FinancialMonth? Month, Instant? AsAt, bool WithPence) ReadPeriod(
        PoolRecord pool, string year, string month, HttpRequest request, IClock clock, FieldErrors errors, out IResult? notFound)
    {
        notFound = null;
        if (PoolPeriods.Month(pool, year, month) is not { } financialMonth)
        {
            notFound = Problems.NotFound($"Pool '{pool.PoolId}' is for {pool.Year}; it has no statements for {year.Replace('-', '/')}.");
            return (null, null, false);
        }
        var poolYear = financialMonth.Year;
        Instant? asAt = null;
        var asAtText = request.Query["asAt"].ToString();
        if (asAtText.Length > 0)
        {
            var parsed = InstantPattern.ExtendedIso.Parse(asAtText);
            var offset = OffsetDateTimePattern.ExtendedIso.Parse(asAtText);
            var yearStart = LondonTime.StartOfDay(poolYear.FirstDay);
            var value = parsed.Success ? parsed.Value : offset.Success ? offset.Value.ToInstant() : (Instant?)null;
            if (value is null)
            {
                errors.Add("asAt", "asAt is an instant such as 2024-12-12T09:30:00Z (or with an offset, +01:00).");
            }
            else if (value > clock.GetCurrentInstant())
            {
                errors.Add("asAt", $"asAt {value} is in the future; the ledger cannot say how it will stand then.");
            }
            else if (value < yearStart)
            {
                errors.Add("asAt", $"asAt {value} is before {poolYear} began ({LondonTime.Format(yearStart)}).");
            }
            else
            {
                asAt = Instant.FromUnixTimeTicks(value.Value.ToUnixTimeTicks());
            }
        }
        var pence = request.Query["pence"].ToString();
        if (pence.Length > 0 && pence is not ("true" or "false"))
        {
            errors.Add("pence", "pence is true or false.");
        }
        return (financialMonth, asAt, pence == "true");
    }

    /// <summary>?format= wins over Accept; an unknown format is 400, an Accept nothing satisfies 406.</summary>
    private static Format ChooseFormat(HttpRequest request, FieldErrors errors, out IResult? notAcceptable)
    {
        notAcceptable = null;
        var asked = request.Query["format"].ToString();
        if (asked.Length > 0)
        {
            switch (asked.ToLowerInvariant())
            {
                case "json":
                    return Format.Json;
                case "csv":
                    return Format.Csv;
                case "xlsx":
                    return Format.Xlsx;
                default:
                    errors.Add("format", "format is json, csv or xlsx.");
                    return Format.Json;
            }
        }
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0)
        {
            return Format.Json;
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
                return Format.Json;
            }
            if (media is CsvType or "text/*")
            {
                return Format.Csv;
            }
            if (media == StatementWorkbook.ContentType)
            {
                return Format.Xlsx;
            }
        }
        notAcceptable = Problems.Status(StatusCodes.Status406NotAcceptable, "Not a format this API writes.",
            $"Statements are application/json, {CsvType} or {StatementWorkbook.ContentType} (or ?format=json|csv|xlsx).");
        return Format.Json;
    }
}
