using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks.Statement;

/// <summary>
/// The month-end close, if the app has one. It is looked for in the app's own OpenAPI document (every function is in it)
/// rather than assumed: a POST whose path names a close, ends with the month and takes a pool, a year and a month, such
/// as <c>/api/pools/{poolId}/closes/{year}/{month}</c> (not its <c>…/reopen</c>). So the benchmark runs against an app
/// with or without one; without one (or if it refuses), the closed-month run is still measured and labelled as served
/// like an open month.
/// </summary>
internal static partial class MonthClose
{
    public const string OpenApiPath = "api/openapi.json";

    /// <summary>A close that answers 202 is waited for this long (checking the statement's monthClosed).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Whether months were closed, and in a few words what happened (the route used, or why not).</summary>
    public sealed record Outcome(bool Closed, string Detail);

    /// <summary>The close route with the pool, year and month filled in (no leading slash), or null and why not.</summary>
    public static async Task<(Func<int, string>? Route, string Detail)> FindAsync(ApiClient client, string pool, string year, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var answer = await client.ExpectAsync(HttpMethod.Get, OpenApiPath, null, [200], cancellationToken);
        var paths = answer.Json().TryGetProperty("paths", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (paths.ValueKind != JsonValueKind.Object)
        {
            return (null, "the app's OpenAPI document lists no paths");
        }
        var candidates = paths.EnumerateObject()
            .Where(path => path.Name.Contains("close", StringComparison.OrdinalIgnoreCase)
                           && !path.Name.Contains("reopen", StringComparison.OrdinalIgnoreCase)
                           && path.Name.EndsWith('}')
                           && path.Value.ValueKind == JsonValueKind.Object && path.Value.TryGetProperty("post", out _))
            .Select(path => path.Name)
            .OrderBy(path => path.Length)
            .ToList();
        foreach (var template in candidates)
        {
            var names = Parameter().Matches(template).Select(m => m.Groups[1].Value).ToList();
            var poolName = names.FirstOrDefault(n => n.Contains("pool", StringComparison.OrdinalIgnoreCase));
            var yearName = names.FirstOrDefault(n => n.Contains("year", StringComparison.OrdinalIgnoreCase));
            var monthName = names.FirstOrDefault(n => n.Contains("month", StringComparison.OrdinalIgnoreCase));
            if (names.Count == 3 && poolName is not null && yearName is not null && monthName is not null)
            {
                return (month => template
                    .Replace($"{{{poolName}}}", Uri.EscapeDataString(pool), StringComparison.Ordinal)
                    .Replace($"{{{yearName}}}", year, StringComparison.Ordinal)
                    .Replace($"{{{monthName}}}", month.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .TrimStart('/'), $"POST {template}");
            }
        }
        return candidates.Count == 0
            ? (null, "no close function in the app yet")
            : (null, $"close function(s) found ({string.Join(", ", candidates)}) but none takes exactly a pool, a year and a month");
    }

    /// <summary>
    /// Closes months 1 to <paramref name="lastMonth"/> in order through <paramref name="route"/>, as the pool manager, with
    /// an empty JSON body; a month refused with 409 for blocking reconciliation findings is closed again with an
    /// <c>overrideReason</c> (the benchmark measures serving a closed month, not the reconciliation), and the findings'
    /// codes are reported. Then waits until <paramref name="isClosed"/> says the last is closed. A refusal is reported,
    /// not thrown: the benchmark measures what there is.
    /// </summary>
    public static async Task<Outcome> CloseAsync(
        ApiClient manager, Func<int, string> route, string routeDetail, int lastMonth, Func<CancellationToken, Task<bool>> isClosed,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(isClosed);
        var overridden = new SortedSet<string>(StringComparer.Ordinal);
        for (var month = 1; month <= lastMonth; month++)
        {
            var path = route(month);
            var answer = await manager.SendJsonAsync(HttpMethod.Post, path, new { }, cancellationToken);
            if (answer.Status == 409 && FindingCodes(answer) is { Count: > 0 } codes)
            {
                overridden.UnionWith(codes);
                answer = await manager.SendJsonAsync(HttpMethod.Post, path, new { overrideReason = OverrideReason }, cancellationToken);
            }
            if (answer.Status is not (200 or 201 or 202 or 204))
            {
                var body = answer.Body.Length > 300 ? answer.Body[..300] + "…" : answer.Body;
                return new Outcome(false, $"{routeDetail} refused month {month} with {answer.Status}: {body}");
            }
        }
        var overrides = overridden.Count == 0 ? "" : $" (blocking findings overridden: {string.Join(", ", overridden)})";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await isClosed(cancellationToken))
        {
            if (clock.Elapsed > MaxWait)
            {
                return new Outcome(false, $"{routeDetail} accepted months 1-{lastMonth} but month {lastMonth}'s statement was not closed after {MaxWait.TotalSeconds:0} s");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
        return new Outcome(true, $"months 1-{lastMonth} closed through {routeDetail}{overrides}");
    }

    /// <summary>Why the benchmark closes a month over blocking findings: it is in every close link's record.</summary>
    public const string OverrideReason = "Benchmark: measures serving a closed month's statement, not the reconciliation.";

    /// <summary>The codes of the findings a 409 lists (problem+json "findings": [{ "code": … }]); none for other conflicts.</summary>
    private static List<string> FindingCodes(ApiAnswer answer)
    {
        try
        {
            return answer.Json().TryGetProperty("findings", out var findings) && findings.ValueKind == JsonValueKind.Array
                ? [.. findings.EnumerateArray()
                    .Select(f => f.ValueKind == JsonValueKind.Object && f.TryGetProperty("code", out var code) ? code.GetString() : null)
                    .OfType<string>()
                    .Distinct(StringComparer.Ordinal)]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Parameter();
}
