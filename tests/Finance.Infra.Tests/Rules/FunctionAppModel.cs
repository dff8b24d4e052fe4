using Finance.Infra.Tests.Bicep;

namespace Finance.Infra.Tests.Rules;

/// <summary>One app setting the Bicep sets: its name and value expression.</summary>
public sealed record AppSettingEntry(string Name, BicepNode Value);

/// <summary>
/// One way the site can be deployed. When <c>siteConfig</c> and <c>functionAppConfig</c> are ternaries on the same
/// condition (<c>isFlex ? ... : ...</c>), each branch is a variant; otherwise the site has one variant.
/// </summary>
/// <param name="Label">Which branch: <c>isFlex</c>, <c>!(isFlex)</c>, or <c>site</c>.</param>
/// <param name="AppSettings">The app settings of this variant.</param>
/// <param name="FunctionAppConfigs">The <c>functionAppConfig</c> objects of this variant (none on Elastic Premium).</param>
/// <param name="SiteConfigs">The <c>siteConfig</c> objects of this variant.</param>
public sealed record SiteVariant(
    string Label, IReadOnlyList<AppSettingEntry> AppSettings, IReadOnlyList<BicepNode> FunctionAppConfigs, IReadOnlyList<BicepNode> SiteConfigs);

/// <summary>The Function App (the one <c>Microsoft.Web/sites</c> resource) and its deployment variants.</summary>
public sealed class FunctionAppModel
{
    private FunctionAppModel(BicepFile file, Declaration site, IReadOnlyList<SiteVariant> variants)
    {
        File = file;
        Site = site;
        Variants = variants;
    }

    public BicepFile File { get; }

    public Declaration Site { get; }

    public IReadOnlyList<SiteVariant> Variants { get; }

    /// <summary>Finds the single site the infrastructure creates; throws when there is none or more than one.</summary>
    public static FunctionAppModel Find(Infrastructure infrastructure)
    {
        var sites = infrastructure.Files
            .SelectMany(f => f.Created("Microsoft.Web/sites").Select(site => (File: f, Site: site)))
            .ToList();
        if (sites.Count != 1)
        {
            throw new InvalidOperationException($"Expected one Microsoft.Web/sites resource, found {sites.Count}.");
        }
        var (file, siteDeclaration) = sites[0];
        return new FunctionAppModel(file, siteDeclaration, ReadVariants(file, siteDeclaration));
    }

    private static List<SiteVariant> ReadVariants(BicepFile file, Declaration site)
    {
        var variants = new List<SiteVariant>();
        foreach (var properties in file.Values(site, "properties").SelectMany(p => file.Objects(p)))
        {
            var siteConfig = Unwrap(PropertyOf(properties, "siteConfig"));
            var functionAppConfig = Unwrap(PropertyOf(properties, "functionAppConfig"));
            if (siteConfig is { Type: "ternary_expression" } && functionAppConfig is { Type: "ternary_expression" }
                && siteConfig.ChildWithField("condition")?.Text is { } condition
                && condition == functionAppConfig.ChildWithField("condition")?.Text)
            {
                variants.Add(Variant(file, condition, siteConfig.ChildWithField("consequence"), functionAppConfig.ChildWithField("consequence")));
                variants.Add(Variant(file, $"!({condition})", siteConfig.ChildWithField("alternative"), functionAppConfig.ChildWithField("alternative")));
            }
            else
            {
                variants.Add(Variant(file, "site", siteConfig, functionAppConfig));
            }
        }
        return variants;
    }

    private static SiteVariant Variant(BicepFile file, string label, BicepNode? siteConfig, BicepNode? functionAppConfig)
    {
        var siteConfigs = file.Objects(siteConfig).ToList();
        var settings = siteConfigs
            .SelectMany(c => file.Values(c, "appSettings"))
            .SelectMany(file.ArrayItems)
            .SelectMany(item => file.Objects(item))
            .SelectMany(setting => file.Values(setting, "name").SelectMany(file.Strings)
                .Select(name => new AppSettingEntry(name, file.Values(setting, "value").FirstOrDefault() ?? setting)))
            .ToList();
        return new SiteVariant(label, settings, file.Objects(functionAppConfig).ToList(), siteConfigs);
    }

    private static BicepNode? PropertyOf(BicepNode obj, string key) => obj.Syntax
        .Where(p => p.Type == "object_property" && BicepFile.PropertyKey(p) == key)
        .Select(p => p.Syntax.Skip(1).LastOrDefault())
        .LastOrDefault();

    private static BicepNode? Unwrap(BicepNode? expression) =>
        expression is { Type: "parenthesized_expression" } ? Unwrap(expression.Syntax.FirstOrDefault()) : expression;
}
