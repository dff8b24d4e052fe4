using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>The Function App's identity gets exactly the data roles it needs, each on the one resource that needs it.</summary>
public sealed class RoleAssignmentTests
{
    // Built-in role definition IDs, the same in every tenant (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    public static TheoryData<string> VariantLabels => new(Infrastructure.Current.Variants.Select(v => v.Label));

    /// <summary>What each role is for, on the resources of one variant.</summary>
    public static IReadOnlyList<RoleGrant> Expected(Variant variant)
    {
        var ledger = DeploymentRules.LedgerAccount(variant).Id;
        var host = DeploymentRules.HostAccount(variant).Id;
        var insights = variant.Deployment.OfType(DeploymentRules.InsightsType).Single().Id;
        return
        [
            // The ledger: journal entries and set-up in tables; imports, statements and reports in blobs.
            new(StorageTableDataContributor, ledger),
            new(StorageBlobDataContributor, ledger),
            // Identity-based AzureWebJobsStorage: blobs for locks, keys and the Flex package; a table for diagnostic events.
            new(StorageBlobDataOwner, host),
            new(StorageTableDataContributor, host),
            // Entra-authenticated telemetry.
            new(MonitoringMetricsPublisher, insights),
        ];
    }

    [Theory]
    [MemberData(nameof(VariantLabels), DisableDiscoveryEnumeration = true)]
    public void The_identity_gets_exactly_the_expected_roles_by_id_on_the_expected_resources(string label)
    {
        var variant = Infrastructure.Current.Variants.Single(v => v.Label == label);
        var report = DeploymentRules.RoleGrants(variant);

        report.Problems.Should().BeEmpty();
        report.Grants.Should().BeEquivalentTo(Expected(variant));
    }
}
