using System.Collections.Concurrent;
using System.Diagnostics;
using Finance.Testing;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// Development tokens from the handler's own <c>mint-token</c> command, run as a process the way a developer runs it, so
/// the command is tested with every token the end-to-end tests use. Tokens are cached per identity.
/// </summary>
public static class DevTokens
{
    public const string Issuer = "https://dev.local/finance";
    public const string Audience = "api://finance-e2e";

    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Cache = new();

    /// <summary>The settings an app process needs to accept these tokens.</summary>
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
            var (exit, output, error) = await RunAsync("Development", args);
            return exit == 0 ? output.Trim() : throw new InvalidOperationException($"mint-token exited with {exit}: {error}");
        })).Value;
    }

    /// <summary>Runs <c>Finance.Functions mint-token</c> in <paramref name="environment"/> with the development issuer set.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string environment, IEnumerable<string> args) =>
        RunHandlerAsync(environment, args.Prepend("mint-token"), new Dictionary<string, string>());

    /// <summary>Runs the handler executable to its end with the development issuer and <paramref name="settings"/> set.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunHandlerAsync(
        string environment, IEnumerable<string> args, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppProcess.HandlerAssembly());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach (var (name, value) in AppSettings.Concat(settings))
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the handler.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
