using System.Globalization;
using System.Text;
using System.Text.Json;
using Finance.Benchmarks.Harness;
using Finance.Functions.Closes;

namespace Finance.Benchmarks.Close;

/// <summary>
/// The month-end timer fired as the Functions host fires it: a POST to <c>/MonthEndClose</c> (outside <c>/api</c>, no
/// token) with the host's invocation payload, whose <c>Metadata.sys.UtcNow</c> decides the month due. One firing
/// reconciles every pool of that month's financial year, one after another, and closes those set to auto-close.
/// </summary>
internal sealed class MonthEndTimer : IDisposable
{
    /// <summary>One firing closes every pool of a year in one request; longer than this and it has hung.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(15);

    private readonly HttpClient http;

    public MonthEndTimer(Uri baseAddress)
    {
        http = new HttpClient { BaseAddress = baseAddress, Timeout = RequestTimeout };
    }

    /// <summary>Fires the timer with <paramref name="utcNow"/> as the host's clock; returns its one log line. Anything but
    /// 200 with the invocation envelope stops the run.</summary>
    public async Task<string> FireAsync(string utcNow, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Serialize(new { Data = new { timer = new { IsPastDue = false } }, Metadata = new { sys = new { UtcNow = utcNow } } });
        using var content = new StringContent(payload, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(MonthEnd.TimerName, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiCallFailedException($"POST /{MonthEnd.TimerName} (UtcNow {utcNow}) answered {(int)response.StatusCode}.", body);
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("Logs", out var logs) && logs.ValueKind == JsonValueKind.Array && logs.GetArrayLength() > 0
                ? logs[0].GetString() ?? ""
                : throw new ApiCallFailedException($"POST /{MonthEnd.TimerName} answered without a log line.", body);
        }
        catch (JsonException e)
        {
            throw new ApiCallFailedException($"POST /{MonthEnd.TimerName} answered something other than the invocation envelope: {e.Message}", body);
        }
    }

    /// <summary>
    /// Checks that the firing closed exactly <paramref name="set"/>'s pools: its log line says "N pool(s), N closed" and
    /// the run report (<c>GET /api/month-end/runs/latest</c>) lists each pool as closed, for month 1 of the set's year.
    /// </summary>
    public static async Task CheckClosedAsync(ApiClient reader, CloseSet set, string log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(set);
        var expected = string.Create(CultureInfo.InvariantCulture, $"{set.Pools.Count} pool(s), {set.Pools.Count} closed");
        if (!log.Contains($"{set.Year.Text} M1", StringComparison.Ordinal) || !log.Contains(expected, StringComparison.Ordinal))
        {
            throw new ApiCallFailedException($"Month end for {set.Name} logged something other than \"{set.Year.Text} M1: {expected}\".", log);
        }
        const string RunPath = "api/month-end/runs/latest";
        var answer = await reader.ExpectAsync(HttpMethod.Get, RunPath, null, [200], cancellationToken);
        var pools = answer.Json().TryGetProperty("pools", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToDictionary(
                p => p.TryGetProperty("poolId", out var id) ? id.GetString() ?? "" : "",
                p => p.TryGetProperty("outcome", out var outcome) ? outcome.GetString() ?? "" : "",
                StringComparer.Ordinal)
            : [];
        var notClosed = set.Pools.Where(p => !pools.TryGetValue(p, out var outcome) || outcome != "closed").ToList();
        if (pools.Count != set.Pools.Count || notClosed.Count > 0)
        {
            throw new ApiCallFailedException(
                $"GET /{RunPath}: the run lists {pools.Count} pools for {set.Name}; not closed: {string.Join(", ", notClosed.Take(10))}.", answer.Body);
        }
    }

    public void Dispose() => http.Dispose();
}
