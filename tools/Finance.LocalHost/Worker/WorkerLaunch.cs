using System.Text.Json;

namespace Finance.LocalHost.Worker;

/// <summary>
/// How to start the worker, from the SDK-generated worker.config.json: the executable (dotnet, or {WorkerRoot}App for a
/// self-contained publish) and the worker path (the app's dll), each with optional arguments, in the real host's order:
/// executable, its arguments, worker path, worker arguments, then the host's own arguments.
/// </summary>
internal sealed record WorkerLaunch(string Executable, IReadOnlyList<string> Arguments)
{
    public const string ConfigFileName = "worker.config.json";

    public static WorkerLaunch Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, ConfigFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"No {ConfigFileName} in {appDirectory}: point the host at the function app's build or publish output.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (!document.RootElement.TryGetProperty("description", out var description))
        {
            throw new InvalidDataException($"{path} has no 'description' section.");
        }

        // {WorkerRoot} stands for the app folder with a trailing separator ("{WorkerRoot}Finance.Functions").
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(appDirectory)) + Path.DirectorySeparatorChar;
        string Expand(string value) => value.Replace("{WorkerRoot}", root, StringComparison.OrdinalIgnoreCase);

        var executable = Text(description, "defaultExecutablePath") is { Length: > 0 } declared
            ? Expand(declared)
            : throw new InvalidDataException($"{path} names no defaultExecutablePath.");
        if (executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(executable))
        {
            executable = Path.Combine(root, executable);
        }

        var arguments = new List<string>(List(description, "arguments").Select(Expand));
        if (Text(description, "defaultWorkerPath") is { Length: > 0 } workerPath)
        {
            workerPath = Expand(workerPath);
            arguments.Add(Path.IsPathRooted(workerPath) ? workerPath : Path.Combine(root, workerPath));
        }
        arguments.AddRange(List(description, "workerArguments").Select(Expand));
        return new WorkerLaunch(executable, arguments);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IEnumerable<string> List(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : [];
}
