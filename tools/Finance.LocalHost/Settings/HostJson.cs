using System.Globalization;
using System.Text.Json;

namespace Finance.LocalHost.Settings;

/// <summary>What the host reads from the app's host.json (the worker re-reads the route prefix from the same file).</summary>
internal sealed record HostJson(string RoutePrefix, TimeSpan? FunctionTimeout)
{
    public const string DefaultRoutePrefix = "api";

    private static readonly JsonDocumentOptions Lenient = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static HostJson Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return new HostJson(DefaultRoutePrefix, null);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), Lenient);
        var root = document.RootElement;
        var prefix = DefaultRoutePrefix;
        if (root.TryGetProperty("extensions", out var extensions) && extensions.ValueKind == JsonValueKind.Object
            && extensions.TryGetProperty("http", out var http) && http.ValueKind == JsonValueKind.Object
            && http.TryGetProperty("routePrefix", out var routePrefix) && routePrefix.ValueKind == JsonValueKind.String)
        {
            prefix = routePrefix.GetString()!.Trim('/');
        }

        TimeSpan? timeout = null;
        if (root.TryGetProperty("functionTimeout", out var functionTimeout) && functionTimeout.ValueKind == JsonValueKind.String
            && TimeSpan.TryParse(functionTimeout.GetString(), CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero)
        {
            // "-1" (unbounded) parses as negative and is ignored: the local host keeps its own bound then.
            timeout = parsed;
        }
        return new HostJson(prefix, timeout);
    }
}
