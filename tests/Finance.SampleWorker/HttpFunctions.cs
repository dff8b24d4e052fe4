using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Finance.SampleWorker;

/// <summary>HTTP functions that each exercise one duty of the host: routing, keys, binding, failure, streaming, logs.</summary>
public static partial class HttpFunctions
{
    /// <summary>Largest body the streaming function writes, so a typo in a test cannot fill the disk.</summary>
    private const int MaxStreamMebibytes = 64;

    [Function("Health")]
    public static IActionResult Health([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest req) =>
        new OkObjectResult(new HealthAnswer("healthy"));

    /// <summary>Answers what the worker saw of the request, so tests check what the host forwarded and bound.</summary>
    [Function("Echo")]
    public static async Task<IActionResult> Echo(
        [HttpTrigger(AuthorizationLevel.Function, "post", "put", Route = "echo/{id}")] HttpRequest req,
        string id,
        FunctionContext context)
    {
        long bodyLength = 0;
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await req.Body.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            bodyLength += read;
        }

        return new OkObjectResult(new EchoAnswer(
            Id: id,
            Method: req.Method,
            Host: req.Host.Value ?? "",
            Scheme: req.Scheme,
            Query: req.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            SampleHeaders: req.Headers
                .Where(h => h.Key.StartsWith("x-sample-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            BodyLength: bodyLength,
            InvocationHeader: req.Headers["x-ms-invocation-id"].ToString(),
            InvocationId: context.InvocationId,
            BindingData: context.BindingContext.BindingData.ToDictionary(
                b => b.Key, b => Convert.ToString(b.Value, CultureInfo.InvariantCulture))));
    }

    [Function("Boom")]
    public static IActionResult Boom([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "boom")] HttpRequest req) =>
        throw new InvalidOperationException("Sample failure: the Boom function always throws.");

    /// <summary>Logs at every level, one with an exception, so tests see what reaches the host over gRPC.</summary>
    [Function("Logs")]
    public static IActionResult Logs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "logs")] HttpRequest req, FunctionContext context)
    {
        var logger = context.GetLogger("Sample.Logs");
        var marker = req.Query["marker"].ToString();
        LogDebugLine(logger, marker);
        LogInformationLine(logger, marker);
        LogWarningLine(logger, marker);
        LogErrorLine(logger, new InvalidOperationException("Sample logged exception " + marker), marker);
        return new OkResult();
    }

    /// <summary>Writes ?mb= mebibytes straight to the response (a known byte pattern), as a large export would.</summary>
    [Function("Stream")]
    public static async Task Stream(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "stream")] HttpRequest req, FunctionContext context)
    {
        var mebibytes = Math.Clamp(int.TryParse(req.Query["mb"], out var mb) ? mb : 8, 1, MaxStreamMebibytes);
        var response = req.HttpContext.Response;
        response.ContentType = "application/octet-stream";
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)(i % 251);
        }
        for (var written = 0; written < mebibytes * 1024 * 1024; written += chunk.Length)
        {
            await response.Body.WriteAsync(chunk, context.CancellationToken);
        }
    }

    [Function("AdminOnly")]
    public static IActionResult AdminOnly([HttpTrigger(AuthorizationLevel.Admin, "get", Route = "admin-only")] HttpRequest req) =>
        new OkObjectResult(new HealthAnswer("admin"));

    /// <summary>Waits ms milliseconds or until cancelled; it logs a cancellation so tests can see InvocationCancel.</summary>
    [Function("Slow")]
    public static async Task<IActionResult> Slow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow/{ms:int}")] HttpRequest req,
        int ms,
        FunctionContext context)
    {
        try
        {
            await Task.Delay(ms, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogCancelled(context.GetLogger("Sample.Slow"), context.InvocationId);
            throw;
        }
        return new OkObjectResult(new HealthAnswer("slept"));
    }

    /// <summary>How the host started this worker: what the real host sets, and one app setting.</summary>
    [Function("WorkerInfo")]
    public static IActionResult WorkerInfo([HttpTrigger(AuthorizationLevel.Function, "get", Route = "worker-info")] HttpRequest req) =>
        new OkObjectResult(new WorkerInfoAnswer(
            Environment.GetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME"),
            Environment.GetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY"),
            Environment.GetEnvironmentVariable("FUNCTIONS_WORKER_DIRECTORY"),
            Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT"),
            Environment.GetEnvironmentVariable("Sample__Schedule"),
            Environment.CurrentDirectory,
            Environment.GetCommandLineArgs()));

    /// <summary>No methods declared: every method reaches it.</summary>
    [Function("AnyMethod")]
    public static IActionResult AnyMethod([HttpTrigger(AuthorizationLevel.Anonymous, Route = "any")] HttpRequest req) =>
        new OkObjectResult(new RouteAnswer(req.Method));

    /// <summary>A catch-all route: the rest of the path arrives as one value.</summary>
    [Function("Files")]
    public static IActionResult Files(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "files/{*path}")] HttpRequest req, string? path) =>
        new OkObjectResult(new RouteAnswer(path));

    /// <summary>An optional, constrained parameter: items and items/7 match; items/seven does not.</summary>
    [Function("Items")]
    public static IActionResult Items(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id:int?}")] HttpRequest req, string? id) =>
        new OkObjectResult(new RouteAnswer(id));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sample debug {Marker}")]
    private static partial void LogDebugLine(ILogger logger, string marker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample information {Marker}")]
    private static partial void LogInformationLine(ILogger logger, string marker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sample warning {Marker}")]
    private static partial void LogWarningLine(ILogger logger, string marker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sample error {Marker}")]
    private static partial void LogErrorLine(ILogger logger, Exception exception, string marker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow cancelled {InvocationId}")]
    private static partial void LogCancelled(ILogger logger, string invocationId);
}

public sealed record HealthAnswer(string Status);

public sealed record RouteAnswer(string? Value);

public sealed record WorkerInfoAnswer(
    string? Runtime,
    string? ApplicationDirectory,
    string? WorkerDirectory,
    string? Environment,
    string? Schedule,
    string CurrentDirectory,
    IReadOnlyList<string> Arguments);

public sealed record EchoAnswer(
    string Id,
    string Method,
    string Host,
    string Scheme,
    Dictionary<string, string> Query,
    Dictionary<string, string> SampleHeaders,
    long BodyLength,
    string InvocationHeader,
    string InvocationId,
    Dictionary<string, string?> BindingData);
