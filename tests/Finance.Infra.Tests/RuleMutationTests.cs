using Finance.Functions.Configuration;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using Finance.Storage;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// Each rule fails on a copy of the Bicep broken in the way the rule guards against: proof that the green tests above
/// come from reading the real tree, not from a check that cannot fail.
/// </summary>
public sealed class RuleMutationTests
{
    private const string Main = Infrastructure.MainPath;
    private const string FunctionApp = "infra/modules/function-app.bicep";
    private const string LedgerStorage = "infra/modules/ledger-storage.bicep";
    private const string HostStorage = "infra/modules/host-storage.bicep";
    private const string IdentityAccess = "infra/modules/identity-access.bicep";
    private const string Monitoring = "infra/modules/monitoring.bicep";

    [Fact]
    public void Shared_key_access_turned_on_fails_the_storage_rule()
    {
        var infra = Mutated(LedgerStorage, "allowSharedKeyAccess: false", "allowSharedKeyAccess: true");

        DeploymentRules.StorageAccountsSet(infra, "properties.allowSharedKeyAccess", "false")
            .Should().ContainSingle().Which.Should().Contain("allowSharedKeyAccess is true");
    }

    [Fact]
    public void An_old_tls_version_fails_the_storage_rule()
    {
        var infra = Mutated(HostStorage, "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'");

        DeploymentRules.StorageAccountsSet(infra, "properties.minimumTlsVersion", "TLS1_2")
            .Should().ContainSingle().Which.Should().Contain("TLS1_0");
    }

    [Fact]
    public void Versioning_turned_off_fails_the_recoverability_rule()
    {
        var infra = Mutated(LedgerStorage, "isVersioningEnabled: true", "isVersioningEnabled: false");

        DeploymentRules.LedgerBlobsRecoverable(infra).Should().ContainSingle().Which.Should().Contain("versioning is false");
    }

    [Fact]
    public void An_immutability_policy_moved_off_the_statements_container_fails_the_immutability_rule()
    {
        var infra = Mutated(LedgerStorage, "  parent: statementsContainer\n  name: 'default'", "  parent: mutableContainers[0]\n  name: 'default'");

        DeploymentRules.StatementsImmutable(infra, StorageNames.StatementsContainer)
            .Should().ContainSingle().Which.Should().Contain("expected one immutability policy with parent statementsContainer, found 0");
    }

    [Fact]
    public void A_table_the_app_uses_but_the_bicep_drops_fails_the_table_comparison()
    {
        var infra = Mutated(LedgerStorage, "  'Runs'\n", "");
        var inBicep = DeploymentRules.LedgerResourceNames(infra, $"{DeploymentRules.StorageAccountType}/tableServices/tables");

        DeploymentRules.SameNames("table", inBicep, StorageNames.Tables).Should().Equal("table 'Runs' is used by the app but not created");
    }

    [Fact]
    public void A_container_the_app_does_not_use_fails_the_container_comparison()
    {
        var infra = Mutated(LedgerStorage, "  'reports'\n", "  'reports'\n  'archive'\n");
        var inBicep = DeploymentRules.LedgerResourceNames(infra, $"{DeploymentRules.StorageAccountType}/blobServices/containers");

        DeploymentRules.SameNames("container", inBicep, StorageNames.Containers).Should().Equal("container 'archive' is created but not in the app's list");
    }

    [Fact]
    public void A_site_without_identity_fails_the_identity_rule()
    {
        var infra = Mutated(FunctionApp, "type: 'SystemAssigned'", "type: 'None'");

        DeploymentRules.SiteHasSystemAssignedIdentity(infra).Should().ContainSingle().Which.Should().Contain("is None");
    }

    [Fact]
    public void A_setting_the_app_reads_but_the_bicep_drops_fails_the_settings_rule()
    {
        var infra = Mutated(FunctionApp, "  {\n    name: 'Close__WorkingDay'\n    value: string(closeWorkingDay)\n  }\n", "");

        DeploymentRules.MissingAppSettings(infra, KnownSettings.InAzure, KnownSettings.ProvidedOtherwise)
            .Should().HaveCount(2, "both hosting variants lose it")
            .And.OnlyContain(p => p.Contains("Close__WorkingDay is not set"));
    }

    [Fact]
    public void A_setting_the_app_does_not_read_fails_the_settings_rule()
    {
        var infra = Mutated(
            FunctionApp, "var premiumOnlyAppSettings = [\n", "var premiumOnlyAppSettings = [\n  {\n    name: 'Reports__Container'\n    value: 'reports'\n  }\n");

        DeploymentRules.UnexpectedAppSettings(infra, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform)
            .Should().ContainSingle().Which.Should().Contain("Reports__Container is neither in AppSettings.All");
    }

