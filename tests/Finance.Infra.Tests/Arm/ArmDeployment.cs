namespace Finance.Infra.Tests.Arm;

/// <summary>
/// What ARM is given when a template is deployed into a resource group. These are stand-ins (no Azure is reached):
/// fixed, so that every name and id a template derives from them is the same on every run.
/// </summary>
public sealed record ArmContext(string SubscriptionId, string TenantId, string ResourceGroup, string Location)
{
    public static ArmContext Test { get; } = new(
        "00000000-0000-0000-0000-00000000a001", "00000000-0000-0000-0000-00000000a002", "rg-finance-test", "uksouth");

    public string ResourceGroupId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}";
}

/// <summary>A resource a deployment creates, with every expression of its body evaluated.</summary>
/// <param name="Deployment">Path of the deployment declaring it (<c>finance-dev/ledger-storage</c>).</param>
/// <param name="Type">Resource type, <c>Microsoft.Storage/storageAccounts/blobServices</c>.</param>
/// <param name="Name">Full name (<c>stfinledger.../default</c>); a name only known while deploying is its expression.</param>
/// <param name="Id">Resource id in the test context (<see cref="ArmContext.Test"/>).</param>
/// <param name="Body">Everything else the template says about it (<c>properties</c>, <c>identity</c>, <c>sku</c>, <c>scope</c>...).</param>
public sealed record ArmResource(string Deployment, string Type, string Name, string Id, string ApiVersion, ArmObject Body)
{
    /// <summary>The last segment of the name: a table's or container's own name.</summary>
    public string LeafName => Name.Split('/')[^1];

    public ArmValue? At(string path) => Body.At(path);

    public bool Is(string type) => string.Equals(Type, type, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Type} '{Name}' ({Deployment})";
}

/// <summary>An output of a deployment: its declared type (<c>string</c>, <c>securestring</c>...) and value.</summary>
public sealed record ArmOutput(string Deployment, string Name, string Type, ArmValue Value);

/// <summary>
/// A template evaluated as ARM would deploy it with given parameters: the resources it creates (conditions decided,
/// copy loops expanded), its outputs, and the nested deployments (Bicep modules), evaluated the same way.
/// </summary>
public sealed class ArmDeployment
{
    internal ArmDeployment(
        string path,
        IReadOnlyDictionary<string, ArmValue> parameters,
        IReadOnlyList<ArmResource> resources,
        IReadOnlyList<ArmOutput> outputs,
        IReadOnlyList<ArmDeployment> nested)
    {
        Path = path;
        Parameters = parameters;
        Resources = resources;
        Outputs = outputs;
        Nested = nested;
    }

    /// <summary>Deployment names from the top: <c>finance-dev</c>, <c>finance-dev/function-app</c>.</summary>
    public string Path { get; }

    /// <summary>Every parameter's value, given or defaulted.</summary>
    public IReadOnlyDictionary<string, ArmValue> Parameters { get; }

    /// <summary>This template's own resources (nested deployments appear as <c>Microsoft.Resources/deployments</c>).</summary>
    public IReadOnlyList<ArmResource> Resources { get; }

    public IReadOnlyList<ArmOutput> Outputs { get; }

    public IReadOnlyList<ArmDeployment> Nested { get; }

    /// <summary>This deployment and every deployment nested in it.</summary>
    public IEnumerable<ArmDeployment> AllDeployments => Nested.SelectMany(n => n.AllDeployments).Prepend(this);

    /// <summary>Every resource created by this deployment or one nested in it, other than the nested deployments.</summary>
    public IEnumerable<ArmResource> AllResources =>
        AllDeployments.SelectMany(d => d.Resources).Where(r => !r.Is(ArmEvaluator.DeploymentType));

    public IEnumerable<ArmResource> OfType(string type) => AllResources.Where(r => r.Is(type));

    public ArmOutput Output(string name) =>
        Outputs.SingleOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new KeyNotFoundException($"{Path} has no output {name}");
}
