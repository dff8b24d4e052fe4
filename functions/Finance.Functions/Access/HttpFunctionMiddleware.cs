using System.Globalization;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Pools;
using Finance.Storage;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Finance.Functions.Access;

/// <summary>
/// The edge every HTTP function runs behind, as worker middleware: a refusal here sets the answer and skips the function
/// cleanly, where an ASP.NET Core middleware ending the request early would orphan the invocation. In order, each step
/// answering problem+json: a valid bearer token (401); the caller's allowance (429); route ids of the right shape (400,
/// before any storage is touched); roles and organisations from token and directory; a granted role (403); and for
/// pool-scoped functions the pool within the caller's reach (404 when they may not learn it exists, 403 when they may
/// see it but not do this). Then the function runs, its <see cref="IResult"/> is written, and anything it throws becomes
/// 500 problem+json (503 when storage could not be reached) with no detail: the reason goes to the log.
/// </summary>
public sealed partial class HttpFunctionMiddleware(
    FunctionCatalog catalog, CallerResolver callers, PoolStore pools, RequestRateLimiter limiter, ILogger<HttpFunctionMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP function {Function} has no access rule; refusing every call to it")]
    private static partial void NoRule(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: {Caller} refused with {Status}")]
    private static partial void Refused(ILogger logger, string function, string caller, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: bearer token refused: {Reason}")]
    private static partial void TokenRefused(ILogger logger, string function, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Function}: frozen record {Blob} failed its integrity check and was not served: {Reason}")]
    private static partial void IntegrityFailed(ILogger logger, Exception exception, string function, string blob, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Function} failed; answered {Status} without detail")]
    private static partial void Failed(ILogger logger, Exception exception, string function, int status);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.GetHttpContext()
            ?? throw new InvalidOperationException($"{context.FunctionDefinition.Name} has no HttpContext: is the ASP.NET Core integration on?");
        var name = context.FunctionDefinition.Name;
        try
        {
            if (await AdmitAsync(context, http, name) is { } refusal)
            {
                await refusal.ExecuteAsync(http);
                return;
            }
            await next(context);
            // The function's answer is written here, once; the result is cleared so the worker does not also serialise
            // it into the invocation response (the host ignores it when it proxies HTTP).
            var result = context.GetInvocationResult();
            if (result.Value is IResult answer)
            {
                result.Value = null;
                await answer.ExecuteAsync(http);
            }
        }
        catch (FrozenRecordIntegrityException e) when (!http.Response.HasStarted)
        {
            // Loud: a record of a closed month was altered, removed or replaced in storage. It is not served.
            IntegrityFailed(logger, e, name, e.BlobName, e.Reason);
            http.Response.Clear();
            await TypedResults.Problem(
                statusCode: StatusCodes.Status500InternalServerError, title: "The frozen record failed its integrity check.",
                detail: $"{e.BlobName} is not the record its chain of closes vouches for, so it is not served. " +
                    "GET .../closes/{year}/verify lists every break; the record must be restored from its blob versions before it is read again.",
                extensions: new Dictionary<string, object?> { ["record"] = e.BlobName })
                .ExecuteAsync(http);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            var status = e is BadHttpRequestException bad ? bad.StatusCode
                : StorageFailures.IsUnreachable(e) ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError;
            Failed(logger, e, name, status);
            http.Response.Clear();
            if (status == StatusCodes.Status503ServiceUnavailable)
            {
                http.Response.Headers.RetryAfter = "5";
            }
            await Problems.Status(status, status switch
            {
                StatusCodes.Status503ServiceUnavailable => "The service is unavailable; try again shortly.",
                StatusCodes.Status413PayloadTooLarge => "The body is too large.",
                < 500 => "The request could not be read.",
                _ => "Something went wrong on our side.",
            }).ExecuteAsync(http);
        }
    }

    /// <summary>Null when the function may run; otherwise the refusal to answer with.</summary>
    private async Task<IResult?> AdmitAsync(FunctionContext context, HttpContext http, string name)
    {
        if (catalog.Find(name) is not { Http: not null, Access: { } rule } function)
        {
            NoRule(logger, name);
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", "This function admits no one.");
        }
        if (rule.Kind == AccessKind.Anonymous)
        {
            return Limit(null);
        }
        var authentication = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        var principalId = authentication.Succeeded ? CallerResolver.PrincipalId(authentication.Principal) : null;
        if (Limit(principalId) is { } tooMany)
        {
            return tooMany;
        }
        if (!authentication.Succeeded)
        {
            // Why a token failed (expired, wrong audience...) goes to the log, not to the caller.
            if (authentication.Failure is { } failure)
            {
                TokenRefused(logger, name, failure.Message);
            }
            http.Response.Headers.WWWAuthenticate = authentication.None ? "Bearer" : "Bearer error=\"invalid_token\"";
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized.",
                authentication.None ? "Send an Entra ID access token for this API: Authorization: Bearer <token>." : "The bearer token was not accepted.");
        }

        var routeValues = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in function.Http.RouteParameters)
        {
            var value = context.BindingContext.BindingData.TryGetValue(parameter, out var bound) ? Convert.ToString(bound, CultureInfo.InvariantCulture) : null;
            if (RouteParameters.Problem(parameter, value) is { } problem)
            {
                return Problems.Validation(parameter, problem);
            }
            routeValues[parameter] = value!;
        }
        if (await RequestShape.ProblemAsync(function.Http, http.Request, http.RequestAborted) is { } shape)
        {
            return shape;
        }

        var caller = await callers.ResolveAsync(authentication.Principal!, http.RequestAborted);
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized.", "The token names no principal (oid or sub) this API can use.");
        }
        context.SetCaller(caller);
        if (rule.Kind == AccessKind.AnyCaller)
        {
            return null;
        }

        var reach = rule.ReachOf(caller);
        if (reach == Reach.None)
        {
            Refused(logger, name, caller.Id, StatusCodes.Status403Forbidden);
            return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", "Your roles do not allow this.");
        }
        if (rule.Kind == AccessKind.Pool)
        {
            var poolId = routeValues[rule.PoolParameter!];
            // A request that changes nothing may decide on the pool as this instance saw it a moment ago (the product
            // owner's bounds: statements a second behind, access decisions up to 30 seconds); a write decides on it as it is.
            var pool = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                ? await pools.GetRecentAsync(poolId, http.RequestAborted)
                : await pools.GetAsync(poolId, http.RequestAborted);
            switch (PoolAccess.Decide(caller, reach, pool?.Parties))
            {
                case AccessDecision.Forbidden:
                    Refused(logger, name, caller.Id, StatusCodes.Status403Forbidden);
                    return Problems.Status(StatusCodes.Status403Forbidden, "Forbidden.", "Your roles do not allow this on this pool.");
                case AccessDecision.NotFound:
                    Refused(logger, name, caller.Id, StatusCodes.Status404NotFound);
                    return Problems.NotFound($"There is no pool '{poolId}'.");
            }
            context.SetPool(new PoolInScope(poolId, pool));
        }
        return null;

        IResult? Limit(string? principal)
        {
            if (limiter.Refusal(principal) is not { } wait)
            {
                return null;
            }
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests.",
                $"At most {limiter.PermitsPerMinute} requests a minute per caller; try again in {seconds} s.");
        }
    }
}
