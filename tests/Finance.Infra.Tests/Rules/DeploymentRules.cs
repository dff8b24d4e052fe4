using System.Text.RegularExpressions;
using Finance.Infra.Tests.Bicep;

namespace Finance.Infra.Tests.Rules;

/// <summary>Where a role assignment points: the role, and the resource (type, and the file that creates it).</summary>
/// <param name="RoleDefinitionId">The built-in role's GUID.</param>
/// <param name="ScopeType">Resource type of the scope, e.g. <c>Microsoft.Storage/storageAccounts</c>.</param>
/// <param name="ScopeCreatedIn">Path of the file that creates the scoped resource.</param>
public sealed record RoleGrant(string RoleDefinitionId, string ScopeType, string ScopeCreatedIn);

/// <summary>Role assignments followed back to the resources they scope and the identity they grant to.</summary>
public sealed record RoleGrantReport(IReadOnlyList<RoleGrant> Grants, IReadOnlyList<string> Problems);

/// <summary>
/// The rules the deployment must keep, each checked on the syntax trees and each returning what breaks it (empty when
/// it holds), so that a test can show both that the checkout keeps a rule and that a broken copy does not.
/// </summary>
public static partial class DeploymentRules
{
    public const string StorageAccountType = "Microsoft.Storage/storageAccounts";

    /// <summary>ERROR and MISSING nodes: the file is not valid Bicep.</summary>
    public static IReadOnlyList<string> ParseProblems(BicepFile file) => file.Root.ParseProblems()
        .Select(n => n.Missing
            ? $"{file.Path}:{n.Line}: missing {n.Type}"
            : $"{file.Path}:{n.Line}: cannot parse '{Shorten(n.Text)}'")
        .ToList();

    /// <summary>Every storage account created anywhere sets <paramref name="path"/> to the literal <paramref name="expected"/>.</summary>
    public static IReadOnlyList<string> StorageAccountsSet(Infrastructure infrastructure, string path, string expected)
    {
        var problems = new List<string>();
        var accounts = infrastructure.Files.SelectMany(f => f.Created(StorageAccountType).Select(a => (File: f, Account: a))).ToList();
        if (accounts.Count == 0)
        {
            problems.Add("no storage account is created");
        }
        foreach (var (file, account) in accounts)
        {
            problems.AddRange(ExpectLiteral(file, file.Values(account, path), expected, $"{file.Path}: {account.Name}.{path}"));
        }
        return problems;
    }

    /// <summary>The ledger account's blobs are versioned, and deleted blobs and containers can be restored.</summary>
    public static IReadOnlyList<string> LedgerBlobsRecoverable(Infrastructure infrastructure)
    {
        var file = LedgerFile(infrastructure);
        var blobServices = file.Created($"{StorageAccountType}/blobServices").ToList();
        if (blobServices.Count != 1)
        {
            return [$"{file.Path}: expected one blob service, found {blobServices.Count}"];
        }
        var service = blobServices[0];
        var problems = new List<string>();
        problems.AddRange(ExpectLiteral(file, file.Values(service, "properties.isVersioningEnabled"), "true", $"{file.Path}: versioning"));
        foreach (var policy in new[] { "deleteRetentionPolicy", "containerDeleteRetentionPolicy" })
        {
            problems.AddRange(ExpectLiteral(file, file.Values(service, $"properties.{policy}.enabled"), "true", $"{file.Path}: {policy}.enabled"));
            problems.AddRange(ExpectAtLeast(file, file.Values(service, $"properties.{policy}.days"), 1, $"{file.Path}: {policy}.days"));
        }
        return problems;
    }

    /// <summary>The statements container has version-level WORM and a time-based immutability policy of at least a day.</summary>
    public static IReadOnlyList<string> StatementsImmutable(Infrastructure infrastructure, string statementsContainer)
    {
        var file = LedgerFile(infrastructure);
        var containers = file.Created($"{StorageAccountType}/blobServices/containers")
            .Where(c => file.ResourceNames(c).Contains(statementsContainer))
            .ToList();
        if (containers.Count != 1)
        {
            return [$"{file.Path}: expected one '{statementsContainer}' container declaration, found {containers.Count}"];
        }
        var container = containers[0];
        var problems = new List<string>();
        problems.AddRange(ExpectLiteral(
            file, file.Values(container, "properties.immutableStorageWithVersioning.enabled"), "true", $"{file.Path}: {container.Name} version-level immutability"));

        var policies = file.Created($"{StorageAccountType}/blobServices/containers/immutabilityPolicies")
            .Where(p => file.Values(p, "parent").Any(parent => parent.Text == container.Name))
            .ToList();
        if (policies.Count != 1)
        {
            problems.Add($"{file.Path}: expected one immutability policy with parent {container.Name}, found {policies.Count}");
            return problems;
        }
        var policy = policies[0];
        problems.AddRange(ExpectLiteral(file, file.Values(policy, "name"), "default", $"{file.Path}: {policy.Name}.name"));
        problems.AddRange(ExpectAtLeast(
            file, file.Values(policy, "properties.immutabilityPeriodSinceCreationInDays"), 1, $"{file.Path}: {policy.Name} retention days"));
        return problems;
    }

