using Finance.Functions.Hosting;
using Finance.Functions.Pools;
using Finance.Storage.Pools;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Finance.Functions.Access;

/// <summary>
/// Enforces each HTTP function's <see cref="AccessRule"/> before its handler runs, in this order, each step answering
/// problem+json: a valid bearer token (401); route ids of the right shape (400, before any storage is touched); the
/// caller's roles and organisations, from token and directory; a granted role (403); and for pool-scoped functions the
/// pool within the caller's reach (404 when they may not learn it exists, 403 when they may see it but not do this).
/// </summary>
public sealed partial class AccessMiddleware(RequestDelegate next, ILogger<AccessMiddleware> logger)
{
    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP function {Function} has no access rule; refusing every call to it")]
    private static partial void NoRule(ILogger logger, string function);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Function}: {Caller} refused with {Status}")]
    private static partial void Refused(ILogger logger, string function, string caller, int status);

    public async Task InvokeAsync(HttpContext context, CallerResolver callers, PoolStore pools)
    {
        var endpoint = context.GetEndpoint();
        // Timer functions (outside /api) are invoked by the Functions host over loopback only; the host never forwards
        // outside requests there, so they carry no token. Unmatched routes fall through to a 404.
        if (endpoint?.Metadata.GetMetadata<FunctionMetadata>() is not { Trigger: HttpFunctionTrigger } function)
        {
            await next(context);
            return;
        }
        if (endpoint.Metadata.GetMetadata<AccessRule>() is not { } rule)
        {
            NoRule(logger, function.Name);
            await Refuse(context, StatusCodes.Status403Forbidden, "Forbidden.", "This function admits no one.");
            return;
        }
        if (rule.Kind == AccessKind.Anonymous)
        {
            await next(context);
            return;
        }

        var authentication = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!authentication.Succeeded)
        {
            // Why a token failed (expired, wrong audience...) goes to the log, not to the caller.
            context.Response.Headers.WWWAuthenticate = authentication.None ? "Bearer" : "Bearer error=\"invalid_token\"";
            await Refuse(context, StatusCodes.Status401Unauthorized, "Unauthorized.",
                authentication.None ? "Send an Entra ID access token for this API: Authorization: Bearer <token>." : "The bearer token was not accepted.");
            return;
        }

        foreach (var (parameter, value) in context.Request.RouteValues)
        {
            if (RouteParameters.Problem(parameter, value as string) is { } problem)
            {
                await Problems.Validation(parameter, problem).ExecuteAsync(context);
                return;
            }
        }

        var caller = await callers.ResolveAsync(authentication.Principal, context.RequestAborted);
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await Refuse(context, StatusCodes.Status401Unauthorized, "Unauthorized.", "The token names no principal (oid or sub) this API can use.");
            return;
        }
        context.Features.Set(caller);
        if (rule.Kind == AccessKind.AnyCaller)
        {
            await next(context);
            return;
        }

        var reach = rule.ReachOf(caller);
        if (reach == Reach.None)
        {
            Refused(logger, function.Name, caller.Id, StatusCodes.Status403Forbidden);
            await Refuse(context, StatusCodes.Status403Forbidden, "Forbidden.", "Your roles do not allow this.");
            return;
        }
        if (rule.Kind == AccessKind.Pool)
        {
            var poolId = (string)context.Request.RouteValues[rule.PoolParameter!]!;
            var pool = await pools.GetAsync(poolId, context.RequestAborted);
            switch (PoolAccess.Decide(caller, reach, pool?.Parties))
            {
                case AccessDecision.Forbidden:
                    Refused(logger, function.Name, caller.Id, StatusCodes.Status403Forbidden);
                    await Refuse(context, StatusCodes.Status403Forbidden, "Forbidden.", "Your roles do not allow this on this pool.");
                    return;
                case AccessDecision.NotFound:
                    Refused(logger, function.Name, caller.Id, StatusCodes.Status404NotFound);
                    await Problems.NotFound(PoolsApi.NotFoundDetail(poolId)).ExecuteAsync(context);
                    return;
            }
            context.Features.Set(new PoolInScope(poolId, pool));
        }
        await next(context);
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        Problems.Status(status, title, detail).ExecuteAsync(context);
}
