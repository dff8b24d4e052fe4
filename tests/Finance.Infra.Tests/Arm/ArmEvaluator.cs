using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Finance.Infra.Tests.Arm;

/// <summary>
/// Evaluates a compiled ARM template (language version 1.0, what <c>bicep build</c> writes for this project) the way
/// Resource Manager would deploy it: validates the parameters against their declarations, evaluates variables,
/// conditions, copy loops and every expression, and deploys nested templates (Bicep modules) with the parameters
/// passed to them, so a module's output is followed to the resource it comes from.
/// <para>
/// What only Azure knows (a resource's properties as deployed, keys) becomes an <see cref="ArmRuntime"/> naming the
/// resource and property. <c>uniqueString()</c> and <c>guid()</c> are deterministic stand-ins of the same shape (13
/// lowercase characters; a GUID), not Azure's hashes. Anything else it does not model it refuses with
/// <see cref="ArmEvaluationException"/> rather than guess.
/// </para>
/// <para>
/// Written here because no library does it on this project's feed: the compiler checks types and lints, but evaluating a
/// template is Resource Manager's work, and the <c>Azure.Deployments.*</c> packages that carry its expression engine are
/// not served. It is test code only and covers exactly the functions our templates use.
/// </para>
/// </summary>
public static class ArmEvaluator
{
    public const string DeploymentType = "Microsoft.Resources/deployments";

    // Nested deployments within nested deployments: deep enough for any module tree, and a stop for a cycle.
    internal const int MaxDeploymentDepth = 16;

    /// <summary>Deploys <paramref name="template"/> as deployment <paramref name="name"/> into the test resource group.</summary>
    public static ArmDeployment Deploy(JsonObject template, IReadOnlyDictionary<string, ArmValue> parameters, string name) =>
        new TemplateScope(template, parameters, ArmContext.Test, name, depth: 0).Deploy();
}

/// <summary>One template being deployed: its parameters, variables, resources and the nested deployments it declares.</summary>
internal sealed partial class TemplateScope
{
    // Parsed expressions by their text: the same few hundred strings are evaluated for every variant and mutation.
    private static readonly ConcurrentDictionary<string, ArmExpression> Parsed = new(StringComparer.Ordinal);

    private readonly JsonObject template;
    private readonly IReadOnlyDictionary<string, ArmValue> given;
    private readonly ArmContext context;
    private readonly string path;
    private readonly int depth;
    private readonly Dictionary<string, ArmValue> parameters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, ArmValue> variables = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> resolving = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Lazy<ArmDeployment>> deploymentsById = new(StringComparer.OrdinalIgnoreCase);
    private readonly Stack<(string Loop, int Index)> copyIndexes = new();

    public TemplateScope(JsonObject template, IReadOnlyDictionary<string, ArmValue> given, ArmContext context, string path, int depth)
    {
        if (depth > ArmEvaluator.MaxDeploymentDepth)
        {
            throw new ArmEvaluationException($"{path}: nested deployments deeper than {ArmEvaluator.MaxDeploymentDepth}");
        }
        this.template = template;
        this.given = given;
        this.context = context;
        this.path = path;
        this.depth = depth;
    }

