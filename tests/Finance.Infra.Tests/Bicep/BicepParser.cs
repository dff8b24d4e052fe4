using System.Diagnostics;
using System.Text.Json;
using Finance.Testing;

namespace Finance.Infra.Tests.Bicep;

/// <summary>
/// Runs <c>bicep-to-json.js</c> (tree-sitter-bicep under node) from the repository root, where node_modules is, and
/// reads the syntax trees it prints. One node process per call: parse many files in one call.
/// </summary>
public static class BicepParser
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        MaxDepth = 1024,
    };

    private static string ScriptPath => Path.Combine(RepositoryRoot.Path, "tests", "Finance.Infra.Tests", "bicep-to-json.js");

    /// <summary>Parses files given by paths relative to the repository root; the result is keyed by those paths.</summary>
    public static IReadOnlyDictionary<string, BicepNode> ParseFiles(IReadOnlyList<string> relativePaths)
    {
        if (relativePaths.Count == 0)
        {
            return new Dictionary<string, BicepNode>();
        }
        var parsed = Run(relativePaths, stdin: null);
        return parsed.ToDictionary(p => p.Path, p => p.Root, StringComparer.Ordinal);
    }

    /// <summary>Parses Bicep source text (a mutated copy, a broken snippet) passed on standard input.</summary>
    public static BicepNode ParseText(string source) => Run(["-"], source).Single().Root;

    private static List<ParsedFile> Run(IReadOnlyList<string> arguments, string? stdin)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ScriptPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();

        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep-to-json.js did not finish within {Timeout.TotalSeconds} s.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"bicep-to-json.js exited with {process.ExitCode}: {stderr.GetAwaiter().GetResult()}");
        }
        return JsonSerializer.Deserialize<List<ParsedFile>>(stdout.GetAwaiter().GetResult(), JsonOptions)
            ?? throw new InvalidOperationException("bicep-to-json.js printed no syntax trees.");
    }

    private sealed record ParsedFile(string Path, BicepNode Root);
}
