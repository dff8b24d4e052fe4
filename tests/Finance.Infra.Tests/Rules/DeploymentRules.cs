using System.Text.RegularExpressions;
using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;

namespace Finance.Infra.Tests.Rules;

/// <summary>A role the deployment grants: the built-in role's id and the id of the resource it is scoped to.</summary>
public sealed record RoleGrant(string RoleDefinitionId, string ScopeId);

/// <summary>Role assignments of one variant, followed to their scopes; problems when one is not as the rules want.</summary>
public sealed record RoleGrantReport(IReadOnlyList<RoleGrant> Grants, IReadOnlyList<string> Problems);

/// <summary>
/// The rules the deployment must keep, read from the compiled ARM template as evaluated for every variant (each
/// environment's parameter file on each hosting plan). Each returns what breaks it, naming the variant, empty when
/// it holds, so a test can show both that the checkout keeps a rule and that a broken copy does not.
/// </summary>
public static partial class DeploymentRules
{
    public const string StorageAccountType = "Microsoft.Storage/storageAccounts";
    public const string BlobServiceType = "Microsoft.Storage/storageAccounts/blobServices";
    public const string ContainerType = "Microsoft.Storage/storageAccounts/blobServices/containers";
    public const string ImmutabilityPolicyType = "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies";
    public const string TableType = "Microsoft.Storage/storageAccounts/tableServices/tables";
    public const string InsightsType = "Microsoft.Insights/components";
    public const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";

    /// <summary>Every storage account of every variant sets <paramref name="path"/> to <paramref name="expected"/>.</summary>
    public static IReadOnlyList<string> StorageAccountsSet(IEnumerable<Variant> variants, string path, ArmValue expected)
    {
        var problems = new List<string>();
        foreach (var variant in variants)
        {
            var accounts = variant.Deployment.OfType(StorageAccountType).ToList();
            if (accounts.Count == 0)
            {
                problems.Add($"{variant.Label}: no storage account is created");
            }
            problems.AddRange(accounts.SelectMany(a => Expect(a.At(path), expected, $"{variant.Label}: {a.Name}.{path}")));
        }
        return problems;
    }

    /// <summary>The ledger account's blobs are versioned, and deleted blobs and containers can be restored for a day or more.</summary>
    public static IReadOnlyList<string> LedgerBlobsRecoverable(IEnumerable<Variant> variants)
    {
        var problems = new List<string>();
        foreach (var variant in variants)
        {
            var ledger = LedgerAccount(variant);
            var services = Children(variant, ledger, BlobServiceType).ToList();
            if (services.Count != 1)
            {
                problems.Add($"{variant.Label}: expected one blob service on {ledger.Name}, found {services.Count}");
                continue;
            }
            var service = services[0];
            problems.AddRange(Expect(service.At("properties.isVersioningEnabled"), new ArmBool(true), $"{variant.Label}: versioning"));
            foreach (var policy in new[] { "deleteRetentionPolicy", "containerDeleteRetentionPolicy" })
            {
                problems.AddRange(Expect(service.At($"properties.{policy}.enabled"), new ArmBool(true), $"{variant.Label}: {policy}.enabled"));
                problems.AddRange(ExpectAtLeast(service.At($"properties.{policy}.days"), 1, $"{variant.Label}: {policy}.days"));
            }
        }
        return problems;
    }

    /// <summary>The statements container has version-level WORM and a time-based immutability policy of a day or more.</summary>
    public static IReadOnlyList<string> StatementsImmutable(IEnumerable<Variant> variants, string statementsContainer)
    {
        var problems = new List<string>();
        foreach (var variant in variants)
        {
            var ledger = LedgerAccount(variant);
            var containerName = $"{ledger.Name}/default/{statementsContainer}";
            var containers = variant.Deployment.OfType(ContainerType).Where(c => c.Name == containerName).ToList();
            if (containers.Count != 1)
            {
                problems.Add($"{variant.Label}: expected one container {containerName}, found {containers.Count}");
                continue;
            }
            problems.AddRange(Expect(
                containers[0].At("properties.immutableStorageWithVersioning.enabled"), new ArmBool(true), $"{variant.Label}: {statementsContainer} version-level immutability"));
            var policies = variant.Deployment.OfType(ImmutabilityPolicyType).Where(p => p.Name == $"{containerName}/default").ToList();
            if (policies.Count != 1)
            {
                problems.Add($"{variant.Label}: expected one immutability policy on {containerName}, found {policies.Count}");
                continue;
            }
            problems.AddRange(ExpectAtLeast(
                policies[0].At("properties.immutabilityPeriodSinceCreationInDays"), 1, $"{variant.Label}: {statementsContainer} retention days"));
        }
        return problems;
    }

