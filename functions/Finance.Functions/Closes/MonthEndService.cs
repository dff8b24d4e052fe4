using System.Globalization;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using Finance.Storage.Runs;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace Finance.Functions.Closes;

/// <summary>What one month-end run did, in a line for the log, and the report it wrote.</summary>
public sealed record MonthEndRun(string Summary, MonthEndReport? Report, string? ReportName);

/// <summary>
/// Month end, on a timer (NCRONTAB <c>Close__Schedule</c>, default daily 06:00 UTC) or by hand for one pool: once the
/// configured working day after a month end has come, it reconciles every pool of that month's year, closes those set to
/// auto-close when nothing blocks, and writes a run report to the reports container. A second or late firing (IsPastDue)
/// finds the months closed and changes nothing.
/// </summary>
public sealed class MonthEndService(PoolStore pools, CloseService closes, MonthEndReportStore reports, IConfiguration configuration, IClock clock)
{
    /// <summary>Who the timer's closes are recorded as.</summary>
    public const string SystemPrincipal = "month-end-timer";

    /// <summary>Pools reconciled and closed at once: pools are independent (one ledger partition each).</summary>
    private const int PoolsAtOnce = 4;

    /// <summary>The timer's run on <paramref name="today"/> (London's date): every pool of the month due, if one is due.</summary>
    public async Task<MonthEndRun> RunAsync(LocalDate today, bool isPastDue, CancellationToken cancellationToken)
    {
        var (workingDay, holidays) = MonthEndSchedule.FromConfiguration(configuration);
        var month = MonthEndSchedule.DueMonth(today, workingDay, holidays);
        if (month is null)
        {
            var previous = FinancialMonth.Containing(today).Previous;
            return new MonthEndRun(
                $"{today:yyyy-MM-dd}: month end not due (working day {workingDay} after {previous} ends on {MonthEndSchedule.DueDate(previous, workingDay, holidays):yyyy-MM-dd}).",
                null, null);
        }
        var due = (await pools.ListAsync(cancellationToken)).Where(p => p.Year == month.Year).ToList();
        var outcomes = new MonthEndPoolResult[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count), new ParallelOptions { MaxDegreeOfParallelism = PoolsAtOnce, CancellationToken = cancellationToken },
            async (i, ct) => outcomes[i] = await RunPoolAsync(due[i], month, ct));
        var report = new MonthEndReport(clock.GetCurrentInstant(), isPastDue, "timer", month.ToString(), MonthEndSchedule.DueDate(month, workingDay, holidays), outcomes);
        var name = await reports.WriteAsync(report, cancellationToken);
        return new MonthEndRun(
            $"Month end for {month}: {due.Count} pool(s), {outcomes.Count(r => r.Outcome == "closed")} closed, {outcomes.Count(r => r.Blocking)} with blocking findings; report {name}.",
            report, name);
    }

    /// <summary>Month end for one pool now, as the timer would: the month due today, or the one asked for.</summary>
    public async Task<Outcome<MonthEndPoolResult>> RunForPoolAsync(PoolInScope scope, string? monthText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is not { } pool)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        FinancialMonth? month;
        if (!string.IsNullOrEmpty(monthText))
        {
            if (!int.TryParse(monthText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 12)
            {
                return Refusal.Invalid("month", "month is 1 (April) to 12 (March).");
            }
            month = pool.Year.Month(number);
        }
        else
        {
            var (workingDay, holidays) = MonthEndSchedule.FromConfiguration(configuration);
            month = MonthEndSchedule.DueMonth(LondonTime.Today(clock), workingDay, holidays);
            if (month is null || month.Year != pool.Year)
            {
                return Refusal.Conflict("No month end is due.", $"No month of {pool.Year} is due for month end today; name one with ?month=.");
            }
        }
        var result = await RunPoolAsync(pool, month, cancellationToken);
        await reports.WriteAsync(new MonthEndReport(clock.GetCurrentInstant(), false, "manual", month.ToString(), null, [result]), cancellationToken);
        return Outcome.Of(result);
    }

    public Task<byte[]?> LatestReportAsync(CancellationToken cancellationToken) => reports.LatestAsync(cancellationToken);

    private async Task<MonthEndPoolResult> RunPoolAsync(PoolRecord pool, FinancialMonth month, CancellationToken cancellationToken)
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
            var other => JsonNamingPolicy.KebabCaseLower.ConvertName(other.ToString()),
        };
        return new MonthEndPoolResult(pool.PoolId, month.ToString(), true, outcome.Findings.Any(f => f.Severity == "blocking"), kind, outcome.Detail,
            outcome.Findings);
    }
}

/// <summary>The month-end timer, the manual run for one pool, and the latest run's report.</summary>
public sealed partial class MonthEndFunctions(MonthEndService monthEnd, IClock clock, ILogger<MonthEndFunctions> logger)
{
    public const string TimerName = "MonthEndClose";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Summary} (past due: {IsPastDue})")]
    private static partial void Ran(ILogger logger, string summary, bool isPastDue);

    /// <summary>The schedule is the app setting Close__Schedule (the host resolves %Close:Schedule% from it).</summary>
    [Function(TimerName)]
    public async Task MonthEndClose([TimerTrigger("%Close:Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var run = await monthEnd.RunAsync(LondonTime.Today(clock), timer.IsPastDue, cancellationToken);
        Ran(logger, run.Summary, timer.IsPastDue);
    }

    [Function("RunMonthEnd")]
    [Query("month")]
    [Access(Rule.ClosePool)]
    [Summary("Run month end for this pool now, as the timer would: reconcile the month due (or ?month=1-12), close it if the pool auto-closes and nothing blocks, and write a run report. Needs an Idempotency-Key.")]
    [Responds(typeof(MonthEndPoolResult))]
    [Problems(400, 404, 409)]
    public async Task<IResult> RunMonthEnd(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "pools/{poolId}/month-end")] HttpRequest request, string poolId, FunctionContext context,
        CancellationToken cancellationToken)
    {
        var (_, keyProblem) = IdempotencyKeys.Read(request);
        if (keyProblem is not null)
        {
            return Answers.Problem(keyProblem, request.HttpContext);
        }
        var month = RequestShape.Value(request, "month");
        return Answers.Of(await monthEnd.RunForPoolAsync(context.Pool(), month, cancellationToken), request.HttpContext);
    }

    [Function("GetMonthEndRun")]
    [Access(Rule.ReadOperations)]
    [Summary("The latest month-end run's report: each pool's findings and what was closed.")]
    [Responds(typeof(MonthEndReport))]
    [Problems(404)]
    public async Task<IResult> GetMonthEndRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "month-end/runs/latest")] HttpRequest request, CancellationToken cancellationToken) =>
        await monthEnd.LatestReportAsync(cancellationToken) is { } bytes
            ? TypedResults.Bytes(bytes, "application/json")
            : Problems.NotFound("Month end has not run yet.");
}
