using System.Text.Json;
using System.Text.Json.Serialization;
using Finance.LocalHost.Logging;
using Finance.LocalHost.Timers;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Finance.LocalHost.Http;

/// <summary>
/// The real host's admin endpoints that local runs need, behind the master key as there:
/// GET /admin/host/status (is the host, and here also the worker, up) and POST /admin/functions/{name} with
/// {"input": "..."} (run a non-HTTP function now; 202 Accepted, empty body). The real host ignores the input for a
/// timer and always sends IsPastDue false; here an input of {"IsPastDue": true} asks for a late run, so tests can send one.
/// </summary>
internal sealed class AdminEndpoints(
    WorkerSupervisor supervisor, KeyRing keys, Func<TimerScheduler?> timers, HostLog log, CancellationToken stopping)
{
    /// <summary>Largest admin request body read.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private readonly string hostId = "local-" + Environment.MachineName.ToLowerInvariant();

    public async Task HandleAsync(HttpContext context)
    {
        if (!keys.Allows(context.Request, FunctionAuthLevel.Admin))
        {
            await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized,
                "Admin endpoints need the master key (x-functions-key header or ?code=).");
            return;
        }
        var path = context.Request.Path.Value!.TrimEnd('/');
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) && path.Equals("/admin/host/status", StringComparison.OrdinalIgnoreCase))
        {
            await WriteStatusAsync(context);
        }
        else if (HttpMethods.IsPost(method) && path.StartsWith("/admin/functions/", StringComparison.OrdinalIgnoreCase)
            && path.Count(c => c == '/') == 3)
        {
            await InvokeAsync(context, Uri.UnescapeDataString(path["/admin/functions/".Length..]));
        }
        else
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, $"The local host has no admin endpoint {method} {path}.");
        }
    }

    private async Task WriteStatusAsync(HttpContext context)
    {
        var session = supervisor.Current;
        var running = supervisor.State == WorkerState.Running;
        var status = new HostStatus(
            Id: hostId,
            // The real host's state names: Running once its functions are loaded; Error when it cannot run them.
            State: running ? "Running" : supervisor.State is WorkerState.Failed or WorkerState.Stopped ? "Error" : "Starting",
            Version: WorkerSession.HostVersion,
            ProcessUptime: (long)(DateTimeOffset.UtcNow - startedAt).TotalMilliseconds,
            Errors: supervisor.LastError is { } error ? [error] : null,
            Worker: new WorkerStatus(
                supervisor.State,
                running ? session?.Process.Id : null,
                supervisor.Starts,
                supervisor.LastExitCode,
                session?.WorkerVersion,
                supervisor.Catalog?.Functions.Count ?? 0));
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, status, Json, context.RequestAborted);
    }

    private async Task InvokeAsync(HttpContext context, string name)
    {
        var function = supervisor.Catalog?.Find(name);
        if (function is null)
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, $"No function is named {name}.");
            return;
        }
        if (function.Trigger != FunctionTriggerKind.Timer || timers() is not { } scheduler)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest,
                $"{function.Name} has a {function.TriggerType}; the local host runs only timer functions on demand.");
            return;
        }
        if (scheduler.WhyNotRunnable(function.Name) is { } reason)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, reason);
            return;
        }
        if (await ReadIsPastDueAsync(context) is not { } isPastDue)
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest,
                "The body must be a JSON object such as {\"input\": \"\"}.");
            return;
        }

        // As the real host: accepted at once, run in the background.
        _ = Task.Run(async () =>
        {
            try
            {
                await scheduler.InvokeAsync(function.Name, isPastDue, stopping);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException
                or TimeoutException or ObjectDisposedException)
            {
                log.Host(LogLevel.Error, $"The on-demand run of {function.Name} did not happen: {e.Message}");
            }
        }, CancellationToken.None);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>Null when the body is not {"input": ...}; else whether the input asks for IsPastDue.</summary>
    private static async Task<bool?> ReadIsPastDueAsync(HttpContext context)
    {
        if (context.Request.ContentLength is > MaxBodyBytes)
        {
            return null;
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var input = document.RootElement.EnumerateObject()
                .FirstOrDefault(p => p.Name.Equals("input", StringComparison.OrdinalIgnoreCase)).Value;
            var text = input.ValueKind switch
            {
                JsonValueKind.String => input.GetString(),
                JsonValueKind.Object => input.GetRawText(),
                _ => null,
            };
            if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith('{'))
            {
                return false;
            }
            using var parsed = JsonDocument.Parse(text);
            return parsed.RootElement.EnumerateObject()
                .Any(p => p.Name.Equals("IsPastDue", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.True);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record HostStatus(
        string Id, string State, string Version, long ProcessUptime, IReadOnlyList<string>? Errors, WorkerStatus Worker);

    /// <summary>Not in the real host's answer: the worker's side, which a local run cares about.</summary>
    private sealed record WorkerStatus(WorkerState State, int? ProcessId, int Starts, int? LastExitCode, string? Version, int Functions);
}
