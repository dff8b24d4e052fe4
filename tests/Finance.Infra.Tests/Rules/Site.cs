using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;

namespace Finance.Infra.Tests.Rules;

/// <summary>One app setting as deployed: its name and evaluated value.</summary>
public sealed record AppSettingValue(string Name, ArmValue Value);

/// <summary>The Function App of one variant (the one <c>Microsoft.Web/sites</c> it creates) and its app settings.</summary>
public sealed record Site(Variant Variant, ArmResource Resource, IReadOnlyList<AppSettingValue> AppSettings)
{
    public const string SiteType = "Microsoft.Web/sites";

    /// <summary>Flex Consumption: the site has a <c>functionAppConfig</c> (Elastic Premium has none).</summary>
    public bool IsFlex => Resource.At("properties.functionAppConfig") is ArmObject;

    public string Where => $"{Variant.Label}: {Resource.Name}";

    public static Site Of(Variant variant)
    {
        var sites = variant.Deployment.OfType(SiteType).ToList();
        if (sites.Count != 1)
        {
            throw new InvalidOperationException($"{variant.Label}: expected one {SiteType}, found {sites.Count}.");
        }
        var settings = (sites[0].At("properties.siteConfig.appSettings") as ArmArray)?.Items ?? [];
        var values = settings
            .Select(s => new AppSettingValue(s.At("name")?.AsString ?? s.ToString(), s.At("value") ?? ArmValue.Null))
            .ToList();
        return new Site(variant, sites[0], values);
    }

    public IReadOnlyList<ArmValue> Setting(string name) =>
        AppSettings.Where(s => s.Name == name).Select(s => s.Value).ToList();
}
