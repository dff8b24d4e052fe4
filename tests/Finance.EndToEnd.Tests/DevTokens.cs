using System.Collections.Concurrent;
using System.Diagnostics;
using Finance.Testing;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// Development tokens from the development tools' <c>mint-token</c> command (tools/Finance.DevTools, what
/// scripts/mint-token.sh runs), run as a process the way a developer runs it, so the command is tested with every token
/// the end-to-end tests use. Tokens are cached per identity.
/// </summary>
public static class DevTokens
{
    public const string Issuer = "https://dev.local/finance";
    public const string Audience = "api://finance-e2e";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();

    /// <summary>The settings an app needs to accept these tokens.</summary>
    public static IReadOnlyDictionary<string, string> AppSettings { get; } = new Dictionary<string, string>
    {
        ["Auth__Issuer"] = Issuer,
        ["Auth__Audience"] = Audience,
    };

    public static Task<string> MintAsync(string user, IEnumerable<string> organisations, params string[] roles)
    {
        var args = new List<string> { "--user", user };
        foreach (var organisation in organisations)
        {
            args.AddRange(["--org", organisation]);
        }
        foreach (var role in roles)
        {
            args.AddRange(["--role", role]);
        }
        return Cache.GetOrAdd(string.Join(' ', args), _ => new Lazy<Task<string>>(async () =>
        {
            var (exit, output, error) = await RunAsync("Development", args.Prepend("mint-token"), new Dictionary<string, string>());
            return exit == 0 ? output.Trim() : throw new InvalidOperationException($"mint-token exited with {exit}: {error}");
        })).Value;
    }

    /// <summary>The development tools built beside this test run (same configuration).</summary>
    public static string ToolsAssembly()
    {
        var path = Path.Combine(RepositoryRoot.BuildOutput(Path.Combine("tools", "Finance.DevTools")), "Finance.DevTools.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"The development tools are not built at {path}.");
    }

    /// <summary>Runs <c>Finance.DevTools</c> to its end in <paramref name="environment"/>, with the development issuer and
    /// <paramref name="settings"/> set.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string environment, IEnumerable<string> args, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolsAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = environment;
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        foreach (var (name, value) in AppSettings.Concat(settings))
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the development tools.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
