using System.Text.Json;
using System.Text.RegularExpressions;

namespace Finance.Testing;

/// <summary>
/// Reads every problem+json answer any test receives and fails the request (so the test that made it) when the
/// problem speaks in the code's words rather than the API's: a .NET type or namespace, an exception, a stack frame,
/// an enum member in PascalCase where the API spells it in camelCase, or a 404 titled any other way than
/// "Not found."; and the same of every <c>message</c> in a JSON answer (findings). Every refusal and finding the
/// suite provokes is checked, so a message added anywhere is held to this.
/// </summary>
public sealed partial class ProblemWording : DelegatingHandler
{
    /// <summary>Words that are PascalCase in the API itself: role names, as tokens and the directory spell them.</summary>
    private static readonly HashSet<string> ApiWords = new(StringComparer.Ordinal)
    {
        "FinanceLead", "PoolManager", "PartnerViewer",
    };

    public ProblemWording(HttpMessageHandler inner)
        : base(inner)
    {
    }

    /// <summary>
    /// The faults in one problem document's text, none when it speaks the API's words. Words the request itself
    /// contained (<paramref name="asked"/>: its URL and body) are the caller's, so quoting them back is no fault.
    /// </summary>
    public static IReadOnlyList<string> Faults(int status, string json, string asked = "")
    {
        var faults = new List<string>();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException)
        {
            return ["the body is not JSON"];
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ["the body is not a JSON object"];
        }
        if (status == 404 && root.TryGetProperty("title", out var title) && title.GetString() != "Not found.")
        {
            faults.Add($"a 404 titled '{title.GetString()}', not 'Not found.'");
        }
        faults.AddRange(Texts(root, "").SelectMany(t => WordFaults(t.Where, t.Text, asked)));
        faults.AddRange(Messages(root, "$").SelectMany(m => WordFaults(m.Where, m.Text, asked)));
        return faults;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var asked = request.RequestUri?.ToString() ?? "";
        if (request.Content is { } content and not StreamContent)
        {
            await content.LoadIntoBufferAsync(cancellationToken);
            asked += "\n" + await content.ReadAsStringAsync(cancellationToken);
        }
        var response = await base.SendAsync(request, cancellationToken);
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is not ("application/problem+json" or "application/json"))
        {
            return response;
        }
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        var faults = type == "application/json"
            ? MessageFaults(json, asked)
            : Faults((int)response.StatusCode, json, asked);
        if (faults.Count > 0)
        {
            response.Dispose();
            throw new InvalidOperationException(
                $"{request.Method} {request.RequestUri} answered a problem in the code's words, not the API's:\n  "
                + string.Join("\n  ", faults));
        }
        return response;
    }

    /// <summary>
    /// The faults in the messages of a JSON answer (a finding's <c>message</c>, wherever it appears): the same
    /// wording rules as for problems.
    /// </summary>
    public static IReadOnlyList<string> MessageFaults(string json, string asked = "")
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement.Clone();
        }
        catch (JsonException)
        {
            return [];
        }
        return Messages(root, "$").SelectMany(m => WordFaults(m.Where, m.Text, asked)).ToList();
    }

    private static IEnumerable<(string Where, string Text)> Messages(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                foreach (var found in Messages(item, $"{path}[{i++}]"))
                {
                    yield return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "message" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return ($"{path}.message", property.Value.GetString()!);
                }
                foreach (var found in Messages(property.Value, $"{path}.{property.Name}"))
                {
                    yield return found;
                }
            }
        }
    }

    /// <summary>The faults of one text a person reads (a message, a summary), said with where it is.</summary>
    public static IEnumerable<string> WordFaults(string where, string text, string asked = "")
    {
        foreach (var word in InternalWords().Matches(text).Select(m => m.Value).Distinct())
        {
            yield return $"{where} says '{word}': {text}";
        }
        foreach (var word in PascalWords().Matches(text).Select(m => m.Value)
            .Where(w => !ApiWords.Contains(w) && !asked.Contains(w, StringComparison.Ordinal)).Distinct())
        {
            yield return $"{where} says '{word}', a name in the code's spelling: {text}";
        }
    }

    /// <summary>The texts a person reads: title, detail and every message under errors, by where they are.</summary>
    private static IEnumerable<(string Where, string Text)> Texts(JsonElement root, string prefix)
    {
        foreach (var name in new[] { "title", "detail" })
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                yield return (prefix + name, value.GetString()!);
            }
        }
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                var messages = field.Value.ValueKind == JsonValueKind.Array ? field.Value.EnumerateArray() : default;
                foreach (var message in messages.Where(m => m.ValueKind == JsonValueKind.String))
                {
                    yield return ($"errors['{field.Name}']", message.GetString()!);
                }
            }
        }
    }

    [GeneratedRegex(@"\b(?:Finance|System|Microsoft|Azure|NodaTime)\.[A-Z]\w*|\w*Exception\b|\bat [\w.]+\(|\bNullable`|\bIReadOnly\w*|\bJsonElement\b|\bString\b|\bInt32\b|\bInt64\b|\bDecimal\b|\bBoolean\b")]
    private static partial Regex InternalWords();

    /// <summary>A word of two or more capitalised parts (CarryForwardIn, EntryBody), as enum members and types are named.</summary>
    [GeneratedRegex(@"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b")]
    private static partial Regex PascalWords();
}
