using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Finance.LocalHost.Rpc;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Finance.LocalHost.Http;

/// <summary>
/// The trigger_metadata the real host sends with an HTTP invocation (WebJobs.Extensions.Http's
/// GetRequestBindingData, then the host's conversion to TypedData), in its order, later entries overriding earlier:
/// the top-level properties of a JSON body; each query parameter (last value; not "code") as string; each route value
/// as string; then "Query" (every parameter, last value) and "Headers" (each header, values comma-joined) as json.
/// Route parameters bind from these entries, not from the worker's own routing.
/// </summary>
internal static class HttpTriggerMetadata
{
    /// <summary>Largest body read for its JSON properties. The real host reads any size; bodies past this are
    /// forwarded without their properties in the metadata, so a large upload is never held in memory twice.</summary>
    public const int BodyBindingDataMaxBytes = 1024 * 1024;

    private static readonly JsonSerializerOptions AsNewtonsoftWrites = new()
    {
        // The host serialises with Newtonsoft, which escapes only what JSON requires.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task<Dictionary<string, TypedData>> ReadAsync(
        HttpRequest request, RouteValueDictionary routeValues, CancellationToken cancellationToken)
    {
        var metadata = new Dictionary<string, TypedData>(StringComparer.OrdinalIgnoreCase);
        if (request.ContentLength is > 0 and <= BodyBindingDataMaxBytes)
        {
            await AddBodyPropertiesAsync(request, metadata, cancellationToken);
        }

        var query = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Query)
        {
            var last = values.Count > 0 ? values[^1] ?? "" : "";
            query[name] = last;
            if (!name.Equals(KeyRing.QueryName, StringComparison.OrdinalIgnoreCase))
            {
                metadata[name] = new TypedData { String = last };
            }
        }
        foreach (var (name, value) in routeValues)
        {
            if (value is not null)
            {
                metadata[name] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }
        metadata.TryAdd("Query", new TypedData { Json = JsonSerializer.Serialize(query, AsNewtonsoftWrites) });
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values.ToString();
        }
        metadata.TryAdd("Headers", new TypedData { Json = JsonSerializer.Serialize(headers, AsNewtonsoftWrites) });
        return metadata;
    }

    private static async Task AddBodyPropertiesAsync(
        HttpRequest request, Dictionary<string, TypedData> metadata, CancellationToken cancellationToken)
    {
        // Buffered so the body can be read here and forwarded to the worker after.
        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: BodyBindingDataMaxBytes);
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true))
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }
        request.Body.Position = 0;

        var trimmed = body.AsSpan().Trim();
        if (trimmed.Length < 2 || trimmed[0] != '{' || trimmed[^1] != '}')
        {
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value;
                TypedData? data = value.ValueKind switch
                {
                    JsonValueKind.Object => new TypedData { Json = value.GetRawText() },
                    JsonValueKind.String => new TypedData { String = value.GetString() },
                    // Newtonsoft's string conversion of a JSON boolean.
                    JsonValueKind.True => new TypedData { String = "True" },
                    JsonValueKind.False => new TypedData { String = "False" },
                    JsonValueKind.Number => new TypedData { String = value.GetRawText() },
                    _ => null, // arrays and nulls are not binding data
                };
                if (data is not null)
                {
                    metadata[property.Name] = data;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: as in the real host, that is not an error.
        }
    }
}
