using Finance.Testing;

namespace Finance.Benchmarks.Host;

/// <summary>
/// The bare isolated worker (tests/Finance.SampleWorker: the same Worker packages and ASP.NET Core integration, a
/// handful of functions and none of the product's code), built beside the benchmark in the same configuration, started
/// through <see cref="LocalApp"/> as the Finance worker is: what any worker costs the local host, to compare the app with.
/// </summary>
internal static class SampleWorker
{
    /// <summary>Its timer's schedule must resolve; the host fires no timer unless asked.</summary>
    private const string NeverSchedule = "0 0 0 1 1 *";

    public static string Directory()
    {
        var path = RepositoryRoot.BuildOutput(Path.Combine("tests", "Finance.SampleWorker"));
        return File.Exists(Path.Combine(path, "functions.metadata"))
            ? path
            : throw new InvalidOperationException($"The sample worker is not built at {path} (no functions.metadata); build the benchmark, which builds it.");
    }

    public static Task<LocalApp> LaunchAsync() => LaunchAsync(Directory());

    public static Task<LocalApp> LaunchAsync(string directory) =>
        LocalApp.StartAsync(new Dictionary<string, string?> { ["Sample__Schedule"] = NeverSchedule }, appDirectory: directory);

    /// <summary>
    /// The sample worker published as scripts/package.sh publishes the app (Release, linux-x64, framework-dependent,
    /// ReadyToRun), into artifacts/bench/sample-worker-published: the bare worker to compare the deployable package with.
    /// </summary>
    public static async Task<string> PublishAsync(CancellationToken cancellationToken)
    {
        var output = Path.Combine(RepositoryRoot.Path, "artifacts", "bench", "sample-worker-published");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     "publish", Path.Combine("tests", "Finance.SampleWorker", "Finance.SampleWorker.csproj"), "--configuration", "Release",
                     "--runtime", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "--output", output, "--nologo",
                     "--verbosity", "quiet",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not run dotnet publish.");
        var text = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException($"dotnet publish of the sample worker exited with {process.ExitCode}:\n{await text}\n{await errors}");
    }
}
