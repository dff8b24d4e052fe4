using System.Globalization;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using Finance.Storage.Runs;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Closes;

/// <summary>When month end falls due: the configured working day after a month ends (weekends and bank holidays skipped).</summary>
public static class MonthEndSchedule
{
    /// <summary>The <paramref name="workingDay"/>th working day after <paramref name="month"/> ends.</summary>
    public static LocalDate DueDate(FinancialMonth month, int workingDay, IReadOnlySet<LocalDate> bankHolidays)
    {
        ArgumentNullException.ThrowIfNull(month);
        ArgumentOutOfRangeException.ThrowIfLessThan(workingDay, 1);
        var date = month.PeriodEnd;
        for (var counted = 0; counted < workingDay;)
        {
            date = date.PlusDays(1);
            if (date.DayOfWeek is not (IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) && !bankHolidays.Contains(date))
            {
                counted++;
            }
        }
        return date;
    }

    /// <summary>The month whose month end is due on <paramref name="today"/> or was due earlier this month (a late or
    /// repeated firing finds the same month); null before the due date.</summary>
    public static FinancialMonth? DueMonth(LocalDate today, int workingDay, IReadOnlySet<LocalDate> bankHolidays)
    {
        var previous = FinancialMonth.Containing(today).Previous;
        return today >= DueDate(previous, workingDay, bankHolidays) ? previous : null;
    }

    /// <summary>Reads Close__WorkingDay and Close__BankHolidays; a bad value is a start-up error, not a silent default.</summary>
    public static (int WorkingDay, IReadOnlySet<LocalDate> BankHolidays) FromConfiguration(IConfiguration configuration)
    {
        var dayText = configuration[AppSettings.CloseWorkingDay.Key];
        var workingDay = string.IsNullOrWhiteSpace(dayText) ? 5
            : int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out var day) && day is >= 1 and <= 20 ? day
            : throw new InvalidOperationException($"{AppSettings.CloseWorkingDay.Name} is '{dayText}'; use a working day from 1 to 20.");
        var holidays = new HashSet<LocalDate>();
        foreach (var text in (configuration[AppSettings.CloseBankHolidays.Key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parsed = LocalDatePattern.Iso.Parse(text);
            holidays.Add(parsed.Success ? parsed.Value
                : throw new InvalidOperationException($"{AppSettings.CloseBankHolidays.Name} holds '{text}', which is not a date written yyyy-MM-dd."));
        }
        return (workingDay, holidays);
    }
}

/// <summary>
/// The month-end timer (NCRONTAB <c>Close__Schedule</c>, default daily 06:00 UTC): once the configured working day after a
/// month end has come, it reconciles every pool of that month's year, closes those set to auto-close when nothing blocks,
/// and writes a run report to the reports container. A second or late firing (IsPastDue) finds the months closed and
/// changes nothing. The pool manager can run the same for one pool by hand.
/// </summary>
public static class MonthEnd
{
    public const string TimerName = "MonthEndClose";

    /// <summary>Who the timer's closes are recorded as.</summary>
    public const string SystemPrincipal = "month-end-timer";

    /// <summary>Pools the timer reconciles and closes at once.</summary>
    private const int PoolsAtOnce = 4;

    public static IEndpointRouteBuilder MapMonthEnd(this IEndpointRouteBuilder app)
    {
        app.MapTimerFunction(TimerName, $"%{AppSettings.CloseSchedule.Name}%", Timer);
        app.MapHttpFunction("RunMonthEnd", "POST", "pools/{poolId}/month-end", AuthLevel.Function, AccessRules.ClosePool, RunForPool)
            .WithSummary("Run month end for this pool now, as the timer would: reconcile the month due (or ?month=1-12), close it if the pool auto-closes and nothing blocks, and write a run report. Needs an Idempotency-Key.");
        app.MapHttpFunction("GetMonthEndRun", "GET", "month-end/runs/latest", AuthLevel.Function, AccessRules.ReadOperations, LatestRun)
            .WithSummary("The latest month-end run's report: each pool's findings and what was closed.");
        return app;
    }

