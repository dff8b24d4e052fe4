using System.Text.Json;
using System.Xml.Linq;
using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// The checkout's infra/ as the real Bicep compiler sees it: every .bicep and .bicepparam builds and lints with no
/// message at all, with the CLI version pinned in Directory.Packages.props and the rules bicepconfig.json
/// states. The messages, when there are any, are the compiler's own with file(line,column).
/// </summary>
public sealed class CompilerTests
{
    private static readonly Lazy<InfraCheckResult> Checkout = new(() => InfraCheck.Run(RepositoryRoot.Path));

    private static InfraCheckResult Check => Checkout.Value;

    [Fact]
    public void The_cli_is_the_version_pinned_in_directory_packages_props()
    {
        var props = XDocument.Load(Path.Combine(RepositoryRoot.Path, "Directory.Packages.props"));
        var pinned = props.Descendants("PackageVersion")
            .Single(p => (string?)p.Attribute("Include") == "Azure.Bicep.CommandLine.linux-x64")
            .Attribute("Version")!.Value;

        var run = BicepCli.Run(RepositoryRoot.Path, "--version");

        run.ExitCode.Should().Be(0);
        run.StandardOutput.Should().Contain($"Bicep CLI version {pinned} ");
        BicepCli.Path.Should().Contain(Path.Combine("azure.bicep.commandline.linux-x64", pinned, "tools"));
    }

    [Fact]
    public void Every_file_under_infra_is_checked()
    {
        Check.BicepFiles.Should().Contain(Infrastructure.MainPath).And.HaveCountGreaterThanOrEqualTo(6, "main.bicep and its five modules");
        Check.ParameterFiles.Should().BeEquivalentTo(Infrastructure.Environments.Select(Infrastructure.ParameterFilePath));
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "infra"), "*.json", SearchOption.AllDirectories)
            .Select(Path.GetFileName).Should().Equal(["bicepconfig.json"], "parameter files are .bicepparam, compiled by bicep build-params");
    }

    [Fact]
    public void Bicep_build_of_every_bicep_file_prints_no_error_or_warning()
    {
        Check.Build.Findings.Should().BeEmpty();
    }

    [Fact]
    public void Bicep_lint_of_every_bicep_and_bicepparam_file_finds_nothing()
    {
        Check.Lint.Findings.Should().BeEmpty();
    }

    [Fact]
    public void Bicep_build_params_of_every_parameter_file_prints_no_error_or_warning()
    {
        Check.BuildParams.Findings.Should().BeEmpty();
    }

    [Fact]
    public void Bicepconfig_states_a_level_for_each_rule_and_a_reason_beside_each_rule_switched_off()
    {
        var path = Path.Combine(RepositoryRoot.Path, "infra", "bicepconfig.json");
        var lines = File.ReadAllLines(path);
        using var config = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        core.GetProperty("enabled").GetBoolean().Should().BeTrue();
        var rules = core.GetProperty("rules").EnumerateObject().ToList();

        rules.Should().HaveCountGreaterThanOrEqualTo(50, "every rule of the pinned CLI's linter is listed with its level");
        rules.Select(r => r.Value.GetProperty("level").GetString()).Should().OnlyContain(l => l == "off" || l == "warning" || l == "error");
        foreach (var rule in rules.Where(r => r.Value.GetProperty("level").GetString() == "off"))
        {
            var at = Array.FindIndex(lines, l => l.Contains($"\"{rule.Name}\"", StringComparison.Ordinal));
            lines[at - 1].Trim().Should().StartWith("//", $"'{rule.Name}' is off, and the line above it says why");
        }
    }
}
