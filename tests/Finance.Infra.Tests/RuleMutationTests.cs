using Finance.Functions.Configuration;
using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using Finance.Storage;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// Each rule fails on a copy of the Bicep broken in the way the rule guards against, compiled by the real compiler
/// and evaluated like the checkout: proof that the green tests come from reading the compiled template, not from a
/// check that cannot fail. Every variant (environment × hosting plan) is evaluated, so a break shows once per variant
/// it reaches.
/// </summary>
public sealed class RuleMutationTests
{
    private const string Main = Infrastructure.MainPath;
    private const string FunctionApp = "infra/modules/function-app.bicep";
    private const string LedgerStorage = "infra/modules/ledger-storage.bicep";
    private const string HostStorage = "infra/modules/host-storage.bicep";
    private const string IdentityAccess = "infra/modules/identity-access.bicep";
    private const string Monitoring = "infra/modules/monitoring.bicep";

    private static int VariantCount => Infrastructure.Current.Variants.Count;

    [Fact]
    public void Shared_key_access_turned_on_fails_the_storage_rule()
    {
        var variants = Mutated(LedgerStorage, "allowSharedKeyAccess: false", "allowSharedKeyAccess: true");

        DeploymentRules.StorageAccountsSet(variants, "properties.allowSharedKeyAccess", new ArmBool(false))
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("stfinledger") && p.Contains("allowSharedKeyAccess is true, expected false"));
    }

    [Fact]
    public void An_old_tls_version_fails_the_storage_rule()
    {
        var variants = Mutated(HostStorage, "minimumTlsVersion: 'TLS1_2'", "minimumTlsVersion: 'TLS1_0'");

        DeploymentRules.StorageAccountsSet(variants, "properties.minimumTlsVersion", new ArmString("TLS1_2"))
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("stfinhost") && p.Contains("'TLS1_0'"));
    }

    [Fact]
    public void Plain_http_allowed_fails_the_storage_rule()
    {
        var variants = Mutated(LedgerStorage, "supportsHttpsTrafficOnly: true", "supportsHttpsTrafficOnly: false");

        DeploymentRules.StorageAccountsSet(variants, "properties.supportsHttpsTrafficOnly", new ArmBool(true)).Should().HaveCount(VariantCount);
    }

    [Fact]
    public void Public_blob_access_allowed_fails_the_storage_rule()
    {
        var variants = Mutated(HostStorage, "allowBlobPublicAccess: false", "allowBlobPublicAccess: true");

        DeploymentRules.StorageAccountsSet(variants, "properties.allowBlobPublicAccess", new ArmBool(false)).Should().HaveCount(VariantCount);
    }

    [Fact]
    public void Versioning_turned_off_fails_the_recoverability_rule()
    {
        var variants = Mutated(LedgerStorage, "isVersioningEnabled: true", "isVersioningEnabled: false");

        DeploymentRules.LedgerBlobsRecoverable(variants).Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("versioning is false"));
    }

    [Fact]
    public void Container_soft_delete_turned_off_fails_the_recoverability_rule()
    {
        var variants = Mutated(LedgerStorage, "containerDeleteRetentionPolicy: {\n      enabled: true", "containerDeleteRetentionPolicy: {\n      enabled: false");

        DeploymentRules.LedgerBlobsRecoverable(variants).Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("containerDeleteRetentionPolicy.enabled is false"));
    }

    [Fact]
    public void An_immutability_policy_moved_off_the_statements_container_fails_the_immutability_rule()
    {
        var variants = Mutated(LedgerStorage, "  parent: statementsContainer\n  name: 'default'", "  parent: mutableContainers[0]\n  name: 'default'");

        DeploymentRules.StatementsImmutable(variants, StorageNames.StatementsContainer)
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("expected one immutability policy on") && p.Contains("found 0"));
    }

    [Fact]
    public void A_table_the_app_uses_but_the_bicep_drops_fails_the_table_comparison()
    {
        var variant = Mutated(LedgerStorage, "  'Runs'\n", "")[0];

        DeploymentRules.SameNames("table", DeploymentRules.LedgerResourceNames(variant, DeploymentRules.TableType), StorageNames.Tables)
            .Should().Equal("table 'Runs' is used by the app but not created");
    }

    [Fact]
    public void A_container_the_app_does_not_use_fails_the_container_comparison()
    {
        var variant = Mutated(LedgerStorage, "  'reports'\n", "  'reports'\n  'archive'\n")[0];

        DeploymentRules.SameNames("container", DeploymentRules.LedgerResourceNames(variant, DeploymentRules.ContainerType), StorageNames.Containers)
            .Should().Equal("container 'archive' is created but not in the app's list");
    }

    [Fact]
    public void A_site_without_identity_fails_the_identity_rule()
    {
        var variants = Mutated(FunctionApp, "type: 'SystemAssigned'", "type: 'None'");

        DeploymentRules.SiteHasSystemAssignedIdentity(variants).Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("is 'None'"));
    }

    [Fact]
    public void A_site_that_answers_http_fails_the_https_rule()
    {
        var variants = Mutated(FunctionApp, "httpsOnly: true", "httpsOnly: false");

        DeploymentRules.SiteHttpsOnly(variants).Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("httpsOnly is false"));
    }

    [Fact]
    public void An_old_site_tls_version_on_one_plan_fails_the_https_rule_for_that_plan()
    {
        var variants = Mutated(FunctionApp, "  appSettings: commonAppSettings\n  minTlsVersion: '1.2'", "  appSettings: commonAppSettings\n  minTlsVersion: '1.0'");

        DeploymentRules.SiteHttpsOnly(variants).Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("FlexConsumption") && p.Contains("'1.0'"));
    }

    [Fact]
    public void A_setting_the_app_reads_but_the_bicep_drops_fails_the_settings_rule()
    {
        var variants = Mutated(FunctionApp, "  {\n    name: 'Close__WorkingDay'\n    value: string(closeWorkingDay)\n  }\n", "");

        DeploymentRules.MissingAppSettings(variants, KnownSettings.InAzure, KnownSettings.ProvidedOtherwise)
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("Close__WorkingDay is not set"));
    }

    [Fact]
    public void A_setting_the_app_does_not_read_fails_the_settings_rule()
    {
        var variants = Mutated(
            FunctionApp, "var premiumOnlyAppSettings = [\n", "var premiumOnlyAppSettings = [\n  {\n    name: 'Reports__Container'\n    value: 'reports'\n  }\n");

        DeploymentRules.UnexpectedAppSettings(variants, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform)
            .Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("ElasticPremium") && p.Contains("Reports__Container is neither in AppSettings.All"));
    }

    [Fact]
    public void A_storage_connection_string_with_a_key_fails_the_local_only_and_secret_rules()
    {
        var variants = Mutated(
            FunctionApp,
            "var commonAppSettings = [\n",
            "var hostConnection = 'DefaultEndpointsProtocol=https;AccountName=${hostStorageAccountName};AccountKey=${listKeys(resourceId('Microsoft.Storage/storageAccounts', hostStorageAccountName), '2024-01-01').keys[0].value}'\n\n"
            + "var commonAppSettings = [\n  {\n    name: 'AzureWebJobsStorage'\n    value: hostConnection\n  }\n");

        DeploymentRules.UnexpectedAppSettings(variants, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform)
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("AzureWebJobsStorage is for local runs only"));
        DeploymentRules.AppSettingsHoldNoSecrets(variants, KnownSettings.AddressesNotSecrets)
            .Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("AzureWebJobsStorage looks like a secret") && p.Contains("listKeys("));
    }

    [Fact]
    public void Another_worker_runtime_on_elastic_premium_fails_the_runtime_rule()
    {
        var variants = Mutated(FunctionApp, $"name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: '{AppRuntime.Name}'", "name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: 'python'");

        DeploymentRules.RunsAppRuntime(variants, AppSettings.WorkerRuntime.Name)
            .Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("ElasticPremium") && p.Contains($"FUNCTIONS_WORKER_RUNTIME is 'python', expected '{AppRuntime.Name}'"));
    }

    [Fact]
    public void Another_runtime_on_flex_consumption_fails_the_runtime_rule()
    {
        var variants = Mutated(FunctionApp, $"  runtime: {{\n    name: '{AppRuntime.Name}'\n", "  runtime: {\n    name: 'python'\n");

        DeploymentRules.RunsAppRuntime(variants, AppSettings.WorkerRuntime.Name)
            .Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("FlexConsumption") && p.Contains("runtime.name is 'python'"));
    }

    [Fact]
    public void Another_dotnet_version_on_flex_consumption_fails_the_runtime_rule()
    {
        var variants = Mutated(FunctionApp, $"    name: '{AppRuntime.Name}'\n    version: '{AppRuntime.Version}'\n", $"    name: '{AppRuntime.Name}'\n    version: '8.0'\n");

        DeploymentRules.RunsAppRuntime(variants, AppSettings.WorkerRuntime.Name)
            .Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("FlexConsumption") && p.Contains("'8.0'"));
    }

    [Fact]
    public void Another_linux_stack_on_elastic_premium_fails_the_runtime_rule()
    {
        var variants = Mutated(FunctionApp, $"linuxFxVersion: '{AppRuntime.PremiumLinuxFxVersion}'", "linuxFxVersion: 'DOTNET-ISOLATED|8.0'");

        DeploymentRules.RunsAppRuntime(variants, AppSettings.WorkerRuntime.Name)
            .Should().HaveCount(VariantCount / 2).And.OnlyContain(p => p.Contains("ElasticPremium") && p.Contains("linuxFxVersion"));
    }

    [Fact]
    public void Flex_consumption_given_the_worker_runtime_setting_fails_the_runtime_rule()
    {
        var variants = Mutated(FunctionApp, "var commonAppSettings = [\n", $"var commonAppSettings = [\n  {{\n    name: 'FUNCTIONS_WORKER_RUNTIME'\n    value: '{AppRuntime.Name}'\n  }}\n");

        DeploymentRules.RunsAppRuntime(variants, AppSettings.WorkerRuntime.Name)
            .Should().Contain(p => p.Contains("FlexConsumption") && p.Contains("Flex Consumption rejects it"))
            .And.Contain(p => p.Contains("ElasticPremium") && p.Contains("set 2 times"));
    }

    [Fact]
    public void A_flex_package_pulled_with_a_key_fails_the_deployment_identity_rule()
    {
        var variants = Mutated(FunctionApp, "type: 'SystemAssignedIdentity'", "type: 'StorageAccountConnectionString'");

        DeploymentRules.FlexDeploymentUsesIdentity(variants).Should().HaveCount(VariantCount / 2);
    }

    [Fact]
    public void A_role_on_the_wrong_account_fails_the_role_rule()
    {
        var variant = Mutated(
            IdentityAccess,
            "name: guid(ledgerStorage.id, principalId, roleIds.storageTableDataContributor)\n  scope: ledgerStorage",
            "name: guid(ledgerStorage.id, principalId, roleIds.storageTableDataContributor)\n  scope: hostStorage")[0];
        var report = DeploymentRules.RoleGrants(variant);

        report.Problems.Should().BeEmpty();
        report.Grants.Should().NotBeEquivalentTo(RoleAssignmentTests.Expected(variant));
    }

    [Fact]
    public void A_role_granted_on_the_resource_group_fails_the_role_rule()
    {
        var variant = Mutated(IdentityAccess, "  scope: appInsights\n", "")[0];

        DeploymentRules.RoleGrants(variant).Problems.Should().ContainSingle().Which.Should().Contain("has no resource scope");
    }

    [Fact]
    public void A_role_named_rather_than_given_by_id_fails_the_role_rule()
    {
        var variant = Mutated(
            IdentityAccess,
            "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)",
            "roleDefinitionId: 'Monitoring Metrics Publisher'")[0];

        DeploymentRules.RoleGrants(variant).Problems.Should().ContainSingle().Which.Should().Contain("is not a built-in role by id");
    }

    [Fact]
    public void A_role_for_another_principal_fails_the_role_rule()
    {
        var variant = Mutated(IdentityAccess, "    principalId: principalId\n", "    principalId: '00000000-0000-0000-0000-000000000000'\n")[0];

        DeploymentRules.RoleGrants(variant).Problems.Should().ContainSingle().Which.Should().Contain("not the site's identity");
    }

    [Fact]
    public void A_key_in_an_output_fails_the_output_rule()
    {
        var variants = Mutated(
            Main,
            "output functionAppName string",
            "output hostStorageKey string = listKeys(resourceId('Microsoft.Storage/storageAccounts', names.hostStorage), '2024-01-01').keys[0].value\noutput functionAppName string");

        DeploymentRules.SecretOutputs(variants).Should().HaveCount(2 * VariantCount)
            .And.Contain(p => p.Contains("'hostStorageKey' is named like a secret"))
            .And.Contain(p => p.Contains("'hostStorageKey' has a secret-like value: listKeys("));
    }

    [Fact]
    public void A_connection_string_output_through_a_variable_fails_the_output_rule()
    {
        var variants = Mutated(
            Main,
            "output functionAppName string",
            "var endpointText = 'DefaultEndpointsProtocol=https;AccountName=${names.ledgerStorage}'\noutput ledgerAddress string = endpointText\noutput functionAppName string");

        DeploymentRules.SecretOutputs(variants).Should().HaveCount(VariantCount).And.OnlyContain(p => p.Contains("output 'ledgerAddress' has a secret-like value"));
    }

    [Fact]
    public void Application_insights_with_local_auth_fails_the_telemetry_rule()
    {
        var variants = Mutated(Monitoring, "DisableLocalAuth: true", "DisableLocalAuth: false");

        DeploymentRules.TelemetryNeedsEntraAuth(variants).Should().HaveCount(VariantCount);
    }

    /// <summary>The checkout's infrastructure with the first occurrence of <paramref name="find"/> in one file replaced,
    /// compiled and evaluated for every variant.</summary>
    private static IReadOnlyList<Variant> Mutated(string path, string find, string replacement)
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, path));
        var at = source.IndexOf(find, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the mutation expects '{find}' in {path}");
        var mutated = string.Concat(source.AsSpan(0, at), replacement, source.AsSpan(at + find.Length));
        mutated.Should().NotBe(source);
        return Infrastructure.Current.WithSource(path, mutated).Variants;
    }
}
