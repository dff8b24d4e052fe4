using System.Text.Json.Nodes;
using Finance.Infra.Tests.Arm;
using Finance.Testing;

namespace Finance.Infra.Tests.Bicep;

/// <summary>One way the infrastructure is deployed: an environment's parameter file, on one hosting plan.</summary>
/// <param name="Label">For messages: <c>dev, FlexConsumption</c>.</param>
public sealed record Variant(string Label, string Environment, string HostingPlan, ArmDeployment Deployment);

/// <summary>
/// The infrastructure as the compiler builds it: <c>main.bicep</c>'s ARM template, each environment's compiled
/// <c>.bicepparam</c>, and the deployments they make, evaluated (<see cref="ArmEvaluator"/>) for every variant: each
/// environment as its file says, and again on each other hosting plan main.bicep allows. The checkout is compiled
/// once per test run; <see cref="WithSource"/> compiles a copy with one file changed, for proving a rule fails.
/// </summary>
public sealed class Infrastructure
{
    public const string MainPath = "infra/main.bicep";

    public const string HostingPlanParameter = "hostingPlan";

    private static readonly Lazy<Infrastructure> Checkout = new(() => Compile(RepositoryRoot.Path, parameterFiles: null));

    private Infrastructure(JsonObject template, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ArmValue>> parameterFiles)
    {
        Template = template;
        ParameterFiles = parameterFiles;
        Variants = parameterFiles.SelectMany(file => HostingPlans(template).Select(plan => Deploy(template, file.Key, file.Value, plan))).ToList();
    }

    /// <summary>The environments, each with its parameter file <c>infra/main.{environment}.bicepparam</c>.</summary>
    public static IReadOnlyList<string> Environments { get; } = ["dev", "prod"];

    /// <summary>The checkout's infrastructure, as committed.</summary>
    public static Infrastructure Current => Checkout.Value;

    /// <summary>The compiled <c>main.bicep</c>, modules nested in it.</summary>
    public JsonObject Template { get; }

    /// <summary>Each environment's parameter values, as <c>bicep build-params</c> compiles them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, ArmValue>> ParameterFiles { get; }

    public IReadOnlyList<Variant> Variants { get; }

    public static string ParameterFilePath(string environment) => $"infra/main.{environment}.bicepparam";

    /// <summary>A declaration of main.bicep's parameters, as compiled (<c>type</c>, <c>defaultValue</c>, <c>allowedValues</c>...).</summary>
    public JsonObject MainParameter(string name) =>
        Template["parameters"]?[name] as JsonObject ?? throw new KeyNotFoundException($"main.bicep declares no parameter {name}");

    /// <summary>Every variant deployed again with some parameters replaced (to follow a parameter to where it lands).</summary>
    public IReadOnlyList<Variant> WithParameters(IReadOnlyDictionary<string, ArmValue> replaced) => ParameterFiles
        .SelectMany(file => HostingPlans(Template).Select(plan =>
            Deploy(Template, file.Key, new Dictionary<string, ArmValue>(file.Value.Concat(replaced).GroupBy(p => p.Key).Select(g => g.Last())), plan)))
        .ToList();

    /// <summary>
    /// A copy of the checkout's <c>infra/</c> in which one file (path relative to the repository root) has the given
    /// text, compiled by the real compiler. Parameter files of the checkout are kept unless the changed file is one.
    /// </summary>
    public Infrastructure WithSource(string relativePath, string source)
    {
        var copy = Directory.CreateTempSubdirectory("finance-infra-");
        try
        {
            CopyInfra(RepositoryRoot.Path, copy.FullName);
            File.WriteAllText(Path.Combine(copy.FullName, relativePath), source);
            var changesParameters = relativePath.EndsWith(".bicepparam", StringComparison.Ordinal);
            return Compile(copy.FullName, changesParameters ? null : ParameterFiles);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>Copies <c>infra/</c> of one folder into another (the compiler reads modules and bicepconfig.json beside main).</summary>
    public static void CopyInfra(string fromRoot, string toRoot)
    {
        var from = Path.Combine(fromRoot, "infra");
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(toRoot, "infra", Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static Infrastructure Compile(string root, IReadOnlyDictionary<string, IReadOnlyDictionary<string, ArmValue>>? parameterFiles)
    {
        var main = BicepRpc.Shared.Compile(Path.Combine(root, MainPath));
        var template = BicepRpc.ParseObject(Checked(main, MainPath).Template!);
        parameterFiles ??= Environments.ToDictionary(
            environment => environment,
            environment => (IReadOnlyDictionary<string, ArmValue>)ParameterValues(Checked(BicepRpc.Shared.CompileParams(Path.Combine(root, ParameterFilePath(environment))), ParameterFilePath(environment))));
        return new Infrastructure(template, parameterFiles);
    }

    private static RpcCompilation Checked(RpcCompilation compilation, string what) =>
        compilation.Success && compilation.Template is not null
            ? compilation
            : throw new InvalidOperationException(
                $"{what} does not compile:\n{string.Join('\n', compilation.Diagnostics.Where(d => d.Level == "Error"))}");

    private static Dictionary<string, ArmValue> ParameterValues(RpcCompilation compiled) =>
        (BicepRpc.ParseObject(compiled.Parameters!)["parameters"] as JsonObject ?? [])
        .ToDictionary(p => p.Key, p => ArmValue.FromJson(p.Value?["value"]), StringComparer.OrdinalIgnoreCase);

    private static List<string> HostingPlans(JsonObject template) =>
        (template["parameters"]?[HostingPlanParameter]?["allowedValues"] as JsonArray ?? [])
        .Select(v => v!.GetValue<string>())
        .ToList();

    private static Variant Deploy(JsonObject template, string environment, IReadOnlyDictionary<string, ArmValue> values, string hostingPlan)
    {
        var parameters = new Dictionary<string, ArmValue>(values, StringComparer.OrdinalIgnoreCase)
        {
            [HostingPlanParameter] = new ArmString(hostingPlan),
        };
        // The deployment name deploy.sh uses.
        var deployment = ArmEvaluator.Deploy(template, parameters, $"finance-{environment}");
        return new Variant($"{environment}, {hostingPlan}", environment, hostingPlan, deployment);
    }
}