    internal static async Task<TimerOutcome> Timer(TimerInvocation invocation, HttpContext context)
    {
        var services = context.RequestServices;
        var clock = services.GetRequiredService<IClock>();
        var (workingDay, holidays) = MonthEndSchedule.FromConfiguration(services.GetRequiredService<IConfiguration>());
        var today = LondonTime.DateOf(invocation.InvokedAt);
        var month = MonthEndSchedule.DueMonth(today, workingDay, holidays);
        if (month is null)
        {
            return new TimerOutcome([$"{today:yyyy-MM-dd}: month end not due (working day {workingDay} after {FinancialMonth.Containing(today).Previous} ends on {MonthEndSchedule.DueDate(FinancialMonth.Containing(today).Previous, workingDay, holidays):yyyy-MM-dd})."]);
        }
        var pools = (await services.GetRequiredService<PoolStore>().ListAsync(context.RequestAborted)).Where(p => p.Year == month.Year).ToList();
        // Pools are independent (one ledger partition each): a few at a time.
        var closes = services.GetRequiredService<CloseService>();
        var ordered = pools;
        var outcomes = new MonthEndPoolResult[ordered.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ordered.Count), new ParallelOptions { MaxDegreeOfParallelism = PoolsAtOnce, CancellationToken = context.RequestAborted },
            async (i, cancellationToken) => outcomes[i] = await RunPoolAsync(closes, ordered[i], month, cancellationToken));
        var results = outcomes.ToList();
        var report = new MonthEndReport(clock.GetCurrentInstant(), invocation.IsPastDue, "timer", month.ToString(),
            MonthEndSchedule.DueDate(month, workingDay, holidays), results);
        var name = await services.GetRequiredService<MonthEndReportStore>().WriteAsync(report, context.RequestAborted);
        return new TimerOutcome([$"Month end for {month}: {pools.Count} pool(s), {results.Count(r => r.Outcome == "closed")} closed, {results.Count(r => r.Blocking)} with blocking findings; report {name}."]);
    }

    internal static async Task<IResult> RunForPool(
        PoolInScope scope, HttpRequest request, CloseService closes, MonthEndReportStore reports, IClock clock, IConfiguration configuration, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        var (_, keyProblem) = Postings.LedgerResults.Key(request);
        if (keyProblem is not null)
        {
            return keyProblem;
        }
        if (scope.Pool is null)
        {
            return Problems.NotFound(PoolsApi.NotFoundDetail(scope.PoolId));
        }
        var year = scope.Pool.Year;
        FinancialMonth? month;
        var asked = request.Query["month"].ToString();
        if (asked.Length > 0)
        {
            if (!int.TryParse(asked, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 12)
            {
                return Problems.Validation("month", "month is 1 (April) to 12 (March).");
            }
            month = year.Month(number);
        }
        else
        {
            var (workingDay, holidays) = MonthEndSchedule.FromConfiguration(configuration);
            month = MonthEndSchedule.DueMonth(LondonTime.Today(clock), workingDay, holidays);
            if (month is null || month.Year != year)
            {
                return Problems.Status(StatusCodes.Status409Conflict, "No month end is due.", $"No month of {year} is due for month end today; name one with ?month=.");
            }
        }
        var result = await RunPoolAsync(closes, scope.Pool, month, cancellationToken);
        var report = new MonthEndReport(clock.GetCurrentInstant(), false, "manual", month.ToString(), null, [result]);
        await reports.WriteAsync(report, cancellationToken);
        return TypedResults.Json(result, json);
    }

    internal static async Task<IResult> LatestRun(MonthEndReportStore reports, CancellationToken cancellationToken) =>
        await reports.LatestAsync(cancellationToken) is { } bytes
            ? TypedResults.Bytes(bytes, "application/json")
            : Problems.NotFound("Month end has not run yet.");

    private static async Task<MonthEndPoolResult> RunPoolAsync(CloseService closes, PoolRecord pool, FinancialMonth month, CancellationToken cancellationToken)
    {
        if (!pool.AutoClose)
        {
            var report = await closes.ReconcileAsync(pool.PoolId, month, cancellationToken);
            return report is null
                ? new MonthEndPoolResult(pool.PoolId, month.ToString(), false, false, "missing", "The pool disappeared during the run.", [])
                : new MonthEndPoolResult(pool.PoolId, month.ToString(), false, report.HasBlocking, "reconciled", "Not set to auto-close: the pool manager closes it.",
                    report.Findings.Select(FindingRecord.From).ToList());
        }
        // A close reconciles first and refuses while anything blocks, so one call does both.
        var outcome = await closes.CloseAsync(pool, month, SystemPrincipal, null, cancellationToken);
        if (outcome is null)
        {
            return new MonthEndPoolResult(pool.PoolId, month.ToString(), true, false, "missing", "The pool disappeared during the run.", []);
        }
        var kind = outcome.Kind switch
        {
            CloseOutcomeKind.Closed => "closed",
            CloseOutcomeKind.AlreadyClosed => "already-closed",
            CloseOutcomeKind.Blocked => "blocked",
            var other => SetupJsonName(other),
        };
        var blocking = outcome.Findings.Any(f => f.Severity == "blocking");
        return new MonthEndPoolResult(pool.PoolId, month.ToString(), true, blocking, kind, outcome.Detail, outcome.Findings);
    }

    private static string SetupJsonName(CloseOutcomeKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());
}
