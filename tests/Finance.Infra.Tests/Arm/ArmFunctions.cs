using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Finance.Infra.Tests.Arm;

/// <summary>The template functions the evaluator knows: those Bicep emits for this project, and their close kin.</summary>
internal sealed partial class TemplateScope
{
    // uniqueString's alphabet and length (13, lowercase letters and digits), so names built with it have their real length.
    private const string UniqueStringAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const int UniqueStringLength = 13;

    public ArmValue Evaluate(ArmExpression expression) => expression switch
    {
        ArmLiteral literal => literal.Value,
        ArmMember member => Member(Evaluate(member.Target), member.Property),
        ArmIndex index => Index(Evaluate(index.Target), Evaluate(index.Index)),
        ArmCall call => Call(call),
        _ => throw new ArmEvaluationException($"{path}: unknown expression {expression}"),
    };

    private ArmValue Member(ArmValue target, string property) => target switch
    {
        ArmRuntime runtime => runtime.Member(property),
        ArmObject obj => obj.TryGet(property) ?? throw new ArmEvaluationException($"{path}: {Short(obj)} has no property '{property}'"),
        _ => throw new ArmEvaluationException($"{path}: cannot read '{property}' of {Short(target)}"),
    };

    private ArmValue Index(ArmValue target, ArmValue index) => (target, index) switch
    {
        (ArmRuntime runtime, _) => runtime.Index(index),
        (_, ArmRuntime) => ArmRuntime.Call("index", [target, index]),
        (ArmArray array, ArmInt i) when i.Value >= 0 && i.Value < array.Items.Count => array.Items[(int)i.Value],
        (ArmObject obj, ArmString key) => obj.TryGet(key.Value) ?? throw new ArmEvaluationException($"{path}: {Short(obj)} has no property '{key.Value}'"),
        _ => throw new ArmEvaluationException($"{path}: cannot index {Short(target)} with {index}"),
    };

