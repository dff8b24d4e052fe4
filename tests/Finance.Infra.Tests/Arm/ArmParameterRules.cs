using System.Text.Json.Nodes;

namespace Finance.Infra.Tests.Arm;

/// <summary>What Resource Manager checks of a parameter value before deploying: type, allowed values, bounds, lengths.</summary>
internal static class ArmParameterRules
{
    public static void Check(string path, string name, JsonObject declaration, ArmValue value, Func<JsonNode?, ArmValue> evaluate)
    {
        var where = $"{path}: parameter '{name}' = {Shorten(value)}";
        var type = declaration["type"]?.GetValue<string>()?.ToLowerInvariant();
        if (value is ArmRuntime)
        {
            // A value only known while deploying (another module's output): ARM checks it then.
            return;
        }
        var fits = type switch
        {
            "string" or "securestring" => value is ArmString,
            "int" => value is ArmInt,
            "bool" => value is ArmBool,
            "object" or "secureobject" => value is ArmObject,
            "array" => value is ArmArray,
            _ => throw new ArmEvaluationException($"{where}: unknown parameter type '{type}'"),
        };
        if (!fits)
        {
            throw new ArmEvaluationException($"{where} is not of type {type}");
        }
        if (declaration["allowedValues"] is JsonArray allowedNodes)
        {
            var allowed = allowedNodes.Select(evaluate).ToList();
            var candidates = value is ArmArray array ? array.Items : [value];
            foreach (var candidate in candidates.Where(c => !allowed.Contains(c)))
            {
                throw new ArmEvaluationException($"{where}: {candidate} is not one of the allowed values {string.Join(", ", allowed)}");
            }
        }
        if (value is ArmInt number)
        {
            if (declaration["minValue"] is { } min && number.Value < min.GetValue<long>())
            {
                throw new ArmEvaluationException($"{where} is below minValue {min}");
            }
            if (declaration["maxValue"] is { } max && number.Value > max.GetValue<long>())
            {
                throw new ArmEvaluationException($"{where} is above maxValue {max}");
            }
        }
        var length = value switch
        {
            ArmString text => text.Value.Length,
            ArmArray items => items.Items.Count,
            _ => (int?)null,
        };
        if (length is { } actual)
        {
            if (declaration["minLength"] is { } minLength && actual < minLength.GetValue<int>())
            {
                throw new ArmEvaluationException($"{where} is shorter than minLength {minLength}");
            }
            if (declaration["maxLength"] is { } maxLength && actual > maxLength.GetValue<int>())
            {
                throw new ArmEvaluationException($"{where} is longer than maxLength {maxLength}");
            }
        }
    }

    private static string Shorten(ArmValue value)
    {
        var text = value.ToString();
        return text.Length <= 80 ? text : text[..80] + "...";
    }
}
