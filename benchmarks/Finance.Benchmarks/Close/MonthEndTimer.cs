using System.Diagnostics;
using System.Text.Json;
using Finance.Benchmarks.Harness;
using Finance.Functions.Closes;
using Finance.LocalHost;

namespace Finance.Benchmarks.Close;

/// <summary>What one firing of the month-end timer took, and the summary line the worker logged for it (if found).</summary>
internal sealed record TimerFiring(TimeSpan Elapsed, InvocationOutcome Outcome, string? Summary);

/// <summary>
/// The month-end timer (<see cref="MonthEndFunctions.TimerName"/>) fired as the Functions host fires it: the local host
/// sends the worker an InvocationRequest with the TimerInfo (<see cref="FunctionsHost.InvokeTimerAsync"/>) and waits for
/// its InvocationResponse. The worker decides the month due from its own clock; one firing reconciles every pool of that
/// month's financial year, four at a time, and closes those set to auto-close. It answers nothing over HTTP: what it did
/// is in the run report (<c>GET /api/month-end/runs/latest</c>) and in one log line, which reaches only the host's log.
/// </summary>
internal sealed class MonthEndTimer(FunctionsHost host, ApiClient reader)
{
    private const string RunPath = "api/month-end/runs/latest";

    /// <summary>Fires the timer (not past due) and waits for the worker's answer; a failed invocation stops the run.</summary>
    public async Task<TimerFiring> FireAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var outcome = await host.InvokeTimerAsync(MonthEndFunctions.TimerName, isPastDue: false, cancellationToken);
        var elapsed = clock.Elapsed;
        if (outcome.Status != InvocationStatus.Succeeded)
        {
            throw new ApiCallFailedException(
                $"The {MonthEndFunctions.TimerName} timer ended {outcome.Status}: {outcome.FailureMessage}",
                string.Join('\n', host.RecentLogs.Where(l => l.InvocationId == outcome.InvocationId).Select(l => l.ToString())));
        }
        var summary = host.RecentLogs.LastOrDefault(l => l.InvocationId == outcome.InvocationId && l.Message.StartsWith("Month end", StringComparison.Ordinal));
        return new TimerFiring(elapsed, outcome, summary?.Message);
    }

    /// <summary>
    /// Checks that the firing closed exactly <paramref name="set"/>'s pools in <paramref name="month"/>: the run report
    /// is the timer's, of that period, and lists each pool of the set, and no other, as closed. The worker's date could
    /// differ from the plan's only if the run crossed London midnight into a day with another month due; then this says so.
    /// </summary>
    public async Task CheckClosedAsync(CloseSet set, CloseMonth month, TimerFiring firing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(month);
        ArgumentNullException.ThrowIfNull(firing);
        var answer = await reader.ExpectAsync(HttpMethod.Get, RunPath, null, [200], cancellationToken);
        var run = answer.Json();
        var period = run.TryGetProperty("period", out var p) ? p.GetString() : null;
        var trigger = run.TryGetProperty("trigger", out var t) ? t.GetString() : null;
        var pools = run.TryGetProperty("pools", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToDictionary(
                pool => pool.TryGetProperty("poolId", out var id) ? id.GetString() ?? "" : "",
                pool => pool.TryGetProperty("outcome", out var outcome) ? outcome.GetString() ?? "" : "",
                StringComparer.Ordinal)
            : [];
        var notClosed = set.Pools.Where(pool => !pools.TryGetValue(pool, out var outcome) || outcome != "closed").ToList();
        if (trigger != "timer" || period != month.Period || pools.Count != set.Pools.Count || notClosed.Count > 0)
        {
            throw new ApiCallFailedException(
                $"GET /{RunPath} after firing {MonthEndFunctions.TimerName}: a {trigger} run of {period} listing {pools.Count} pools, not the timer's "
                + $"run of {month.Period} closing {set.Name}; not closed: {string.Join(", ", notClosed.Take(10))}. The worker logged: {firing.Summary ?? "(no summary line)"}",
                answer.Body);
        }
    }
}