    private ArmValue Call(ArmCall call)
    {
        var name = call.Name.ToLowerInvariant();
        if (name == "if")
        {
            // Only the branch taken is evaluated, as ARM does.
            Arity(call, 3);
            return Evaluate(call.Arguments[0]) switch
            {
                ArmBool { Value: true } => Evaluate(call.Arguments[1]),
                ArmBool { Value: false } => Evaluate(call.Arguments[2]),
                var condition => ArmRuntime.Call("if", [condition, Evaluate(call.Arguments[1]), Evaluate(call.Arguments[2])]),
            };
        }
        var args = call.Arguments.Select(Evaluate).ToList();
        switch (name)
        {
            case "parameters":
                return Parameter(StringArgument(call, args, 0));
            case "variables":
                return Variable(StringArgument(call, args, 0));
            case "createobject":
                return new ArmObject(args.Chunk(2).Select(pair => KeyValuePair.Create(
                    pair[0].AsString ?? throw new ArmEvaluationException($"{path}: createObject key {pair[0]}"), pair.Length > 1 ? pair[1] : ArmValue.Null)));
            case "createarray":
                return new ArmArray(args);
            case "null":
                return ArmValue.Null;
            case "true":
                return new ArmBool(true);
            case "false":
                return new ArmBool(false);
            case "coalesce":
                return args.FirstOrDefault(a => a is not ArmNull) ?? ArmValue.Null;
            case "concat" when args.Count > 0 && args.All(a => a is ArmArray):
                return new ArmArray(args.SelectMany(a => ((ArmArray)a).Items));
            case "union" when args.Count > 0 && args.All(a => a is ArmObject):
                return new ArmObject(args.SelectMany(a => ((ArmObject)a).Properties));
            case "union" when args.Count > 0 && args.All(a => a is ArmArray):
                return new ArmArray(args.SelectMany(a => ((ArmArray)a).Items).Distinct());
            case "reference":
                return Reference(call, args);
            case "copyindex":
                return CopyIndex(args);
            case "resourcegroup":
                return Object(("id", context.ResourceGroupId), ("name", context.ResourceGroup), ("type", "Microsoft.Resources/resourceGroups"),
                    ("location", context.Location), ("tags", ArmObject.Empty), ("properties", Object(("provisioningState", "Succeeded"))));
            case "subscription":
                return Object(("id", $"/subscriptions/{context.SubscriptionId}"), ("subscriptionId", context.SubscriptionId),
                    ("tenantId", context.TenantId), ("displayName", "test subscription"));
            case "tenant":
                return Object(("id", $"/tenants/{context.TenantId}"), ("tenantId", context.TenantId), ("displayName", "test tenant"), ("countryCode", "GB"));
            case "environment":
                // The public cloud's values.
                return Object(("name", "AzureCloud"), ("resourceManager", "https://management.azure.com/"),
                    ("authentication", Object(("loginEndpoint", "https://login.microsoftonline.com/"))),
                    ("suffixes", Object(("storage", "core.windows.net"), ("keyvaultDns", ".vault.azure.net"))));
            case "deployment":
                return Object(("name", path.Split('/')[^1]));
        }
        if (name.StartsWith("list", StringComparison.Ordinal))
        {
            // listKeys(), listAccountSas(), ...: secrets Azure hands out while deploying.
            return ArmRuntime.Call(call.Name, args);
        }
        if (args.Any(a => a is ArmRuntime))
        {
            return ArmRuntime.Call(call.Name, args);
        }
        return name switch
        {
            "equals" => new ArmBool(args.Count == 2 ? args[0].Equals(args[1]) : throw Wrong(call)),
            "not" => new ArmBool(!Bool(call, args, 0)),
            "and" => new ArmBool(Enumerable.Range(0, args.Count).All(i => Bool(call, args, i))),
            "or" => new ArmBool(Enumerable.Range(0, args.Count).Any(i => Bool(call, args, i))),
            "less" => new ArmBool(Int(call, args, 0) < Int(call, args, 1)),
            "lessorequals" => new ArmBool(Int(call, args, 0) <= Int(call, args, 1)),
            "greater" => new ArmBool(Int(call, args, 0) > Int(call, args, 1)),
            "greaterorequals" => new ArmBool(Int(call, args, 0) >= Int(call, args, 1)),
            "concat" => new ArmString(string.Concat(args.Select((_, i) => Text(call, args, i)))),
            "format" => Format(call, args),
            "string" => new ArmString(Text(call, args, 0)),
            "int" => args[0] is ArmString s ? new ArmInt(long.Parse(s.Value, CultureInfo.InvariantCulture)) : new ArmInt(Int(call, args, 0)),
            "join" => args[0] is ArmArray items
                ? new ArmString(string.Join(StringArgument(call, args, 1), items.Items.Select(i => i.AsString ?? throw Wrong(call))))
                : throw Wrong(call),
            "length" => new ArmInt(args[0] switch
            {
                ArmString s => s.Value.Length,
                ArmArray a => a.Items.Count,
                ArmObject o => o.Properties.Count,
                _ => throw Wrong(call),
            }),
            "empty" => new ArmBool(args[0] switch
            {
                ArmNull => true,
                ArmString s => s.Value.Length == 0,
                ArmArray a => a.Items.Count == 0,
                ArmObject o => o.Properties.Count == 0,
                _ => throw Wrong(call),
            }),
            "contains" => new ArmBool(args[0] switch
            {
                ArmString s => s.Value.Contains(StringArgument(call, args, 1), StringComparison.Ordinal),
                ArmArray a => a.Items.Contains(args[1]),
                ArmObject o => o.TryGet(StringArgument(call, args, 1)) is not null,
                _ => throw Wrong(call),
            }),
            "tolower" => new ArmString(StringArgument(call, args, 0).ToLowerInvariant()),
            "toupper" => new ArmString(StringArgument(call, args, 0).ToUpperInvariant()),
            "startswith" => new ArmBool(StringArgument(call, args, 0).StartsWith(StringArgument(call, args, 1), StringComparison.OrdinalIgnoreCase)),
            "endswith" => new ArmBool(StringArgument(call, args, 0).EndsWith(StringArgument(call, args, 1), StringComparison.OrdinalIgnoreCase)),
            "uniquestring" => new ArmString(UniqueString(args.Select((_, i) => StringArgument(call, args, i)))),
            "guid" => new ArmString(Guid(args.Select((_, i) => StringArgument(call, args, i)))),
            "resourceid" => new ArmString(ResourceIdFunction(call, args)),
            "subscriptionresourceid" => new ArmString(SubscriptionResourceId(call, args)),
            "tenantresourceid" => new ArmString($"/providers/{TypeAndName(StringArgument(call, args, 0), Names(call, args, 1))}"),
            "extensionresourceid" => new ArmString($"{StringArgument(call, args, 0)}/providers/{TypeAndName(StringArgument(call, args, 1), Names(call, args, 2))}"),
            _ => throw new ArmEvaluationException($"{path}: the function {call.Name}() is not modelled by the test evaluator"),
        };
    }