    public ArmDeployment Deploy()
    {
        if (template["languageVersion"] is { } version)
        {
            // Symbolic-name templates (2.0: resources as an object) come from Bicep features this project does not use
            // yet (typed parameters, extensibility); reading them needs their own walk here.
            throw new ArmEvaluationException($"{path}: languageVersion {version} templates are not modelled (resources keyed by symbolic name)");
        }
        var declared = template["parameters"] as JsonObject ?? [];
        if (given.Keys.FirstOrDefault(n => !declared.ContainsKey(n)) is { } undeclared)
        {
            // ARM refuses a deployment given a parameter its template does not declare.
            throw new ArmEvaluationException($"{path}: parameter '{undeclared}' is given but the template does not declare it");
        }
        foreach (var (name, _) in declared)
        {
            Parameter(name);
        }

        // First what each declaration creates (conditions, copy loops, names), so that a deployment's parameters can
        // refer to another deployment's outputs in any order; then each resource's body, on demand.
        var pending = (template["resources"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(Declared).ToList();
        foreach (var instance in pending.Where(p => string.Equals(p.Type, ArmEvaluator.DeploymentType, StringComparison.OrdinalIgnoreCase)))
        {
            var id = $"{context.ResourceGroupId}/providers/{TypeAndName(instance.Type, [instance.Name])}";
            deploymentsById[id] = new Lazy<ArmDeployment>(() => DeployNested(instance));
        }
        var resources = pending.Select(p => p.Resource.Value).ToList();
        var nested = deploymentsById.Values.Select(d => d.Value).ToList();
        var outputs = (template["outputs"] as JsonObject ?? []).SelectMany(o => Output(o.Key, o.Value as JsonObject)).ToList();
        return new ArmDeployment(path, parameters, resources, outputs, nested);
    }

    /// <summary>Evaluates a template value: expressions in strings, recursively through objects and arrays.</summary>
    public ArmValue Evaluate(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => ArmExpression.IsExpression(text)
            ? Evaluate(Parsed.GetOrAdd(text, ArmExpression.Parse))
            : new ArmString(ArmExpression.Literal(text)),
        JsonObject obj when obj["copy"] is JsonArray =>
            throw new ArmEvaluationException($"{path}: property copy loops (a Bicep for-expression in a property) are not modelled"),
        JsonObject obj => new ArmObject(obj.Select(p => KeyValuePair.Create(p.Key, Evaluate(p.Value)))),
        JsonArray array => new ArmArray(array.Select(Evaluate)),
        _ => ArmValue.FromJson(node),
    };

    private ArmValue Parameter(string name)
    {
        if (parameters.TryGetValue(name, out var known))
        {
            return known;
        }
        var declaration = (template["parameters"] as JsonObject)?[name] as JsonObject
            ?? throw new ArmEvaluationException($"{path}: parameters('{name}') is not declared");
        if (!resolving.Add($"parameter {name}"))
        {
            throw new ArmEvaluationException($"{path}: parameter '{name}' refers to itself");
        }
        ArmValue value;
        if (given.TryGetValue(name, out var givenValue))
        {
            value = givenValue;
        }
        else if (declaration.ContainsKey("defaultValue"))
        {
            value = Evaluate(declaration["defaultValue"]);
        }
        else
        {
            throw new ArmEvaluationException($"{path}: parameter '{name}' has no value and no default");
        }
        ArmParameterRules.Check(path, name, declaration, value, Evaluate);
        resolving.Remove($"parameter {name}");
        parameters[name] = value;
        return value;
    }

    private ArmValue Variable(string name)
    {
        if (variables.TryGetValue(name, out var known))
        {
            return known;
        }
        var declarations = template["variables"] as JsonObject;
        if (declarations is null || !declarations.ContainsKey(name))
        {
            throw new ArmEvaluationException($"{path}: variables('{name}') is not declared");
        }
        if (string.Equals(name, "copy", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArmEvaluationException($"{path}: variable copy loops are not modelled");
        }
        if (!resolving.Add($"variable {name}"))
        {
            throw new ArmEvaluationException($"{path}: variable '{name}' refers to itself");
        }
        var value = Evaluate(declarations[name]);
        resolving.Remove($"variable {name}");
        variables[name] = value;
        return value;
    }

    /// <summary>One resource a declaration creates; its body is evaluated when first needed.</summary>
    private sealed class Pending(string type, ArmValue name, JsonObject node, (string Loop, int Index)? copy)
    {
        public string Type { get; } = type;

        /// <summary>The name: a string, or a value known only while deploying (a guid() of a principal id).</summary>
        public ArmValue NameValue { get; } = name;

        public string Name => NameValue.AsString ?? NameValue.ToString();

        public JsonObject Node { get; } = node;

        public (string Loop, int Index)? Copy { get; } = copy;

        public Lazy<ArmResource> Resource { get; set; } = null!;
    }

    /// <summary>The resources one declaration creates: none when its condition is false, one per index of a copy loop.</summary>
    private IEnumerable<Pending> Declared(JsonObject node)
    {
        if (node["copy"] is JsonObject copy)
        {
            var loop = copy["name"]?.GetValue<string>() ?? "copy";
            var count = Evaluate(copy["count"]) as ArmInt
                ?? throw new ArmEvaluationException($"{path}: copy loop {loop} has a count not known before deploying");
            for (var index = 0; index < count.Value; index++)
            {
                if (InCopy((loop, index), () => Declare(node, (loop, index))) is { } instance)
                {
                    yield return instance;
                }
            }
        }
        else if (Declare(node, null) is { } instance)
        {
            yield return instance;
        }
    }

    private T InCopy<T>((string Loop, int Index)? copy, Func<T> evaluate)
    {
        if (copy is null)
        {
            return evaluate();
        }
        copyIndexes.Push(copy.Value);
        try
        {
            return evaluate();
        }
        finally
        {
            copyIndexes.Pop();
        }
    }

    private Pending? Declare(JsonObject node, (string Loop, int Index)? copy)
    {
        var type = node["type"]?.GetValue<string>() ?? throw new ArmEvaluationException($"{path}: a resource without a type");
        if (node.ContainsKey("condition"))
        {
            var condition = Evaluate(node["condition"]);
            if (condition is not ArmBool decided)
            {
                throw new ArmEvaluationException($"{path}: the condition of a {type} is not known before deploying: {condition}");
            }
            if (!decided.Value)
            {
                return null;
            }
        }
        if (node.ContainsKey("resourceGroup") || node.ContainsKey("subscriptionId"))
        {
            throw new ArmEvaluationException($"{path}: deployments into another resource group or subscription are not modelled");
        }
        var nameValue = Evaluate(node["name"]);
        var pending = new Pending(type, nameValue, node, copy);
        pending.Resource = new Lazy<ArmResource>(() => InCopy(copy, () => Build(pending)));
        return pending;
    }

    private ArmResource Build(Pending pending)
    {
        var isDeployment = string.Equals(pending.Type, ArmEvaluator.DeploymentType, StringComparison.OrdinalIgnoreCase);
        var body = new List<KeyValuePair<string, ArmValue>>();
        foreach (var (key, value) in pending.Node)
        {
            if (key is "type" or "apiVersion" or "name" or "copy" or "condition" or "dependsOn" or "comments" or "metadata")
            {
                continue;
            }
            body.Add(KeyValuePair.Create(key, key == "properties" && isDeployment ? Evaluate(WithoutTemplate(value)) : Evaluate(value)));
        }
        var bodyObject = new ArmObject(body);
        var id = ResourceId(pending.Type, pending.NameValue, bodyObject.TryGet("scope"));
        return new ArmResource(path, pending.Type, pending.Name, id, pending.Node["apiVersion"]?.GetValue<string>() ?? "", bodyObject);
    }

    private string ResourceId(string type, ArmValue nameValue, ArmValue? scope)
    {
        // A name known only while deploying stays one segment: its text may hold '/' of the ids it is made from.
        var name = nameValue.AsString ?? nameValue.ToString();
        var typeAndName = TypeAndName(type, nameValue is ArmString ? name.Split('/') : [name]);
        return scope switch
        {
            null => $"{context.ResourceGroupId}/providers/{typeAndName}",
            ArmString { Value: var s } when s.StartsWith('/') => $"{s}/providers/{typeAndName}",
            ArmString { Value: var s } => $"{context.ResourceGroupId}/providers/{s}/providers/{typeAndName}",
            _ => throw new ArmEvaluationException($"{path}: the scope of {type} '{name}' is not known before deploying: {scope}"),
        };
    }

    /// <summary><c>Microsoft.Storage/storageAccounts/blobServices</c> with names [a, default] is
    /// <c>Microsoft.Storage/storageAccounts/a/blobServices/default</c>.</summary>
    internal static string TypeAndName(string type, IReadOnlyList<string> names)
    {
        var segments = type.Split('/');
        if (segments.Length - 1 != names.Count)
        {
            throw new ArmEvaluationException($"{type} needs {segments.Length - 1} name segments, got '{string.Join('/', names)}'");
        }
        var parts = new List<string> { segments[0] };
        for (var i = 1; i < segments.Length; i++)
        {
            parts.Add(segments[i]);
            parts.Add(names[i - 1]);
        }
        return string.Join('/', parts);
    }

    private static JsonNode? WithoutTemplate(JsonNode? properties)
    {
        if (properties is not JsonObject obj)
        {
            return properties;
        }
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key != "template")
            {
                copy[key] = value?.DeepClone();
            }
        }
        return copy;
    }

    private ArmDeployment DeployNested(Pending instance)
    {
        var resource = instance.Resource.Value;
        var properties = instance.Node["properties"] as JsonObject
            ?? throw new ArmEvaluationException($"{path}: deployment '{resource.Name}' has no properties");
        var scope = properties["expressionEvaluationOptions"]?["scope"]?.GetValue<string>();
        if (!string.Equals(scope, "inner", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArmEvaluationException($"{path}: deployment '{resource.Name}' is outer-scoped; only inner-scoped (Bicep modules) is modelled");
        }
        if (properties["template"] is not JsonObject nestedTemplate)
        {
            throw new ArmEvaluationException($"{path}: deployment '{resource.Name}' links its template instead of nesting it");
        }
        // The parameters were evaluated with the resource body, in this (the outer) scope.
        var passed = new Dictionary<string, ArmValue>(StringComparer.OrdinalIgnoreCase);
        if (resource.At("properties.parameters") is ArmObject parameterValues)
        {
            foreach (var (name, value) in parameterValues.Properties)
            {
                passed[name] = value is ArmObject wrapper && wrapper.TryGet("value") is { } inner
                    ? inner
                    : throw new ArmEvaluationException($"{path}: parameter '{name}' of deployment '{resource.Name}' is not a value (a Key Vault reference?)");
            }
        }
        return new TemplateScope(nestedTemplate, passed, context, $"{path}/{resource.Name}", depth + 1).Deploy();
    }

    private IEnumerable<ArmOutput> Output(string name, JsonObject? declaration)
    {
        if (declaration is null)
        {
            yield break;
        }
        if (declaration.ContainsKey("copy"))
        {
            throw new ArmEvaluationException($"{path}: output copy loops are not modelled ({name})");
        }
        if (declaration.ContainsKey("condition") && Evaluate(declaration["condition"]) is ArmBool { Value: false })
        {
            yield break;
        }
        var type = declaration["type"]?.GetValue<string>() ?? "";
        yield return new ArmOutput(path, name, type, Evaluate(declaration["value"]));
    }
}
