using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using Finance.Storage;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>Both storage accounts are locked down; the ledger account holds exactly the app's tables and containers.</summary>
public sealed class StorageTests
{
    private static Infrastructure Infra => Infrastructure.Current;

    [Fact]
    public void Two_storage_accounts_are_created_one_for_the_host_and_one_for_the_ledger()
    {
        var accounts = Infra.Files.SelectMany(f => f.Created(DeploymentRules.StorageAccountType)).ToList();

        accounts.Should().HaveCount(2);
        DeploymentRules.LedgerFile(Infra).Created(DeploymentRules.StorageAccountType).Should().ContainSingle();
    }

    [Theory]
    [InlineData("properties.allowSharedKeyAccess", "false")]
    [InlineData("properties.minimumTlsVersion", "TLS1_2")]
    [InlineData("properties.supportsHttpsTrafficOnly", "true")]
    [InlineData("properties.allowBlobPublicAccess", "false")]
    public void Every_storage_account_sets(string property, string expected)
    {
        DeploymentRules.StorageAccountsSet(Infra, property, expected).Should().BeEmpty();
    }

    [Fact]
    public void Ledger_blobs_are_versioned_and_deleted_blobs_and_containers_can_be_restored()
    {
        DeploymentRules.LedgerBlobsRecoverable(Infra).Should().BeEmpty();
    }

    [Fact]
    public void The_frozen_statements_container_has_a_time_based_immutability_policy()
    {
        DeploymentRules.StatementsImmutable(Infra, StorageNames.StatementsContainer).Should().BeEmpty();
    }

    [Fact]
    public void No_other_ledger_container_is_immutable()
    {
        // Imports and reports are rewritten; only statements are frozen.
        var ledger = DeploymentRules.LedgerFile(Infra);
        var immutable = ledger.Created($"{DeploymentRules.StorageAccountType}/blobServices/containers")
            .Where(c => ledger.Values(c, "properties.immutableStorageWithVersioning.enabled").SelectMany(ledger.Booleans).Any(b => b))
            .SelectMany(ledger.ResourceNames);

        immutable.Should().Equal(StorageNames.StatementsContainer);
    }

    [Fact]
    public void The_ledger_tables_are_exactly_the_apps_tables()
    {
        var inBicep = DeploymentRules.LedgerResourceNames(Infra, $"{DeploymentRules.StorageAccountType}/tableServices/tables");

        DeploymentRules.SameNames("table", inBicep, StorageNames.Tables).Should().BeEmpty();
    }

    [Fact]
    public void The_ledger_containers_are_exactly_the_apps_containers()
    {
        var inBicep = DeploymentRules.LedgerResourceNames(Infra, $"{DeploymentRules.StorageAccountType}/blobServices/containers");

        DeploymentRules.SameNames("container", inBicep, StorageNames.Containers).Should().BeEmpty();
    }
}
