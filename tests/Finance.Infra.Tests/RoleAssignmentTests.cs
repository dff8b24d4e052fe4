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

    private static Infrastructure Infra => Infrastructure.Current;

    /// <summary>What each role is for.</summary>
    public static IReadOnlyList<RoleGrant> Expected(Infrastructure infrastructure)
    {
        var ledger = DeploymentRules.LedgerFile(infrastructure).Path;
        var host = infrastructure.Files.Single(f => f.Path != ledger && f.Created(DeploymentRules.StorageAccountType).Any()).Path;
        var monitoring = infrastructure.Files.Single(f => f.Created("Microsoft.Insights/components").Any()).Path;
        return
        [
            // The ledger: journal entries and set-up in tables; imports, statements and reports in blobs.
            new(StorageTableDataContributor, DeploymentRules.StorageAccountType, ledger),
            new(StorageBlobDataContributor, DeploymentRules.StorageAccountType, ledger),
            // Identity-based AzureWebJobsStorage: blobs for locks, keys and the Flex package; a table for diagnostic events.
            new(StorageBlobDataOwner, DeploymentRules.StorageAccountType, host),
            new(StorageTableDataContributor, DeploymentRules.StorageAccountType, host),
            // Entra-authenticated telemetry.
            new(MonitoringMetricsPublisher, "Microsoft.Insights/components", monitoring),
        ];
    }

    [Fact]
    public void The_identity_gets_exactly_the_expected_roles_on_the_expected_resources()
    {
        var report = DeploymentRules.RoleGrants(Infra);

        report.Problems.Should().BeEmpty();
        report.Grants.Should().BeEquivalentTo(Expected(Infra));
    }

    [Fact]
    public void Every_role_assignment_is_to_the_sites_system_assigned_identity()
    {
        // RoleGrants follows each principalId through main.bicep to the site's identity.principalId.
        var report = DeploymentRules.RoleGrants(Infra);

        report.Problems.Where(p => p.Contains("principal", StringComparison.OrdinalIgnoreCase)).Should().BeEmpty();
        report.Grants.Should().HaveCount(5);
    }
}
