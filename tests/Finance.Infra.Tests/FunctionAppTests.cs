using Finance.Functions.Configuration;
using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;
using Finance.Infra.Tests.Rules;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>The Function App runs <see cref="AppRuntime"/> with a managed identity and every setting the app reads.</summary>
public sealed class FunctionAppTests
{
    private static Infrastructure Infra => Infrastructure.Current;

    private static IReadOnlyList<Variant> Variants => Infra.Variants;

    [Fact]
    public void The_site_has_a_system_assigned_managed_identity()
    {
        DeploymentRules.SiteHasSystemAssignedIdentity(Variants).Should().BeEmpty();
    }

    [Fact]
    public void The_site_answers_https_only_with_tls_1_2()
    {
        DeploymentRules.SiteHttpsOnly(Variants).Should().BeEmpty();
    }

    [Fact]
    public void The_app_name_stays_within_the_32_characters_the_host_id_is_made_from()
    {
        Variants.Select(v => Site.Of(v).Resource.Name).Should().OnlyContain(name => name.Length <= 32);
    }

    [Fact]
    public void The_hosting_plan_is_flex_consumption_by_default_with_elastic_premium_as_the_alternative()
    {
        var hostingPlan = Infra.MainParameter(Infrastructure.HostingPlanParameter);
        hostingPlan["defaultValue"]!.GetValue<string>().Should().Be("FlexConsumption");
        hostingPlan["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).Should().BeEquivalentTo("FlexConsumption", "ElasticPremium");

        foreach (var variant in Variants)
        {
            var plan = variant.Deployment.OfType("Microsoft.Web/serverfarms").Should().ContainSingle().Subject;
            plan.At("sku.tier").Should().Be(new ArmString(variant.HostingPlan), variant.Label);
            Site.Of(variant).IsFlex.Should().Be(variant.HostingPlan == "FlexConsumption", "only Flex Consumption has functionAppConfig");
        }
    }

    [Fact]
    public void Every_variant_runs_the_apps_runtime()
    {
        DeploymentRules.RunsAppRuntime(Variants, AppSettings.WorkerRuntime.Name).Should().BeEmpty();
    }

    [Fact]
    public void Flex_consumption_pulls_its_package_with_the_managed_identity()
    {
        DeploymentRules.FlexDeploymentUsesIdentity(Variants).Should().BeEmpty();
    }

    [Fact]
    public void Every_setting_the_app_reads_in_azure_is_set()
    {
        DeploymentRules.MissingAppSettings(Variants, KnownSettings.InAzure, KnownSettings.ProvidedOtherwise).Should().BeEmpty();
    }

    [Fact]
    public void Every_app_setting_in_the_template_is_read_by_the_app_or_is_a_named_platform_setting()
    {
        DeploymentRules.UnexpectedAppSettings(Variants, KnownSettings.InAzure, KnownSettings.LocalOnly, KnownSettings.Platform).Should().BeEmpty();
    }

    [Fact]
    public void The_platform_settings_list_names_only_settings_the_template_sets()
    {
        // Keeps the allow-list honest: a platform setting nobody sets any more is removed from it.
        var set = Variants.Select(Site.Of).SelectMany(s => s.AppSettings).Select(s => s.Name).ToHashSet();

        KnownSettings.Platform.Should().OnlyContain(name => set.Contains(name));
    }

    [Fact]
    public void No_app_setting_holds_a_key_or_connection_string()
    {
        DeploymentRules.AppSettingsHoldNoSecrets(Variants, KnownSettings.AddressesNotSecrets).Should().BeEmpty();
    }

    [Fact]
    public void Application_insights_accepts_only_entra_authenticated_telemetry()
    {
        DeploymentRules.TelemetryNeedsEntraAuth(Variants).Should().BeEmpty();
    }

    [Fact]
    public void Storage_and_telemetry_settings_point_at_the_resources_this_deployment_creates()
    {
        foreach (var variant in Variants)
        {
            var site = Site.Of(variant);
            var ledger = DeploymentRules.LedgerAccount(variant);
            var host = DeploymentRules.HostAccount(variant);
            var insights = variant.Deployment.OfType(DeploymentRules.InsightsType).Single();

            site.Setting(AppSettings.LedgerTableServiceUri.Name).Should().Equal(ArmRuntime.Property(ledger.Id, "properties.primaryEndpoints.table"));
            site.Setting(AppSettings.LedgerBlobServiceUri.Name).Should().Equal(ArmRuntime.Property(ledger.Id, "properties.primaryEndpoints.blob"));
            site.Setting(AppSettings.HostStorageAccountName.Name).Should().Equal(new ArmString(host.Name));
            site.Setting(AppSettings.ApplicationInsights.Name).Should().Equal(ArmRuntime.Property(insights.Id, "properties.ConnectionString"));
        }
    }

    [Theory]
    [InlineData("Auth__Issuer", "authIssuer", "https://login.example/tenant/v2.0", "https://login.example/tenant/v2.0")]
    [InlineData("Auth__Audience", "authAudience", "probe-audience", "probe-audience")]
    [InlineData("Heartbeat__Schedule", "heartbeatSchedule", "0 1 2 3 4 5", "0 1 2 3 4 5")]
    [InlineData("Close__Schedule", "closeSchedule", "0 5 4 3 2 1", "0 5 4 3 2 1")]
    [InlineData("Close__WorkingDay", "closeWorkingDay", 17, "17")]
    [InlineData("RateLimit__PermitsPerMinute", "rateLimitPermitsPerMinute", 4321, "4321")]
    public void Auth_schedule_and_limit_settings_are_main_parameters(string setting, string parameter, object probe, string expected)
    {
        // Deployed again with a probe value for the parameter: the setting carries it, in every variant.
        foreach (var variant in Infra.WithParameters(new Dictionary<string, ArmValue> { [parameter] = ArmValue.From(probe) }))
        {
            Site.Of(variant).Setting(setting).Should().Equal([new ArmString(expected)], variant.Label);
        }
    }

    [Fact]
    public void Bank_holidays_reach_the_app_as_comma_separated_dates()
    {
        foreach (var variant in Variants)
        {
            var holidays = (ArmArray)variant.Deployment.Parameters["closeBankHolidays"];

            Site.Of(variant).Setting(AppSettings.CloseBankHolidays.Name)
                .Should().Equal(new ArmString(string.Join(',', holidays.Items.Select(h => h.AsString))));
        }
    }
}
