using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>Deployment outputs are kept in the resource group's deployment history: nothing secret goes there.</summary>
public sealed class OutputTests
{
    private static Infrastructure Infra => Infrastructure.Current;

    [Fact]
    public void No_output_of_any_file_is_named_or_valued_like_a_secret()
    {
        DeploymentRules.SecretOutputs(Infra).Should().BeEmpty();
    }

    [Fact]
    public void Main_outputs_what_the_deploy_script_reads()
    {
        Infra.Main.Outputs.Select(o => o.Name).Should().Contain(["functionAppName", "hostingPlan", "functionAppUrl"]);
    }
}
