namespace Finance.Infra.Tests;

/// <summary>
/// The runtime the Function App must run: the one place the infrastructure tests say so. Today the custom handler;
/// the isolated-worker issue changes these to <c>dotnet-isolated</c>, <c>10.0</c> and <c>DOTNET-ISOLATED|10.0</c>.
/// </summary>
public static class AppRuntime
{
    /// <summary>Flex Consumption: <c>functionAppConfig.runtime.name</c>. Elastic Premium: the FUNCTIONS_WORKER_RUNTIME app setting.</summary>
    public const string Name = "custom";

    /// <summary>Flex Consumption: <c>functionAppConfig.runtime.version</c>.</summary>
    public const string Version = "1.0";

    /// <summary>Elastic Premium on Linux: <c>siteConfig.linuxFxVersion</c>. Not given here: the template must leave it unset.</summary>
    public static readonly string? PremiumLinuxFxVersion;
}
