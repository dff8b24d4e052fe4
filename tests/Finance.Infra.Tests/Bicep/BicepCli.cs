using System.Diagnostics;
using System.Reflection;

namespace Finance.Infra.Tests.Bicep;

/// <summary>What one run of the CLI printed, and how long it took.</summary>
public sealed record CliRun(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed);

/// <summary>
/// The Bicep CLI of the NuGet package this project references (<c>Azure.Bicep.CommandLine.linux-x64</c>, version
/// pinned in Directory.Packages.props): <c>dotnet restore</c> puts it in the NuGet package folder, and the build
/// writes where into this assembly's metadata (see the .csproj). Nothing is downloaded from anywhere else.
/// </summary>
public static class BicepCli
{
    // A cold start of the CLI and a compile of main.bicep take about two seconds; this is for a machine under load.
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly Lazy<string> Executable = new(Locate);

    /// <summary>Full path of <c>tools/bicep</c> inside the restored package.</summary>
    public static string Path => Executable.Value;

    /// <summary>Runs <c>bicep arguments...</c> in <paramref name="workingDirectory"/>.</summary>
    public static CliRun Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }
        process.WaitForExit();
        return new CliRun(
            $"bicep {string.Join(' ', arguments)}", process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult(), clock.Elapsed);
    }

    private static string Locate()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "BicepCli")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The Bicep CLI is not at '{path}': restore tests/Finance.Infra.Tests (dotnet restore), which brings the "
                + "Azure.Bicep.CommandLine.linux-x64 package into the NuGet package folder.");
        }
        // NuGet does not always keep the executable bit when it extracts a package.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if (!mode.HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
            }
        }
        return path;
    }
}