    [Fact]
    public void A_storage_connection_string_fails_the_local_only_and_secret_rules()
    {
        var infra = Mutated(
            FunctionApp,
            "var commonAppSettings = [\n",
            "var hostConnection = 'DefaultEndpointsProtocol=https;AccountName=${hostStorageAccountName};AccountKey=${hostKey}'\n\n"
            + "var commonAppSettings = [\n  {\n    name: 'AzureWebJobsStorage'\n    value: hostConnection\n  }\n");

        DeploymentRules.UnexpectedAppSettings(infra, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform)
            .Should().ContainSingle().Which.Should().Contain("AzureWebJobsStorage is for local runs only");
        DeploymentRules.AppSettingsHoldNoSecrets(infra, KnownSettings.AddressesNotSecrets)
            .Should().ContainSingle().Which.Should().Contain("AzureWebJobsStorage looks like a secret");
    }

    [Fact]
    public void A_worker_runtime_other_than_custom_fails_the_custom_handler_rule()
    {
        var infra = Mutated(FunctionApp, "name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: 'custom'", "name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: 'dotnet-isolated'");

        DeploymentRules.RunsCustomHandler(infra, AppSettings.WorkerRuntime.Name)
            .Should().ContainSingle().Which.Should().Contain("FUNCTIONS_WORKER_RUNTIME is dotnet-isolated, expected custom");
    }

    [Fact]
    public void Flex_consumption_given_the_worker_runtime_setting_fails_the_custom_handler_rule()
    {
        var infra = Mutated(FunctionApp, "var commonAppSettings = [\n", "var commonAppSettings = [\n  {\n    name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: 'custom'\n  }\n");

        DeploymentRules.RunsCustomHandler(infra, AppSettings.WorkerRuntime.Name)
            .Should().ContainSingle().Which.Should().Contain("Flex Consumption rejects it");
    }

    [Fact]
    public void A_flex_package_pulled_with_a_key_fails_the_deployment_identity_rule()
    {
        var infra = Mutated(FunctionApp, "type: 'SystemAssignedIdentity'", "type: 'StorageAccountConnectionString'");

        DeploymentRules.FlexDeploymentUsesIdentity(infra).Should().ContainSingle();
    }

    [Fact]
    public void A_role_on_the_wrong_account_fails_the_role_rule()
    {
        var infra = Mutated(
            IdentityAccess,
            "name: guid(ledgerStorage.id, principalId, roleIds.storageTableDataContributor)\n  scope: ledgerStorage",
            "name: guid(ledgerStorage.id, principalId, roleIds.storageTableDataContributor)\n  scope: hostStorage");
        var report = DeploymentRules.RoleGrants(infra);

        report.Problems.Should().BeEmpty();
        report.Grants.Should().NotBeEquivalentTo(RoleAssignmentTests.Expected(infra));
    }

    [Fact]
    public void A_role_scoped_to_the_resource_group_fails_the_role_rule()
    {
        var infra = Mutated(IdentityAccess, "scope: appInsights", "scope: resourceGroup()");

        DeploymentRules.RoleGrants(infra).Problems.Should().ContainSingle().Which.Should().Contain("scope is not a single resource");
    }

    [Fact]
    public void A_role_for_another_principal_fails_the_role_rule()
    {
        var infra = Mutated(IdentityAccess, "    principalId: principalId\n", "    principalId: '00000000-0000-0000-0000-000000000000'\n");

        DeploymentRules.RoleGrants(infra).Problems.Should().ContainSingle().Which.Should().Contain("not from the site's identity");
    }

    [Fact]
    public void A_key_in_an_output_fails_the_output_rule()
    {
        var infra = Mutated(
            Main,
            "output functionAppName string",
            "output hostStorageKey string = listKeys(resourceId('Microsoft.Storage/storageAccounts', names.hostStorage), '2024-01-01').keys[0].value\noutput functionAppName string");

        DeploymentRules.SecretOutputs(infra).Should().HaveCount(2).And.Contain(p => p.Contains("named like a secret")).And.Contain(p => p.Contains("secret-like value"));
    }

    [Fact]
    public void A_connection_string_output_through_a_variable_fails_the_output_rule()
    {
        var infra = Mutated(
            Main,
            "output functionAppName string",
            "var endpointText = 'DefaultEndpointsProtocol=https;AccountName=${names.ledgerStorage}'\noutput ledgerAddress string = endpointText\noutput functionAppName string");

        DeploymentRules.SecretOutputs(infra).Should().ContainSingle().Which.Should().Contain("output 'ledgerAddress' has a secret-like value");
    }

    [Fact]
    public void Application_insights_with_local_auth_fails_the_telemetry_rule()
    {
        var infra = Mutated(Monitoring, "DisableLocalAuth: true", "DisableLocalAuth: false");

        DeploymentRules.TelemetryNeedsEntraAuth(infra).Should().ContainSingle();
    }

    private static string Source(string path) => Infrastructure.Source(path);

    /// <summary>The checkout's infrastructure with the first occurrence of <paramref name="find"/> in one file replaced.</summary>
    private static Infrastructure Mutated(string path, string find, string replacement)
    {
        var source = Source(path);
        var at = source.IndexOf(find, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the mutation expects '{find}' in {path}");
        var mutated = string.Concat(source.AsSpan(0, at), replacement, source.AsSpan(at + find.Length));
        mutated.Should().NotBe(source);
        return Infrastructure.Current.WithSource(path, mutated);
    }
}