    /// <summary>The names of every resource of a type created in the ledger file (through loops), with repeats.</summary>
    public static IReadOnlyList<string> LedgerResourceNames(Infrastructure infrastructure, string resourceType)
    {
        var file = LedgerFile(infrastructure);
        return file.Created(resourceType).SelectMany(file.ResourceNames).ToList();
    }

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
    public static IReadOnlyList<string> SiteHasSystemAssignedIdentity(Infrastructure infrastructure)
    {
        var app = FunctionAppModel.Find(infrastructure);
        return ExpectLiteral(app.File, app.File.Values(app.Site, "identity.type"), "SystemAssigned", $"{app.File.Path}: {app.Site.Name}.identity.type").ToList();
    }

    /// <summary>The site answers HTTPS only, with TLS 1.2 at least, in every variant.</summary>
    public static IReadOnlyList<string> SiteHttpsOnly(Infrastructure infrastructure)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var problems = ExpectLiteral(app.File, app.File.Values(app.Site, "properties.httpsOnly"), "true", $"{app.File.Path}: {app.Site.Name}.properties.httpsOnly").ToList();
        foreach (var variant in app.Variants)
        {
            problems.AddRange(ExpectLiteral(
                app.File, variant.SiteConfigs.SelectMany(c => app.File.Values(c, "minTlsVersion")), "1.2", $"{app.File.Path}: siteConfig.minTlsVersion when {variant.Label}"));
        }
        return problems;
    }

    /// <summary>
    /// Every variant runs the custom handler: Flex Consumption through <c>functionAppConfig.runtime.name</c> (where the
    /// FUNCTIONS_WORKER_RUNTIME app setting is rejected), other plans through FUNCTIONS_WORKER_RUNTIME = custom.
    /// </summary>
    public static IReadOnlyList<string> RunsCustomHandler(Infrastructure infrastructure, string workerRuntimeSetting)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var problems = new List<string>();
        foreach (var variant in app.Variants)
        {
            var where = $"{app.File.Path}: when {variant.Label}";
            var runtimeNames = variant.FunctionAppConfigs.SelectMany(c => app.File.Values(c, "runtime.name")).ToList();
            var workerSettings = variant.AppSettings.Where(s => s.Name == workerRuntimeSetting).ToList();
            if (runtimeNames.Count > 0)
            {
                problems.AddRange(ExpectLiteral(app.File, runtimeNames, "custom", $"{where} functionAppConfig.runtime.name"));
                if (workerSettings.Count > 0)
                {
                    problems.Add($"{where} {workerRuntimeSetting} is set beside functionAppConfig.runtime (Flex Consumption rejects it)");
                }
            }
            else if (workerSettings.Count == 0)
            {
                problems.Add($"{where} neither functionAppConfig.runtime nor {workerRuntimeSetting} is set");
            }
            else
            {
                problems.AddRange(ExpectLiteral(app.File, workerSettings.Select(s => s.Value), "custom", $"{where} {workerRuntimeSetting}"));
            }
        }
        return problems;
    }

    /// <summary>
    /// Each variant sets every required setting once. <paramref name="providedOtherwise"/> maps a setting to a predicate
    /// saying the variant provides it without an app setting (FUNCTIONS_WORKER_RUNTIME on Flex Consumption).
    /// </summary>
    public static IReadOnlyList<string> MissingAppSettings(
        Infrastructure infrastructure, IEnumerable<string> required, IReadOnlyDictionary<string, Func<SiteVariant, bool>> providedOtherwise)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var problems = new List<string>();
        foreach (var variant in app.Variants)
        {
            var set = variant.AppSettings.Select(s => s.Name).ToList();
            foreach (var name in required)
            {
                var count = set.Count(n => n == name);
                if (count == 0 && !(providedOtherwise.TryGetValue(name, out var provided) && provided(variant)))
                {
                    problems.Add($"{app.File.Path}: app setting {name} is not set when {variant.Label}");
                }
                else if (count > 1)
                {
                    problems.Add($"{app.File.Path}: app setting {name} is set {count} times when {variant.Label}");
                }
            }
        }
        return problems;
    }

    /// <summary>Every app setting the Bicep sets is one the app reads in Azure, or a named host/platform setting.</summary>
    public static IReadOnlyList<string> UnexpectedAppSettings(
        Infrastructure infrastructure, IReadOnlySet<string> appSettingsInAzure, IReadOnlySet<string> localOnly, IReadOnlySet<string> platform)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var problems = new List<string>();
        foreach (var name in app.Variants.SelectMany(v => v.AppSettings).Select(s => s.Name).Distinct(StringComparer.Ordinal))
        {
            if (localOnly.Contains(name))
            {
                problems.Add($"{app.File.Path}: app setting {name} is for local runs only and must not be set in Azure");
            }
            else if (!appSettingsInAzure.Contains(name) && !platform.Contains(name))
            {
                problems.Add($"{app.File.Path}: app setting {name} is neither in AppSettings.All nor a known host/platform setting");
            }
        }
        return problems;
    }

    /// <summary>
    /// No app setting's value is a key, SAS or connection string (identity and Entra auth instead), except the settings
    /// named in <paramref name="notSecret"/>, whose "connection string" is an address (checked by its own rule).
    /// </summary>
    public static IReadOnlyList<string> AppSettingsHoldNoSecrets(Infrastructure infrastructure, IReadOnlySet<string> notSecret)
    {
        var app = FunctionAppModel.Find(infrastructure);
        return app.Variants.SelectMany(v => v.AppSettings)
            .Where(s => !notSecret.Contains(s.Name) && SecretValue().IsMatch(ExpandedText(app.File, s.Value)))
            .Select(s => $"{app.File.Path}:{s.Value.Line}: app setting {s.Name} looks like a secret: {Shorten(s.Value.Text)}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The Flex Consumption deployment container is reached with the site's system-assigned identity.</summary>
    public static IReadOnlyList<string> FlexDeploymentUsesIdentity(Infrastructure infrastructure)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var configs = app.Variants.SelectMany(v => v.FunctionAppConfigs).ToList();
        if (configs.Count == 0)
        {
            return [$"{app.File.Path}: no functionAppConfig (Flex Consumption) is declared"];
        }
        return configs.SelectMany(c => ExpectLiteral(
                app.File, app.File.Values(c, "deployment.storage.authentication.type"), "SystemAssignedIdentity", $"{app.File.Path}: deployment storage authentication"))
            .ToList();
    }

    /// <summary>
    /// Follows an app setting's value back to where it comes from: a parameter of the site's file, passed by main.bicep
    /// from a module's output (returned as "file: output expression") or from main's own parameter ("main: param x").
    /// </summary>
    public static string TraceAppSetting(Infrastructure infrastructure, string settingName)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var values = app.Variants.SelectMany(v => v.AppSettings).Where(s => s.Name == settingName).Select(s => s.Value).ToList();
        if (values.Count == 0)
        {
            return $"{settingName} is not set";
        }
        var sources = values.Select(v => TraceParameter(infrastructure, app.File, v)).Distinct(StringComparer.Ordinal).ToList();
        return sources.Count == 1 ? sources[0] : string.Join(" | ", sources);
    }

    /// <summary>Every role assignment, followed to the resource it is scoped to; problems if the scope or principal is not the site's.</summary>
    public static RoleGrantReport RoleGrants(Infrastructure infrastructure)
    {
        var app = FunctionAppModel.Find(infrastructure);
        var grants = new List<RoleGrant>();
        var problems = new List<string>();
        foreach (var file in infrastructure.Files)
        {
            foreach (var assignment in file.Created("Microsoft.Authorization/roleAssignments"))
            {
                var where = $"{file.Path}: {assignment.Name}";
                var roleIds = file.Values(assignment, "properties.roleDefinitionId").SelectMany(file.StringsWithin).Where(s => Guid().IsMatch(s)).ToList();
                if (roleIds.Count != 1)
                {
                    problems.Add($"{where}: role definition is not one built-in role GUID ({roleIds.Count} found)");
                }

                var scope = ResolveScope(infrastructure, file, assignment, problems);
                foreach (var roleId in roleIds)
                {
                    if (scope is not null)
                    {
                        grants.Add(new RoleGrant(roleId, scope.Value.Type, scope.Value.CreatedIn));
                    }
                }

                problems.AddRange(ExpectLiteral(file, file.Values(assignment, "properties.principalType"), "ServicePrincipal", $"{where} principalType"));
                foreach (var principal in file.Values(assignment, "properties.principalId"))
                {
                    var source = TraceParameter(infrastructure, file, principal);
                    var siteIdentity = $"{app.File.Path}: {app.Site.Name}.identity.principalId";
                    if (source != siteIdentity)
                    {
                        problems.Add($"{where}: principalId comes from '{source}', not from the site's identity ({siteIdentity})");
                    }
                }
            }
        }
        return new RoleGrantReport(grants, problems);
    }

    /// <summary>Every Application Insights component accepts only Entra-authenticated telemetry.</summary>
    public static IReadOnlyList<string> TelemetryNeedsEntraAuth(Infrastructure infrastructure)
    {
        var components = infrastructure.Files.SelectMany(f => f.Created("Microsoft.Insights/components").Select(c => (File: f, Component: c))).ToList();
        if (components.Count == 0)
        {
            return ["no Application Insights component is created"];
        }
        return components
            .SelectMany(c => ExpectLiteral(c.File, c.File.Values(c.Component, "properties.DisableLocalAuth"), "true", $"{c.File.Path}: {c.Component.Name}.properties.DisableLocalAuth"))
            .ToList();
    }

    /// <summary>Outputs (of every file) named or valued like a key, secret, SAS or connection string.</summary>
    public static IReadOnlyList<string> SecretOutputs(Infrastructure infrastructure)
    {
        var problems = new List<string>();
        foreach (var file in infrastructure.Files)
        {
            foreach (var output in file.Outputs)
            {
                if (SecretName().IsMatch(output.Name))
                {
                    problems.Add($"{file.Path}:{output.Node.Line}: output '{output.Name}' is named like a secret");
                }
                if (SecretValue().IsMatch(ExpandedText(file, output.Value)))
                {
                    problems.Add($"{file.Path}:{output.Node.Line}: output '{output.Name}' has a secret-like value: {Shorten(output.Value?.Text)}");
                }
                if (output.Decorators.Any(d => d.Text?.StartsWith("@secure", StringComparison.Ordinal) == true))
                {
                    problems.Add($"{file.Path}:{output.Node.Line}: output '{output.Name}' is marked @secure()");
                }
            }
        }
        return problems;
    }

    /// <summary>The file that creates the ledger's tables: the ledger storage module.</summary>
    public static BicepFile LedgerFile(Infrastructure infrastructure)
    {
        var files = infrastructure.Files.Where(f => f.Created($"{StorageAccountType}/tableServices/tables").Any()).ToList();
        return files.Count == 1
            ? files[0]
            : throw new InvalidOperationException($"Expected one Bicep file creating tables, found {files.Count}.");
    }

    private static (string Type, string CreatedIn)? ResolveScope(Infrastructure infrastructure, BicepFile file, Declaration assignment, List<string> problems)
    {
        var where = $"{file.Path}: {assignment.Name}";
        var scopes = file.Values(assignment, "scope").ToList();
        if (scopes.Count != 1 || scopes[0].Type != "identifier" || file.Find("resource", scopes[0].Text!) is not { } scoped)
        {
            problems.Add($"{where}: scope is not a single resource (a role assignment must not be scoped to the resource group or wider)");
            return null;
        }
        if (!scoped.IsExisting)
        {
            return (scoped.TypeOrPath!, file.Path);
        }
        // An existing resource named by a parameter: find which module's output main passes in, and check that module
        // creates a resource of this type and outputs its name.
        var nameExpression = file.Values(scoped, "name").FirstOrDefault();
        var source = nameExpression is null ? "no name" : TraceParameter(infrastructure, file, nameExpression);
        var sourceFile = infrastructure.Files.FirstOrDefault(f => source.StartsWith(f.Path + ": ", StringComparison.Ordinal));
        var createdThere = sourceFile?.Created(scoped.TypeOrPath!).Select(r => $"{sourceFile.Path}: {r.Name}.name").ToList() ?? [];
        if (!createdThere.Contains(source))
        {
            problems.Add($"{where}: scope {scoped.Name} ({scoped.TypeOrPath}) is named by '{source}', not by a {scoped.TypeOrPath} this deployment creates");
            return null;
        }
        return (scoped.TypeOrPath!, sourceFile!.Path);
    }

    /// <summary>
    /// Where a module file's parameter gets its value: main.bicep's module declaration passes either another module's
    /// output (returned as that module's "file: output expression") or one of main's parameters ("infra/main.bicep: param x").
    /// An expression that is not a parameter is returned as "file: expression".
    /// </summary>
    private static string TraceParameter(Infrastructure infrastructure, BicepFile file, BicepNode expression)
    {
        if (expression.Type != "identifier" || file.Find("param", expression.Text!) is null)
        {
            return $"{file.Path}: {expression.Text}";
        }
        var parameter = expression.Text!;
        if (file.Path == Infrastructure.MainPath)
        {
            return $"{file.Path}: param {parameter}";
        }
        var main = infrastructure.Main;
        var callers = main.Modules.Where(m => infrastructure.ModuleFile(main, m).Path == file.Path).ToList();
        if (callers.Count != 1)
        {
            return $"{file.Path}: param {parameter} (module used {callers.Count} times in main.bicep)";
        }
        var passed = main.Values(callers[0], $"params.{parameter}").FirstOrDefault();
        if (passed is null)
        {
            return $"{file.Path}: param {parameter} (not passed by main.bicep)";
        }
        // moduleSymbol.outputs.outputName
        if (passed is { Type: "member_expression" }
            && passed.ChildWithField("object") is { Type: "member_expression" } outputs
            && outputs.ChildWithField("property")?.Text == "outputs"
            && outputs.ChildWithField("object") is { Type: "identifier" } moduleSymbol
            && main.Find("module", moduleSymbol.Text!) is { } module
            && passed.ChildWithField("property")?.Text is { } outputName)
        {
            var moduleFile = infrastructure.ModuleFile(main, module);
            var output = moduleFile.Find("output", outputName);
            return output?.Value is null
                ? $"{moduleFile.Path}: no output {outputName}"
                : $"{moduleFile.Path}: {output.Value.Text}";
        }
        return TraceParameter(infrastructure, main, passed);
    }

    private static IEnumerable<string> ExpectLiteral(BicepFile file, IEnumerable<BicepNode> values, string expected, string what)
    {
        var literals = values.SelectMany(v => LiteralTexts(file, v)).ToList();
        if (literals.Count == 0)
        {
            return [$"{what} is not set (expected {expected})"];
        }
        return literals.Where(l => l != expected).Distinct(StringComparer.Ordinal).Select(l => $"{what} is {l}, expected {expected}");
    }

    private static IEnumerable<string> ExpectAtLeast(BicepFile file, IEnumerable<BicepNode> values, int minimum, string what)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return [$"{what} is not set"];
        }
        return list.Select(v => (Node: v, Minimum: file.Minimum(v)))
            .Where(v => v.Minimum is null || v.Minimum < minimum)
            .Select(v => $"{what} ({v.Node.Text}) is not known to be at least {minimum}");
    }

    /// <summary>The literal texts a value can take (<c>true</c>, <c>TLS1_2</c>), or its source text when it is not a literal.</summary>
    private static IEnumerable<string> LiteralTexts(BicepFile file, BicepNode value)
    {
        var strings = file.Strings(value).ToList();
        var booleans = file.Booleans(value).Select(b => b ? "true" : "false").ToList();
        if (strings.Count + booleans.Count == 0)
        {
            return [$"'{value.Text}'"];
        }
        return strings.Concat(booleans);
    }

    /// <summary>An expression's text with the variables it names replaced by their own text (a few levels deep).</summary>
    private static string ExpandedText(BicepFile file, BicepNode? expression, int depth = 0)
    {
        if (expression is null)
        {
            return "";
        }
        var text = expression.Text ?? "";
        if (depth > 4)
        {
            return text;
        }
        var variables = expression.DescendantsAndSelf()
            .Where(n => n.Type == "identifier")
            .Select(n => file.Find("var", n.Text!))
            .OfType<Declaration>()
            .Distinct();
        return variables.Aggregate(text, (all, variable) => all + "\n" + ExpandedText(file, variable.Value, depth + 1));
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "...";

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.IgnoreCase)]
    private static partial Regex Guid();

    [GeneratedRegex("key|secret|password|connectionstring|sas(token|url|uri)?$|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"list[A-Za-z]*\(|\.list[A-Za-z]*\(|connectionstring|accountkey|sharedaccesssignature|primarykey|secondarykey|DefaultEndpointsProtocol|sig=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretValue();
}
