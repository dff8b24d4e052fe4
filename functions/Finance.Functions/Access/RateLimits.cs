using System.Globalization;
using System.Threading.RateLimiting;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace Finance.Functions.Access;

/// <summary>
/// Per-principal rate limiting of <c>/api</c>: each principal with a valid token has its own window of
/// <c>RateLimit__PermitsPerMinute</c> requests; requests without one (health, refused tokens) share one window of the
/// same size. Over the limit: 429 problem+json with Retry-After. Timer invocations from the host are not limited.
/// </summary>
public static class RateLimits
{
    public const int DefaultPermitsPerMinute = 600;

    /// <summary>The partition of requests that carry no valid token.</summary>
    public const string AnonymousPartition = "anonymous";

    public static IServiceCollection AddPerPrincipalRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            var permits = configuration.GetValue(AppSettings.RateLimitPermitsPerMinute.Key, DefaultPermitsPerMinute);
            if (permits < 1)
            {
                throw new InvalidOperationException($"{AppSettings.RateLimitPermitsPerMinute.Name} must be at least 1.");
            }
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !context.Request.Path.StartsWithSegments("/" + FunctionMetadata.RoutePrefix, StringComparison.Ordinal)
                    ? RateLimitPartition.GetNoLimiter("host")
                    : RateLimitPartition.GetFixedWindowLimiter(
                        // The authentication middleware has run: User holds a principal only for a valid token.
                        CallerResolver.PrincipalId(context.User) is { } id ? "principal:" + id : AnonymousPartition,
                        _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = permits,
                            Window = TimeSpan.FromMinutes(1),
                            QueueLimit = 0,
                            AutoReplenishment = true,
                        }));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests.",
                    $"At most {permits} requests a minute per caller; try again in {seconds} s.").ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }
}
