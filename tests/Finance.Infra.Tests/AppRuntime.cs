namespace Finance.Infra.Tests;

/// <summary>The runtime the Function App must run, an isolated .NET 10 worker: the one place the infrastructure tests say so.</summary>
public static class AppRuntime
{
    /// <summary>Flex Consumption: <c>functionAppConfig.runtime.name</c>. Elastic Premium: the FUNCTIONS_WORKER_RUNTIME app setting.</summary>
    public const string Name = "dotnet-isolated";

    /// <summary>Flex Consumption: <c>functionAppConfig.runtime.version</c>.</summary>
    public const string Version = "10.0";

    /// <summary>Elastic Premium on Linux: <c>siteConfig.linuxFxVersion</c>.</summary>
    public static readonly string? PremiumLinuxFxVersion = "DOTNET-ISOLATED|10.0";
}
