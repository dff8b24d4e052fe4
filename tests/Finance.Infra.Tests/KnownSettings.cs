using Finance.Functions.Configuration;
using Finance.Infra.Tests.Rules;

namespace Finance.Infra.Tests;

/// <summary>The app's settings list split the way the infrastructure rules use it, and the platform settings Bicep may add.</summary>
public static class KnownSettings
{
    /// <summary>Settings the app reads that the Bicep must set on the Function App.</summary>
    public static IReadOnlySet<string> InAzure { get; } = AppSettings.All.Where(s => s.InAzure).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Settings for local runs only (connection strings to Azurite, the port the host picks): never set in Azure.</summary>
    public static IReadOnlySet<string> LocalOnly { get; } = AppSettings.All.Where(s => !s.InAzure).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Settings the Functions host or App Service reads, not the app; each is here for a stated reason.</summary>
    public static IReadOnlySet<string> Platform { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        // Identity-based host storage: which credential to use with AzureWebJobsStorage__accountName.
        "AzureWebJobsStorage__credential",
        // Application Insights with local auth disabled: the host sends telemetry with its managed identity.
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        // Elastic Premium only: Functions runtime 4.x (Flex Consumption has no such setting).
        "FUNCTIONS_EXTENSION_VERSION",
        // Elastic Premium only: run from the zip-deployed package (Flex Consumption always runs from its package).
        "WEBSITE_RUN_FROM_PACKAGE",
    };

    /// <summary>Settings whose value contains "ConnectionString" but is an address, not a credential (local auth is disabled).</summary>
    public static IReadOnlySet<string> AddressesNotSecrets { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        AppSettings.ApplicationInsights.Name,
    };

    /// <summary>
    /// On Flex Consumption FUNCTIONS_WORKER_RUNTIME is not an app setting (the platform rejects it): the runtime is
    /// functionAppConfig.runtime, which <see cref="DeploymentRules.RunsAppRuntime"/> checks is <see cref="AppRuntime"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, Func<Site, bool>> ProvidedOtherwise { get; } = new Dictionary<string, Func<Site, bool>>(StringComparer.Ordinal)
    {
        [AppSettings.WorkerRuntime.Name] = site => site.IsFlex,
    };
}
