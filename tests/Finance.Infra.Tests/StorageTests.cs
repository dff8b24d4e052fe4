using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using Finance.Storage;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>Both storage accounts are locked down; the ledger account holds exactly the app's tables and containers.</summary>
public sealed class StorageTests
{
    private static IReadOnlyList<Variant> Variants => Infrastructure.Current.Variants;

    public static TheoryData<string> VariantLabels => new(Infrastructure.Current.Variants.Select(v => v.Label));

    [Fact]
    public void Every_variant_creates_two_storage_accounts_one_for_the_host_and_one_for_the_ledger()
    {
        foreach (var variant in Variants)
        {
            variant.Deployment.OfType(DeploymentRules.StorageAccountType).Should().HaveCount(2, variant.Label);
            DeploymentRules.HostAccount(variant).Id.Should().NotBe(DeploymentRules.LedgerAccount(variant).Id);
        }
    }

    [Fact]
    public void Storage_account_names_are_3_to_24_lowercase_letters_and_digits()
    {
        // uniqueString() is evaluated with a stand-in of its real length (13), so these are the lengths Azure sees.
        Variants.SelectMany(v => v.Deployment.OfType(DeploymentRules.StorageAccountType)).Select(a => a.Name)
            .Should().OnlyContain(name => name.Length >= 3 && name.Length <= 24 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)));
    }

    [Theory]
    [InlineData("properties.allowSharedKeyAccess", false)]
    [InlineData("properties.minimumTlsVersion", "TLS1_2")]
    [InlineData("properties.supportsHttpsTrafficOnly", true)]
    [InlineData("properties.allowBlobPublicAccess", false)]
    public void Every_storage_account_sets(string property, object expected)
    {
        DeploymentRules.StorageAccountsSet(Variants, property, ArmValue.From(expected)).Should().BeEmpty();
    }

    [Fact]
    public void Ledger_blobs_are_versioned_and_deleted_blobs_and_containers_can_be_restored()
    {
        DeploymentRules.LedgerBlobsRecoverable(Variants).Should().BeEmpty();
    }

    [Fact]
    public void The_frozen_statements_container_has_a_time_based_immutability_policy()
    {
        DeploymentRules.StatementsImmutable(Variants, StorageNames.StatementsContainer).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(VariantLabels), DisableDiscoveryEnumeration = true)]
    public void No_other_container_is_immutable(string label)
    {
        // Imports and reports are rewritten; only statements are frozen.
        var variant = Variants.Single(v => v.Label == label);
        var immutable = variant.Deployment.OfType(DeploymentRules.ContainerType)
            .Where(c => c.At("properties.immutableStorageWithVersioning.enabled") is ArmBool { Value: true })
            .Select(c => c.Name);

        immutable.Should().Equal($"{DeploymentRules.LedgerAccount(variant).Name}/default/{StorageNames.StatementsContainer}");
    }

    [Theory]
    [MemberData(nameof(VariantLabels), DisableDiscoveryEnumeration = true)]
    public void The_ledger_tables_are_exactly_the_apps_tables(string label)
    {
        var inTemplate = DeploymentRules.LedgerResourceNames(Variants.Single(v => v.Label == label), DeploymentRules.TableType);

        DeploymentRules.SameNames("table", inTemplate, StorageNames.Tables).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(VariantLabels), DisableDiscoveryEnumeration = true)]
    public void The_ledger_containers_are_exactly_the_apps_containers(string label)
    {
        var inTemplate = DeploymentRules.LedgerResourceNames(Variants.Single(v => v.Label == label), DeploymentRules.ContainerType);

        DeploymentRules.SameNames("container", inTemplate, StorageNames.Containers).Should().BeEmpty();
    }
}