    /// <summary>The names (last segment) of every resource of a type created under the ledger account, with repeats.</summary>
    public static IReadOnlyList<string> LedgerResourceNames(Variant variant, string resourceType) =>
        Children(variant, LedgerAccount(variant), resourceType).Select(r => r.LeafName).ToList();

    /// <summary>The lists are the same set: what the app uses exists, and nothing else is created.</summary>
    public static IReadOnlyList<string> SameNames(string what, IReadOnlyList<string> inBicep, IReadOnlyList<string> inApp)
    {
        var problems = new List<string>();
        problems.AddRange(inApp.Except(inBicep, StringComparer.Ordinal).Select(n => $"{what} '{n}' is used by the app but not created"));
        problems.AddRange(inBicep.Except(inApp, StringComparer.Ordinal).Select(n => $"{what} '{n}' is created but not in the app's list"));
        problems.AddRange(inBicep.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{what} '{g.Key}' is declared {g.Count()} times"));
        return problems;
    }

    /// <summary>The site has a system-assigned managed identity.</summary>
    public static IReadOnlyList<string> SiteHasSystemAssignedIdentity(IEnumerable<Variant> variants) => variants
        .Select(Site.Of)
        .SelectMany(s => Expect(s.Resource.At("identity.type"), new ArmString("SystemAssigned"), $"{s.Where}: identity.type"))
        .ToList();

    /// <summary>The site answers HTTPS only, with TLS 1.2 at least, and no FTP.</summary>
    public static IReadOnlyList<string> SiteHttpsOnly(IEnumerable<Variant> variants) => variants
        .Select(Site.Of)
        .SelectMany(s => Expect(s.Resource.At("properties.httpsOnly"), new ArmBool(true), $"{s.Where}: properties.httpsOnly")
            .Concat(Expect(s.Resource.At("properties.siteConfig.minTlsVersion"), new ArmString("1.2"), $"{s.Where}: siteConfig.minTlsVersion")))
        .ToList();

    /// <summary>
    /// Every variant runs <see cref="AppRuntime"/>: Flex Consumption through <c>functionAppConfig.runtime</c> (where the
    /// FUNCTIONS_WORKER_RUNTIME app setting is rejected), Elastic Premium through FUNCTIONS_WORKER_RUNTIME.
    /// </summary>
    public static IReadOnlyList<string> RunsAppRuntime(IEnumerable<Variant> variants, string workerRuntimeSetting)
    {
        var problems = new List<string>();
        foreach (var site in variants.Select(Site.Of))
        {
            var workerSettings = site.Setting(workerRuntimeSetting);
            if (site.IsFlex)
            {
                problems.AddRange(Expect(site.Resource.At("properties.functionAppConfig.runtime.name"), new ArmString(AppRuntime.Name), $"{site.Where}: functionAppConfig.runtime.name"));
                problems.AddRange(Expect(site.Resource.At("properties.functionAppConfig.runtime.version"), new ArmString(AppRuntime.Version), $"{site.Where}: functionAppConfig.runtime.version"));
                if (workerSettings.Count > 0)
                {
                    problems.Add($"{site.Where}: {workerRuntimeSetting} is set beside functionAppConfig.runtime (Flex Consumption rejects it)");
                }
                continue;
            }
            if (workerSettings.Count != 1)
            {
                problems.Add($"{site.Where}: {workerRuntimeSetting} is set {workerSettings.Count} times, expected once");
            }
            problems.AddRange(workerSettings.SelectMany(v => Expect(v, new ArmString(AppRuntime.Name), $"{site.Where}: {workerRuntimeSetting}")));
            var linuxFx = site.Resource.At("properties.siteConfig.linuxFxVersion");
            var expectedLinuxFx = AppRuntime.PremiumLinuxFxVersion is null ? null : new ArmString(AppRuntime.PremiumLinuxFxVersion);
            if (!Equals(linuxFx is ArmNull ? null : linuxFx, expectedLinuxFx))
            {
                problems.Add($"{site.Where}: siteConfig.linuxFxVersion is {linuxFx?.ToString() ?? "not set"}, expected {expectedLinuxFx?.ToString() ?? "not set"}");
            }
        }
        return problems;
    }

    /// <summary>
    /// Each variant sets every required setting once. <paramref name="providedOtherwise"/> maps a setting to a predicate
    /// saying the site provides it without an app setting (FUNCTIONS_WORKER_RUNTIME on Flex Consumption).
    /// </summary>
    public static IReadOnlyList<string> MissingAppSettings(
        IEnumerable<Variant> variants, IEnumerable<string> required, IReadOnlyDictionary<string, Func<Site, bool>> providedOtherwise)
    {
        var problems = new List<string>();
        foreach (var site in variants.Select(Site.Of))
        {
            foreach (var name in required)
            {
                var count = site.Setting(name).Count;
                if (count == 0 && !(providedOtherwise.TryGetValue(name, out var provided) && provided(site)))
                {
                    problems.Add($"{site.Where}: app setting {name} is not set");
                }
                else if (count > 1)
                {
                    problems.Add($"{site.Where}: app setting {name} is set {count} times");
                }
            }
        }
        return problems;
    }

    /// <summary>Every app setting the template sets is one the app reads in Azure, or a named host/platform setting.</summary>
    public static IReadOnlyList<string> UnexpectedAppSettings(
        IEnumerable<Variant> variants, IReadOnlySet<string> appSettingsInAzure, IReadOnlySet<string> localOnly, IReadOnlySet<string> platform)
    {
        var problems = new List<string>();
        foreach (var site in variants.Select(Site.Of))
        {
            foreach (var name in site.AppSettings.Select(s => s.Name).Distinct(StringComparer.Ordinal))
            {
                if (localOnly.Contains(name))
                {
                    problems.Add($"{site.Where}: app setting {name} is for local runs only and must not be set in Azure");
                }
                else if (!appSettingsInAzure.Contains(name) && !platform.Contains(name))
                {
                    problems.Add($"{site.Where}: app setting {name} is neither in AppSettings.All nor a known host/platform setting");
                }
            }
        }
        return problems;
    }

    /// <summary>
    /// No app setting's value is a key, SAS or connection string (identity and Entra auth instead), except the settings
    /// named in <paramref name="notSecret"/>, whose "connection string" is an address.
    /// </summary>
    public static IReadOnlyList<string> AppSettingsHoldNoSecrets(IEnumerable<Variant> variants, IReadOnlySet<string> notSecret) => variants
        .Select(Site.Of)
        .SelectMany(site => site.AppSettings
            .Where(s => !notSecret.Contains(s.Name) && SecretValue().IsMatch(s.Value.ToString()))
            .Select(s => $"{site.Where}: app setting {s.Name} looks like a secret: {Shorten(s.Value.ToString())}"))
        .ToList();

    /// <summary>On Flex Consumption the deployment container is reached with the site's system-assigned identity.</summary>
    public static IReadOnlyList<string> FlexDeploymentUsesIdentity(IEnumerable<Variant> variants)
    {
        var flexSites = variants.Select(Site.Of).Where(s => s.IsFlex).ToList();
        if (flexSites.Count == 0)
        {
            return ["no variant deploys to Flex Consumption (functionAppConfig)"];
        }
        return flexSites
            .SelectMany(s => Expect(
                s.Resource.At("properties.functionAppConfig.deployment.storage.authentication.type"), new ArmString("SystemAssignedIdentity"), $"{s.Where}: deployment storage authentication"))
            .ToList();
    }

    /// <summary>
    /// Every role assignment of a variant: a built-in role by id (<c>subscriptionResourceId</c> of a GUID), scoped to a
    /// resource this deployment creates (never the resource group or wider), for the site's system-assigned identity.
    /// </summary>
    public static RoleGrantReport RoleGrants(Variant variant)
    {
        var site = Site.Of(variant);
        var created = variant.Deployment.AllResources.ToDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);
        var siteIdentity = ArmRuntime.Property(site.Resource.Id, "identity.principalId");
        var roleDefinitionPrefix = $"/subscriptions/{ArmContext.Test.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/";
        var grants = new List<RoleGrant>();
        var problems = new List<string>();
        foreach (var assignment in variant.Deployment.OfType(RoleAssignmentType))
        {
            var where = $"{variant.Label}: role assignment in {assignment.Deployment}";
            var roleDefinition = assignment.At("properties.roleDefinitionId")?.AsString ?? "";
            var roleId = roleDefinition.StartsWith(roleDefinitionPrefix, StringComparison.OrdinalIgnoreCase) ? roleDefinition[roleDefinitionPrefix.Length..] : "";
            if (!Guid().IsMatch(roleId))
            {
                problems.Add($"{where}: roleDefinitionId {assignment.At("properties.roleDefinitionId")} is not a built-in role by id");
            }
            var scope = assignment.At("scope")?.AsString;
            if (scope is null)
            {
                problems.Add($"{where}: role {roleId} has no resource scope (it is granted on the resource group, or wider)");
            }
            else if (!created.ContainsKey(scope))
            {
                problems.Add($"{where}: role {roleId} is scoped to {scope}, which this deployment does not create");
            }
            else
            {
                grants.Add(new RoleGrant(roleId, scope));
            }
            problems.AddRange(Expect(assignment.At("properties.principalType"), new ArmString("ServicePrincipal"), $"{where}: principalType"));
            if (!Equals(assignment.At("properties.principalId"), siteIdentity))
            {
                problems.Add($"{where}: principalId is {assignment.At("properties.principalId")}, not the site's identity ({siteIdentity})");
            }
        }
        return new RoleGrantReport(grants, problems);
    }

