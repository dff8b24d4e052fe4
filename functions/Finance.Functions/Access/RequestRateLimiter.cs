using System.Threading.RateLimiting;
using Finance.Functions.Configuration;

namespace Finance.Functions.Access;

/// <summary>
/// Per-principal rate limiting of HTTP functions: each principal with a valid token has its own window of
/// <c>RateLimit__PermitsPerMinute</c> requests; requests without one (health, refused tokens) share one window of the
/// same size. Over the limit: 429 problem+json with Retry-After, answered by the worker middleware (an ASP.NET Core
/// rate limiter would end the request before the invocation and orphan it). Timers are not limited.
/// </summary>
public sealed class RequestRateLimiter : IDisposable
{
    public const int DefaultPermitsPerMinute = 600;

    /// <summary>The partition of requests that carry no valid token.</summary>
    public const string AnonymousPartition = "anonymous";

    private readonly PartitionedRateLimiter<string> limiter;

    public RequestRateLimiter(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var text = configuration[AppSettings.RateLimitPermitsPerMinute.Key];
        PermitsPerMinute = string.IsNullOrWhiteSpace(text) ? DefaultPermitsPerMinute
            : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var permits) && permits >= 1 ? permits
            : throw new InvalidOperationException($"{AppSettings.RateLimitPermitsPerMinute.Name} must be a whole number of at least 1, not '{text}'.");
        limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = PermitsPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    public int PermitsPerMinute { get; }

    /// <summary>Null when admitted; otherwise how long to wait, at least a second.</summary>
    public TimeSpan? Refusal(string? principalId)
    {
        using var lease = limiter.AttemptAcquire(principalId is null ? AnonymousPartition : "principal:" + principalId);
        if (lease.IsAcquired)
        {
            return null;
        }
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        return wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
    }

    public void Dispose() => limiter.Dispose();
}