    /// <summary>
    /// <c>reference()</c> of a nested deployment is its outputs (evaluated here); of any other resource, a runtime
    /// value naming the resource and, without <c>'full'</c>, its <c>properties</c>.
    /// </summary>
    private ArmValue Reference(ArmCall call, List<ArmValue> args)
    {
        if (args.Count == 0 || args[0] is not ArmString target)
        {
            return ArmRuntime.Call("reference", args);
        }
        var full = args.Count > 2 && string.Equals(args[2].AsString, "full", StringComparison.OrdinalIgnoreCase);
        var id = target.Value.StartsWith('/') ? target.Value : $"{context.ResourceGroupId}/providers/{target.Value}";
        if (deploymentsById.TryGetValue(id, out var nested))
        {
            var outputs = new ArmObject(nested.Value.Outputs.Select(o => KeyValuePair.Create<string, ArmValue>(
                o.Name, new ArmObject([KeyValuePair.Create("type", (ArmValue)new ArmString(o.Type)), KeyValuePair.Create("value", o.Value)]))));
            var deploymentProperties = new ArmObject([KeyValuePair.Create("outputs", (ArmValue)outputs)]);
            return full ? new ArmObject([KeyValuePair.Create("properties", (ArmValue)deploymentProperties)]) : deploymentProperties;
        }
        if (!target.Value.StartsWith('/'))
        {
            throw new ArmEvaluationException($"{path}: {call.Name}('{target.Value}') by name is not modelled (Bicep passes resource ids)");
        }
        return ArmRuntime.Property(id, full ? "" : "properties");
    }

    private ArmInt CopyIndex(List<ArmValue> args)
    {
        if (copyIndexes.Count == 0)
        {
            throw new ArmEvaluationException($"{path}: copyIndex() outside a copy loop");
        }
        var loop = args.Count > 0 && args[0] is ArmString name ? name.Value : null;
        var offset = args.Count > 0 && args[^1] is ArmInt n ? n.Value : 0;
        var (_, index) = loop is null
            ? copyIndexes.Peek()
            : copyIndexes.FirstOrDefault(c => string.Equals(c.Loop, loop, StringComparison.OrdinalIgnoreCase));
        return new ArmInt(index + offset);
    }

    private string ResourceIdFunction(ArmCall call, List<ArmValue> args)
    {
        // resourceId([subscriptionId], [resourceGroupName], resourceType, name1, [name2, ...]): the type is the first
        // argument with a '/' in it.
        var typeAt = Enumerable.Range(0, args.Count).FirstOrDefault(i => args[i].AsString?.Contains('/', StringComparison.Ordinal) == true, -1);
        if (typeAt is < 0 or > 2)
        {
            throw Wrong(call);
        }
        var subscription = typeAt == 2 ? StringArgument(call, args, 0) : context.SubscriptionId;
        var group = typeAt >= 1 ? StringArgument(call, args, typeAt - 1) : context.ResourceGroup;
        return $"/subscriptions/{subscription}/resourceGroups/{group}/providers/{TypeAndName(StringArgument(call, args, typeAt), Names(call, args, typeAt + 1))}";
    }

