using Finance.Functions.Configuration;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>The Function App runs the custom handler with a managed identity and every setting the app reads.</summary>
public sealed class FunctionAppTests
{
    private static Infrastructure Infra => Infrastructure.Current;

    [Fact]
    public void The_site_has_a_system_assigned_managed_identity()
    {
        DeploymentRules.SiteHasSystemAssignedIdentity(Infra).Should().BeEmpty();
    }

    [Fact]
    public void The_site_answers_https_only_with_tls_1_2()
    {
        DeploymentRules.SiteHttpsOnly(Infra).Should().BeEmpty();
    }

    [Fact]
    public void The_hosting_plan_is_flex_consumption_by_default_with_elastic_premium_as_the_alternative()
    {
        var hostingPlan = Infra.Main.Find("param", "hostingPlan");
        hostingPlan.Should().NotBeNull();
        Infra.Main.Strings(hostingPlan!.Value).Should().Equal("FlexConsumption");
        Infra.Main.ArrayItems(hostingPlan.DecoratorArgument("allowed")).SelectMany(Infra.Main.Strings)
            .Should().BeEquivalentTo("FlexConsumption", "ElasticPremium");

        var app = FunctionAppModel.Find(Infra);
        var plan = app.File.Created("Microsoft.Web/serverfarms").Should().ContainSingle().Subject;
        app.File.Values(plan, "sku.tier").SelectMany(app.File.Strings).Should().BeEquivalentTo("FlexConsumption", "ElasticPremium");
        app.Variants.Should().HaveCount(2, "one site configuration per hosting plan");
        app.Variants.Count(v => v.FunctionAppConfigs.Count > 0).Should().Be(1, "only Flex Consumption has functionAppConfig");
    }

    [Fact]
    public void Every_variant_runs_the_custom_handler()
    {
        DeploymentRules.RunsCustomHandler(Infra, AppSettings.WorkerRuntime.Name).Should().BeEmpty();
    }

    [Fact]
    public void Flex_consumption_pulls_its_package_with_the_managed_identity()
    {
        DeploymentRules.FlexDeploymentUsesIdentity(Infra).Should().BeEmpty();
    }

    [Fact]
    public void Every_setting_the_app_reads_in_azure_is_set()
    {
        DeploymentRules.MissingAppSettings(Infra, KnownSettings.InAzure, KnownSettings.ProvidedOtherwise).Should().BeEmpty();
    }

    [Fact]
    public void Every_app_setting_in_the_bicep_is_read_by_the_app_or_is_a_named_platform_setting()
    {
        DeploymentRules.UnexpectedAppSettings(Infra, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform).Should().BeEmpty();
    }

    [Fact]
    public void The_platform_settings_list_names_only_settings_the_bicep_uses()
    {
        // Keeps the allow-list honest: a platform setting nobody sets any more is removed from it.
        var set = FunctionAppModel.Find(Infra).Variants.SelectMany(v => v.AppSettings).Select(s => s.Name).ToHashSet();

        KnownSettings.Platform.Should().OnlyContain(name => set.Contains(name));
    }

    [Fact]
    public void No_app_setting_holds_a_key_or_connection_string()
    {
        DeploymentRules.AppSettingsHoldNoSecrets(Infra, KnownSettings.AddressesNotSecrets).Should().BeEmpty();
    }

    [Fact]
    public void Application_insights_accepts_only_entra_authenticated_telemetry()
    {
        DeploymentRules.TelemetryNeedsEntraAuth(Infra).Should().BeEmpty();
    }

    [Fact]
    public void Ledger_settings_are_the_ledger_accounts_endpoints()
    {
        var ledger = DeploymentRules.LedgerFile(Infra);
        var account = ledger.Created(DeploymentRules.StorageAccountType).Single();

        DeploymentRules.TraceAppSetting(Infra, AppSettings.LedgerTableServiceUri.Name)
            .Should().Be($"{ledger.Path}: {account.Name}.properties.primaryEndpoints.table");
        DeploymentRules.TraceAppSetting(Infra, AppSettings.LedgerBlobServiceUri.Name)
            .Should().Be($"{ledger.Path}: {account.Name}.properties.primaryEndpoints.blob");
    }

    [Fact]
    public void Host_storage_is_the_other_account_by_name()
    {
        var ledger = DeploymentRules.LedgerFile(Infra);
        var host = Infra.Files.Where(f => f != ledger).Single(f => f.Created(DeploymentRules.StorageAccountType).Any());
        var account = host.Created(DeploymentRules.StorageAccountType).Single();

        DeploymentRules.TraceAppSetting(Infra, AppSettings.HostStorageAccountName.Name).Should().Be($"{host.Path}: {account.Name}.name");
    }

    [Theory]
    [InlineData("Auth__Issuer", "authIssuer")]
    [InlineData("Auth__Audience", "authAudience")]
    [InlineData("Heartbeat__Schedule", "heartbeatSchedule")]
    [InlineData("Close__Schedule", "closeSchedule")]
    public void Auth_and_schedule_settings_come_from_main_parameters(string setting, string parameter)
    {
        DeploymentRules.TraceAppSetting(Infra, setting).Should().Be($"{Infrastructure.MainPath}: param {parameter}");
    }
}
