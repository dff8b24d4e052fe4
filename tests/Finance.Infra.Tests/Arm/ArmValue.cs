using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Finance.Infra.Tests.Arm;

/// <summary>
/// A value of an ARM template after evaluation: a JSON value, or <see cref="ArmRuntime"/> for what only Azure knows
/// while deploying (a deployed resource's properties, a key). Equality is structural, as ARM's <c>equals()</c>.
/// </summary>
public abstract record ArmValue
{
    public static ArmValue Null { get; } = new ArmNull();

    /// <summary>A JSON literal as a value; expressions in it are not evaluated (see <see cref="ArmEvaluator"/>).</summary>
    public static ArmValue FromJson(JsonNode? node) => node switch
    {
        null => Null,
        JsonObject obj => new ArmObject(obj.Select(p => KeyValuePair.Create(p.Key, FromJson(p.Value)))),
        JsonArray array => new ArmArray(array.Select(FromJson)),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => new ArmString(value.GetValue<string>()),
            JsonValueKind.True => new ArmBool(true),
            JsonValueKind.False => new ArmBool(false),
            JsonValueKind.Number when value.TryGetValue<long>(out var whole) => new ArmInt(whole),
            JsonValueKind.Number => throw new ArmEvaluationException($"ARM integers are whole numbers, not {value.ToJsonString()}"),
            _ => Null,
        },
        _ => throw new ArmEvaluationException($"Not a JSON value: {node}"),
    };

    /// <summary>A test's expected value: a string, bool, int or long.</summary>
    public static ArmValue From(object? value) => value switch
    {
        null => Null,
        ArmValue armValue => armValue,
        string text => new ArmString(text),
        bool flag => new ArmBool(flag),
        int number => new ArmInt(number),
        long number => new ArmInt(number),
        _ => throw new ArgumentException($"No ARM value for {value.GetType().Name}", nameof(value)),
    };

    /// <summary>The value at a dotted path (<c>properties.siteConfig.minTlsVersion</c>), or null when a step is missing.
    /// A step into a runtime value gives a runtime value for the deeper property.</summary>
    public ArmValue? At(string path)
    {
        ArmValue? current = this;
        foreach (var segment in path.Split('.'))
        {
            current = current switch
            {
                ArmObject obj => obj.TryGet(segment),
                ArmRuntime runtime => runtime.Member(segment),
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }
        return current;
    }

    /// <summary>The text of a string value, or null.</summary>
    public string? AsString => (this as ArmString)?.Value;

    /// <summary>Rendered as an ARM expression literal would be written: <c>'text'</c>, <c>true</c>, <c>{ a: 1 }</c>.</summary>
    public abstract override string ToString();
}

public sealed record ArmString(string Value) : ArmValue
{
    public override string ToString() => $"'{Value.Replace("'", "''", StringComparison.Ordinal)}'";
}

public sealed record ArmInt(long Value) : ArmValue
{
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

public sealed record ArmBool(bool Value) : ArmValue
{
    public override string ToString() => Value ? "true" : "false";
}

public sealed record ArmNull : ArmValue
{
    public override string ToString() => "null";
}

public sealed record ArmArray : ArmValue
{
    public ArmArray(IEnumerable<ArmValue> items) => Items = items.ToList();

    public IReadOnlyList<ArmValue> Items { get; }

    public bool Equals(ArmArray? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Count;

    public override string ToString() => $"[{string.Join(", ", Items)}]";
}

/// <summary>An object; property names compare case-insensitively, as ARM's do, and keep their order.</summary>
public sealed record ArmObject : ArmValue
{
    private readonly Dictionary<string, ArmValue> byName;

    public ArmObject(IEnumerable<KeyValuePair<string, ArmValue>> properties)
    {
        byName = new Dictionary<string, ArmValue>(StringComparer.OrdinalIgnoreCase);
        var ordered = new List<KeyValuePair<string, ArmValue>>();
        foreach (var (key, value) in properties)
        {
            if (byName.ContainsKey(key))
            {
                ordered.RemoveAll(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase));
            }
            byName[key] = value;
            ordered.Add(KeyValuePair.Create(key, value));
        }
        Properties = ordered;
    }

    public static ArmObject Empty { get; } = new([]);

    public IReadOnlyList<KeyValuePair<string, ArmValue>> Properties { get; }

    public ArmValue? TryGet(string name) => byName.GetValueOrDefault(name);

    public bool Equals(ArmObject? other) =>
        other is not null
        && Properties.Count == other.Properties.Count
        && Properties.All(p => other.TryGet(p.Key) is { } value && value.Equals(p.Value));

    public override int GetHashCode() => Properties.Count;

    public override string ToString()
    {
        var text = new StringBuilder("{ ");
        text.AppendJoin(", ", Properties.Select(p => $"{p.Key}: {p.Value}"));
        return text.Append(" }").ToString();
    }
}

/// <summary>
/// A value Azure knows only while deploying: a property of a deployed resource (<see cref="Property"/>), a
/// <c>list*()</c> result, or an expression over such values. Its text is canonical, so two that read the same
/// property of the same resource are equal.
/// </summary>
public sealed record ArmRuntime(string Expression) : ArmValue
{
    /// <summary>A property of a resource as deployed (<c>identity.principalId</c>, <c>properties.primaryEndpoints.blob</c>).</summary>
    public static ArmRuntime Property(string resourceId, string path) =>
        new(path.Length == 0 ? $"reference('{resourceId}', 'full')" : $"reference('{resourceId}', 'full').{path}");

    /// <summary>A function applied to arguments at least one of which is known only while deploying.</summary>
    public static ArmRuntime Call(string function, IEnumerable<ArmValue> arguments) => new($"{function}({string.Join(", ", arguments)})");

    public ArmRuntime Member(string name) => new($"{Expression}.{name}");

    public ArmRuntime Index(ArmValue index) => new($"{Expression}[{index}]");

    public override string ToString() => Expression;
}

/// <summary>A template the evaluator cannot deploy: a parameter ARM would refuse, or a construct it does not model.</summary>
public sealed class ArmEvaluationException : Exception
{
    public ArmEvaluationException(string message)
        : base(message)
    {
    }

    public ArmEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ArmEvaluationException()
    {
    }
}
