using System.Diagnostics;
using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// scripts/deploy.sh is valid bash, strict, and deploys main.bicep with the environment's .bicepparam: run against a
/// stand-in <c>az</c> that records what it is asked (no Azure here), it asks for exactly that deployment, and for none
/// while the API audience is still the placeholder.
/// </summary>
public sealed class DeployScriptTests
{
    private static string ScriptPath => Path.Combine(RepositoryRoot.Path, "scripts", "deploy.sh");

    // Answers what deploy.sh asks before and after deploying: the signed-in account, the group, the deployment's outputs.
    private const string StandInAz = """
        #!/usr/bin/env bash
        echo "$*" >>"$AZ_LOG"
        case "$1 $2 $3" in
          "account show "*) printf 'Test subscription\t00000000-0000-0000-0000-00000000a001\n' ;;
          "group show "*) ;;
          "deployment group show") printf 'func-finance-dev-test\tFlexConsumption\thttps://func-finance-dev-test.azurewebsites.net\n' ;;
        esac
        """;

    [Fact]
    public void The_deploy_script_is_executable_strict_bash()
    {
        File.Exists(ScriptPath).Should().BeTrue();
        var text = File.ReadAllText(ScriptPath);

        text.Should().StartWith("#!/usr/bin/env bash");
        text.Should().Contain("set -euo pipefail");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(ScriptPath).Should().HaveFlag(UnixFileMode.UserExecute);
        }
        Bash(RepositoryRoot.Path, null, "-n", ScriptPath).ExitCode.Should().Be(0);
    }

    [Fact]
    public void Each_environments_parameter_file_uses_main_bicep()
    {
        File.ReadAllText(ScriptPath).Should().Contain("parameters=infra/main.$environment.bicepparam");
        foreach (var environment in Infrastructure.Environments)
        {
            File.ReadAllLines(Path.Combine(RepositoryRoot.Path, Infrastructure.ParameterFilePath(environment)))
                .Should().Contain("using 'main.bicep'");
        }
    }

    [Fact]
    public void Without_arguments_the_deploy_script_prints_its_usage_and_fails()
    {
        var result = Bash(RepositoryRoot.Path, null, ScriptPath);

        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("Usage: scripts/deploy.sh <dev|prod> <resource-group>");
    }

    [Fact]
    public void The_deploy_script_refuses_an_unknown_environment_before_calling_azure()
    {
        var result = Bash(RepositoryRoot.Path, null, ScriptPath, "staging", "rg-anything");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("environment must be dev or prod");
    }

    [Fact]
    public void The_infrastructure_is_deployed_with_the_environments_bicepparam()
    {
        using var copy = new ScriptCopy(replacePlaceholder: true);

        var result = copy.Run("dev", "rg-finance-test", "--infra-only");

        result.ExitCode.Should().Be(0, result.StandardError);
        copy.AzCalls().Should().Contain("deployment group create --resource-group rg-finance-test --name finance-dev --parameters infra/main.dev.bicepparam --output none");
    }

    [Fact]
    public void The_deploy_script_refuses_the_placeholder_audience_before_deploying()
    {
        using var copy = new ScriptCopy(replacePlaceholder: false);

        var result = copy.Run("prod", "rg-finance-test", "--infra-only");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("infra/main.prod.bicepparam still has a REPLACE-WITH placeholder");
        copy.AzCalls().Should().NotContain(c => c.StartsWith("deployment group create", StringComparison.Ordinal));
    }

    /// <summary>scripts/deploy.sh and infra/ in a temporary folder, with a stand-in az first on the PATH.</summary>
    private sealed class ScriptCopy : IDisposable
    {
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("finance-deploy-");

        public ScriptCopy(bool replacePlaceholder)
        {
            Infrastructure.CopyInfra(RepositoryRoot.Path, root.FullName);
            Directory.CreateDirectory(Path.Combine(root.FullName, "scripts"));
            File.Copy(ScriptPath, Path.Combine(root.FullName, "scripts", "deploy.sh"));
            var bin = Directory.CreateDirectory(Path.Combine(root.FullName, "bin"));
            var az = Path.Combine(bin.FullName, "az");
            File.WriteAllText(az, StandInAz.ReplaceLineEndings("\n") + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            if (replacePlaceholder)
            {
                foreach (var environment in Infrastructure.Environments)
                {
                    var file = Path.Combine(root.FullName, Infrastructure.ParameterFilePath(environment));
                    File.WriteAllText(file, File.ReadAllText(file).Replace("REPLACE-WITH-", "test-client-id-", StringComparison.Ordinal));
                }
            }
        }

        private string Log => Path.Combine(root.FullName, "az.log");

        public (int ExitCode, string StandardError) Run(params string[] arguments) => Bash(
            root.FullName,
            new Dictionary<string, string>
            {
                ["PATH"] = $"{Path.Combine(root.FullName, "bin")}:{Environment.GetEnvironmentVariable("PATH")}",
                ["AZ_LOG"] = Log,
            },
            [Path.Combine(root.FullName, "scripts", "deploy.sh"), .. arguments]);

        public string[] AzCalls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

        public void Dispose() => root.Delete(recursive: true);
    }

    private static (int ExitCode, string StandardError) Bash(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromSeconds(30)).Should().BeTrue();
        _ = stdout.GetAwaiter().GetResult();
        return (process.ExitCode, stderr.GetAwaiter().GetResult());
    }
}
