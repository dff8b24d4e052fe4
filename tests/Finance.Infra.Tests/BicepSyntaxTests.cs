using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>Every Bicep file parses with the real grammar (tree-sitter-bicep), and the check can fail.</summary>
public sealed class BicepSyntaxTests
{
    private static Infrastructure Infra => Infrastructure.Current;

    [Fact]
    public void Every_bicep_file_under_infra_is_parsed()
    {
        var paths = Infrastructure.BicepPaths();

        paths.Should().Contain(Infrastructure.MainPath);
        paths.Should().HaveCountGreaterThanOrEqualTo(6, "main.bicep and its five modules");
        Infra.Files.Select(f => f.Path).Should().BeEquivalentTo(paths);
    }

    [Fact]
    public void Every_bicep_file_parses_without_error_or_missing_nodes()
    {
        Infra.Files.SelectMany(DeploymentRules.ParseProblems).Should().BeEmpty();
    }

    [Fact]
    public void Every_bicep_file_declares_something()
    {
        // A grammar that silently skipped everything would also report no errors.
        Infra.Files.Should().OnlyContain(f => f.Declarations.Count > 0);
        Infra.Main.Modules.Should().HaveCountGreaterThanOrEqualTo(5);
    }

    [Theory]
    [InlineData("resource st 'Microsoft.Storage/storageAccounts@2024-01-01' = {\n  name: 'x'\n  properties: {\n    minimumTlsVersion: 'TLS1_2'\n\n")]
    [InlineData("param location string = 'uksouth\n")]
    [InlineData("var settings = [\n  { name: 'a' value: }\n]\n")]
    [InlineData("output url string = 'https://${site.properties.defaultHostName'\n")]
    public void A_broken_file_produces_error_or_missing_nodes(string brokenBicep)
    {
        var file = new BicepFile("broken.bicep", BicepParser.ParseText(brokenBicep));

        DeploymentRules.ParseProblems(file).Should().NotBeEmpty();
    }

    [Fact]
    public void Every_module_main_uses_is_a_parsed_file_and_every_module_file_is_used()
    {
        var main = Infra.Main;
        var used = main.Modules.Select(m => Infra.ModuleFile(main, m).Path).ToList();

        used.Should().OnlyHaveUniqueItems();
        Infra.Files.Select(f => f.Path).Where(p => p != Infrastructure.MainPath).Should().BeEquivalentTo(used);
    }
}
