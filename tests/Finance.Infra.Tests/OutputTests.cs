using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>Deployment outputs are kept in the resource group's deployment history: nothing secret goes there.</summary>
public sealed class OutputTests
{
    private static IReadOnlyList<Variant> Variants => Infrastructure.Current.Variants;

    [Fact]
    public void No_output_of_any_deployment_is_named_typed_or_valued_like_a_secret()
    {
        DeploymentRules.SecretOutputs(Variants).Should().BeEmpty();
    }

    [Fact]
    public void Main_outputs_what_the_deploy_script_reads_and_each_is_the_sites()
    {
        foreach (var variant in Variants)
        {
            var site = Site.Of(variant).Resource;
            var main = variant.Deployment;

            main.Output("functionAppName").Value.Should().Be(new ArmString(site.Name), variant.Label);
            main.Output("hostingPlan").Value.Should().Be(new ArmString(variant.HostingPlan), variant.Label);
            main.Output("functionAppUrl").Value.Should().Be(
                ArmRuntime.Call("format", [new ArmString("https://{0}"), ArmRuntime.Property(site.Id, "properties.defaultHostName")]), variant.Label);
        }
    }
}