    /// <summary>Every Application Insights component accepts only Entra-authenticated telemetry.</summary>
    public static IReadOnlyList<string> TelemetryNeedsEntraAuth(IEnumerable<Variant> variants)
    {
        var problems = new List<string>();
        foreach (var variant in variants)
        {
            var components = variant.Deployment.OfType(InsightsType).ToList();
            if (components.Count == 0)
            {
                problems.Add($"{variant.Label}: no Application Insights component is created");
            }
            problems.AddRange(components.SelectMany(c => Expect(c.At("properties.DisableLocalAuth"), new ArmBool(true), $"{variant.Label}: {c.Name}.properties.DisableLocalAuth")));
        }
        return problems;
    }

    /// <summary>Outputs of every deployment (main and each module) named, typed or valued like a key, secret or connection string.
    /// Outputs are kept in the resource group's deployment history, readable by anyone who can read the group.</summary>
    public static IReadOnlyList<string> SecretOutputs(IEnumerable<Variant> variants)
    {
        var problems = new List<string>();
        foreach (var variant in variants)
        {
            foreach (var output in variant.Deployment.AllDeployments.SelectMany(d => d.Outputs))
            {
                var where = $"{variant.Label}: {output.Deployment} output '{output.Name}'";
                if (SecretName().IsMatch(output.Name))
                {
                    problems.Add($"{where} is named like a secret");
                }
                if (SecretValue().IsMatch(output.Value.ToString()))
                {
                    problems.Add($"{where} has a secret-like value: {Shorten(output.Value.ToString())}");
                }
                if (output.Type.StartsWith("secure", StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{where} is of type {output.Type}");
                }
            }
        }
        return problems.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The ledger's storage account: the one that holds tables.</summary>
    public static ArmResource LedgerAccount(Variant variant)
    {
        var withTables = variant.Deployment.OfType(StorageAccountType)
            .Where(a => Children(variant, a, TableType).Any())
            .ToList();
        return withTables.Count == 1
            ? withTables[0]
            : throw new InvalidOperationException($"{variant.Label}: expected one storage account with tables, found {withTables.Count}.");
    }

    /// <summary>The Functions host's storage account: the other one.</summary>
    public static ArmResource HostAccount(Variant variant)
    {
        var ledger = LedgerAccount(variant);
        return variant.Deployment.OfType(StorageAccountType).Single(a => a.Id != ledger.Id);
    }

    /// <summary>Resources of a type whose name is under an account's (<c>account/default/...</c>).</summary>
    public static IEnumerable<ArmResource> Children(Variant variant, ArmResource account, string type) =>
        variant.Deployment.OfType(type).Where(r => r.Name.StartsWith(account.Name + "/", StringComparison.Ordinal));

    private static IEnumerable<string> Expect(ArmValue? actual, ArmValue expected, string what) => actual switch
    {
        null or ArmNull => [$"{what} is not set (expected {expected})"],
        _ when actual.Equals(expected) => [],
        _ => [$"{what} is {actual}, expected {expected}"],
    };

    private static IEnumerable<string> ExpectAtLeast(ArmValue? actual, long minimum, string what) => actual switch
    {
        ArmInt n when n.Value >= minimum => [],
        null or ArmNull => [$"{what} is not set (expected at least {minimum})"],
        _ => [$"{what} is {actual}, expected at least {minimum}"],
    };

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "...";

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.IgnoreCase)]
    private static partial Regex Guid();

    [GeneratedRegex("key|secret|password|connectionstring|sas(token|url|uri)?$|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(^|[^A-Za-z])list[A-Za-z]*\(|connectionstring|accountkey|sharedaccesssignature|primarykey|secondarykey|DefaultEndpointsProtocol|sig=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();
}