    private string SubscriptionResourceId(ArmCall call, List<ArmValue> args)
    {
        var typeAt = args.Count > 0 && args[0].AsString?.Contains('/', StringComparison.Ordinal) == true ? 0 : 1;
        var subscription = typeAt == 1 ? StringArgument(call, args, 0) : context.SubscriptionId;
        return $"/subscriptions/{subscription}/providers/{TypeAndName(StringArgument(call, args, typeAt), Names(call, args, typeAt + 1))}";
    }

    private List<string> Names(ArmCall call, List<ArmValue> args, int from) =>
        Enumerable.Range(from, Math.Max(0, args.Count - from)).Select(i => StringArgument(call, args, i)).ToList();

    private ArmString Format(ArmCall call, List<ArmValue> args)
    {
        var pattern = StringArgument(call, args, 0);
        var text = FormatItem().Replace(pattern, match =>
        {
            var index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) + 1;
            return index < args.Count ? Text(call, args, index) : throw Wrong(call);
        });
        return new ArmString(text.Replace("{{", "{", StringComparison.Ordinal).Replace("}}", "}", StringComparison.Ordinal));
    }

    /// <summary>A value as text in <c>string()</c>, <c>concat()</c> and <c>format()</c>: strings and whole numbers only.
    /// (How ARM spells a boolean or an object there is not modelled: such a template is refused, not guessed at.)</summary>
    private string Text(ArmCall call, List<ArmValue> args, int at) => args.ElementAtOrDefault(at) switch
    {
        ArmString s => s.Value,
        ArmInt n => n.Value.ToString(CultureInfo.InvariantCulture),
        var other => throw new ArmEvaluationException($"{path}: {call.Name}() of {other} is not modelled"),
    };

    private string StringArgument(ArmCall call, List<ArmValue> args, int at) =>
        args.ElementAtOrDefault(at)?.AsString ?? throw Wrong(call);

    private bool Bool(ArmCall call, List<ArmValue> args, int at) =>
        args.ElementAtOrDefault(at) is ArmBool b ? b.Value : throw Wrong(call);

    private long Int(ArmCall call, List<ArmValue> args, int at) =>
        args.ElementAtOrDefault(at) is ArmInt n ? n.Value : throw Wrong(call);

    private void Arity(ArmCall call, int count)
    {
        if (call.Arguments.Count != count)
        {
            throw Wrong(call);
        }
    }

    private ArmEvaluationException Wrong(ArmCall call) => new($"{path}: cannot evaluate {call.Name}() with these arguments: {call}");

    private static ArmObject Object(params (string Key, object Value)[] properties) =>
        new(properties.Select(p => KeyValuePair.Create(p.Key, ArmValue.From(p.Value))));

    private static string Short(ArmValue value)
    {
        var text = value.ToString();
        return text.Length <= 60 ? text : text[..60] + "...";
    }

    /// <summary>Stand-in for uniqueString(): 13 characters from a hash of the arguments (not Azure's hash).</summary>
    private static string UniqueString(IEnumerable<string> parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts)));
        var text = new StringBuilder(UniqueStringLength);
        for (var i = 0; i < UniqueStringLength; i++)
        {
            text.Append(UniqueStringAlphabet[hash[i] % UniqueStringAlphabet.Length]);
        }
        return text.ToString();
    }

    /// <summary>Stand-in for guid(): a GUID from a hash of the arguments (not Azure's).</summary>
    private static string Guid(IEnumerable<string> parts) =>
        new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))).AsSpan(0, 16)).ToString();

    [GeneratedRegex(@"(?<!\{)\{(\d+)\}(?!\})")]
    private static partial Regex FormatItem();
}
