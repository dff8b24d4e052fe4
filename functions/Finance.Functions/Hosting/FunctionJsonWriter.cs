using System.Text.Json;
using System.Text.Json.Nodes;

namespace Finance.Functions.Hosting;

/// <summary>Writes <c>&lt;Name&gt;/function.json</c> for every mapped function: the files the Functions host reads to
/// know what to trigger and where to send it.</summary>
public static class FunctionJsonWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject ToFunctionJson(FunctionMetadata function) => function.Trigger switch
    {
        HttpFunctionTrigger http => new JsonObject
        {
            ["bindings"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "httpTrigger",
                    ["direction"] = "in",
                    ["name"] = "req",
                    ["authLevel"] = http.AuthLevel.ToString().ToLowerInvariant(),
                    ["methods"] = new JsonArray(http.Methods.Select(m => (JsonNode)JsonValue.Create(m.ToLowerInvariant())).ToArray()),
                    ["route"] = http.Route,
                },
                new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
        },
        TimerFunctionTrigger timer => new JsonObject
        {
            ["bindings"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "timerTrigger",
                    ["direction"] = "in",
                    ["name"] = FunctionMetadata.TimerBindingName,
                    ["schedule"] = timer.Schedule,
                    ["runOnStartup"] = timer.RunOnStartup,
                }),
        },
        _ => throw new InvalidOperationException($"Unknown trigger for function {function.Name}."),
    };

    /// <summary>Writes one folder per function under <paramref name="outputDirectory"/>; returns the function names.
    /// Folders of functions no longer declared are not this method's business: packaging starts from an empty folder.</summary>
    public static IReadOnlyList<string> Write(IEnumerable<FunctionMetadata> functions, string outputDirectory)
    {
        var written = new List<string>();
        foreach (var function in functions)
        {
            var folder = Path.Combine(outputDirectory, function.Name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "function.json"), ToFunctionJson(function).ToJsonString(Indented) + "\n");
            written.Add(function.Name);
        }
        return written;
    }
}
