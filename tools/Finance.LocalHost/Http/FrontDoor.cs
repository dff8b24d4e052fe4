using Finance.LocalHost.Logging;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Http;

/// <summary>
/// The host's HTTP side: the admin endpoints, then the functions' routes. Everything the host refuses itself (no route,
/// no key, no worker, too busy) is answered here, before anything reaches the worker.
/// </summary>
internal sealed class FrontDoor(
    WorkerSupervisor supervisor, Func<RouteTable?> routes, KeyRing keys, AdminEndpoints admin, HttpForwarding forwarding,
    Invoker invoker, TimeSpan workerWait, long maxRequestBodyBytes, HostLog log)
{
    public async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase))
        {
            await admin.HandleAsync(context);
            return;
        }

        var match = routes() is { } table ? await table.MatchAsync(context) : null;
        if (match is null)
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound,
                $"No function serves {context.Request.Method} {context.Request.Path}.");
            return;
        }
        if (!keys.Allows(context.Request, match.Function.AuthLevel))
        {
            await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, match.Function.AuthLevel == FunctionAuthLevel.Admin
                ? $"{match.Function.Name} needs the master key (x-functions-key header or ?code=)."
                : $"{match.Function.Name} needs a function key (x-functions-key header or ?code=).");
            return;
        }

        if (context.Request.ContentLength > maxRequestBodyBytes)
        {
            // Refused before anything reaches the worker; a chunked body over the limit fails while forwarding.
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The body is larger than the host's limit of {maxRequestBodyBytes} bytes.");
            return;
        }

        using var slot = await invoker.EnterAsync(context.RequestAborted);
        if (slot is null)
        {
            await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests are waiting for the worker.");
            return;
        }
        if (supervisor.State is WorkerState.Stopped or WorkerState.Failed)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"The worker is not running ({supervisor.State}).");
            return;
        }
        WorkerSession session;
        try
        {
            session = await supervisor.WaitForRunningAsync(workerWait, context.RequestAborted);
        }
        catch (Exception e) when (e is TimeoutException or ObjectDisposedException)
        {
            await Problems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"The worker is not running ({supervisor.State}).");
            return;
        }

        try
        {
            await forwarding.RunAsync(context, session, match);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; the invocation was cancelled.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.Host(LogLevel.Error, $"{context.Request.Method} {context.Request.Path} failed in the host: {e.Message}", e.ToString());
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, "The local host failed; see its log.");
            }
        }
    }
}
