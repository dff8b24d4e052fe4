using System.Diagnostics;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>scripts/deploy.sh is valid bash, strict, and deploys the files this project checks.</summary>
public sealed class DeployScriptTests
{
    private static string ScriptPath => Path.Combine(RepositoryRoot.Path, "scripts", "deploy.sh");

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
        Bash("-n", ScriptPath).ExitCode.Should().Be(0);
    }

    [Fact]
    public void The_deploy_script_uses_main_bicep_and_the_environment_parameter_files()
    {
        var text = File.ReadAllText(ScriptPath);

        text.Should().Contain("infra/main.bicep").And.Contain("infra/main.$environment.parameters.json");
        text.Should().Contain("az deployment group create").And.Contain("az functionapp deployment source config-zip");
        text.Should().Contain("artifacts/finance-functions.zip").And.Contain("scripts/package.sh");
    }

    [Fact]
    public void Without_arguments_the_deploy_script_prints_its_usage_and_fails()
    {
        var result = Bash(ScriptPath);

        result.ExitCode.Should().Be(2);
        result.StandardError.Should().Contain("Usage: scripts/deploy.sh <dev|prod> <resource-group>");
    }

    [Fact]
    public void The_deploy_script_refuses_an_unknown_environment_before_calling_azure()
    {
        var result = Bash(ScriptPath, "staging", "rg-anything");

        result.ExitCode.Should().NotBe(0);
        result.StandardError.Should().Contain("environment must be dev or prod");
    }

    private static (int ExitCode, string StandardError) Bash(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromSeconds(30)).Should().BeTrue();
        _ = stdout.GetAwaiter().GetResult();
        return (process.ExitCode, stderr.GetAwaiter().GetResult());
    }
}
