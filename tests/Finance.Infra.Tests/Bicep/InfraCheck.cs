namespace Finance.Infra.Tests.Bicep;

/// <summary>What one CLI command found: the compiler's messages (empty when the files are clean) and how long it took.</summary>
public sealed record CommandFindings(string Command, IReadOnlyList<string> Findings, TimeSpan Elapsed);

/// <summary>The three commands' findings over one folder's <c>infra/</c>.</summary>
public sealed record InfraCheckResult(
    IReadOnlyList<string> BicepFiles, IReadOnlyList<string> ParameterFiles, CommandFindings Build, CommandFindings Lint, CommandFindings BuildParams)
{
    public IEnumerable<string> AllFindings => Build.Findings.Concat(Lint.Findings).Concat(BuildParams.Findings).Distinct(StringComparer.Ordinal);
}

/// <summary>
/// The check the test command makes with the real compiler, for every file under <c>infra/</c>: <c>bicep build</c>
/// of each <c>.bicep</c>, <c>bicep build-params</c> of each <c>.bicepparam</c>, <c>bicep lint</c> of both. Any message
/// at all (error, warning, info) is a finding: warnings are errors here as in the C# build. Lint levels come from
/// <c>infra/bicepconfig.json</c>, which the CLI finds by itself.
/// </summary>
public static class InfraCheck
{
    /// <summary>Checks <c>infra/</c> under <paramref name="root"/> (the checkout, or a copy).</summary>
    public static InfraCheckResult Run(string root)
    {
        const string infra = "infra";
        var output = Directory.CreateTempSubdirectory("finance-bicep-build-");
        try
        {
            // One CLI process per command over every file (--pattern), the three at once: each start of the CLI costs
            // about a second, compiling is fast.
            var build = Task.Run(() => Findings(root, "build", "--pattern", $"{infra}/**/*.bicep", "--outdir", Path.Combine(output.FullName, "templates")));
            var lint = Task.Run(() => Findings(root, "lint", "--pattern", $"{infra}/**/*.bicep*"));
            var buildParams = Task.Run(() => Findings(root, "build-params", "--pattern", $"{infra}/**/*.bicepparam", "--outdir", Path.Combine(output.FullName, "parameters")));
            Task.WaitAll(build, lint, buildParams);
            var folder = Path.Combine(root, infra);
            return new InfraCheckResult(Files(root, folder, "*.bicep"), Files(root, folder, "*.bicepparam"), build.Result, lint.Result, buildParams.Result);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static CommandFindings Findings(string root, params string[] arguments)
    {
        var run = BicepCli.Run(root, arguments);
        var findings = BicepDiagnostic.Findings(run.StandardError, root).Concat(BicepDiagnostic.Findings(run.StandardOutput, root)).ToList();
        if (run.ExitCode != 0 && findings.Count == 0)
        {
            findings.Add($"{run.Command} exited with {run.ExitCode} and printed nothing");
        }
        return new CommandFindings(run.Command, findings, run.Elapsed);
    }

    private static List<string> Files(string root, string folder, string pattern) => Directory
        .EnumerateFiles(folder, pattern, SearchOption.AllDirectories)
        .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToList();
}
