using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Finance.Functions.Http;

/// <summary>Reads request bodies with a size limit and turns every way JSON can be wrong into a problem naming the field.</summary>
public static class JsonBody
{
    /// <summary>Default limit for JSON bodies of set-up and posting requests.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    /// <summary>A body of at most <see cref="DefaultMaxBytes"/> into <typeparamref name="T"/>, or the problem refusing it.</summary>
    public static async Task<BodyRead<T>> ReadOrRefuseAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return new BodyRead<T>(await ReadAsync<T>(request, options, DefaultMaxBytes, cancellationToken), null);
        }
        catch (JsonBodyException e)
        {
            return new BodyRead<T>(null, e.ToResult());
        }
    }

    /// <summary>Deserialises a body into <typeparamref name="T"/>; a type mismatch names the JSON path of the field.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        var bytes = await ReadJsonBytesAsync(request, maxBytes, cancellationToken);
        return Deserialize<T>(bytes, options);
    }

    /// <summary>Deserialises bytes read by <see cref="ReadJsonBytesAsync"/> (say, to hash them for an Idempotency-Key).</summary>
    public static T Deserialize<T>(byte[] bytes, JsonSerializerOptions options)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, options)
                ?? throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body must be a JSON object.", "", "The body was null.");
        }
        catch (JsonException e)
        {
            var field = Field(e.Path);
            throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body does not match the expected shape.", field, Describe(e, field));
        }
    }

    /// <summary>"$.entries[1].amount" as the API names it: "entries[1].amount" ("" for the body itself).</summary>
    private static string Field(string? path) => (path ?? "$").TrimStart('$').TrimStart('.');

    /// <summary>
    /// System.Text.Json's messages name .NET types and members, which mean nothing to a caller: the message is said again
    /// in the API's words from what kind of value the field takes.
    /// </summary>
    private static string Describe(JsonException e, string field)
    {
        var name = field.Length == 0 ? "The body" : $"'{field}'";
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"{name} is not a property this request takes.";
        }
        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            return $"{name} lacks a property it must have.";
        }
        var converted = message.Split("could not be converted to ", 2);
        if (converted.Length == 2)
        {
            var type = converted[1].Split(['.', ' '], 2)[0] == "System" ? converted[1] : "object";
            var wanted = type switch
            {
                _ when type.StartsWith("System.String", StringComparison.Ordinal) => "text (a JSON string)",
                _ when type.StartsWith("System.Boolean", StringComparison.Ordinal) => "true or false",
                _ when type.StartsWith("System.Int", StringComparison.Ordinal) || type.StartsWith("System.Nullable`1[System.Int", StringComparison.Ordinal)
                    => "a whole number",
                _ when type.StartsWith("System.Collections", StringComparison.Ordinal) || type.Contains("[]", StringComparison.Ordinal) => "a list (a JSON array)",
                _ => "a JSON object",
            };
            return field.Length == 0 ? $"The body must be {wanted}." : $"{name} must be {wanted}.";
        }
        return field.Length == 0 ? "The body is not valid JSON." : $"{name} is not valid JSON here.";
    }

    /// <summary>
    /// A JSON body's bytes: refused unless its Content-Type is JSON (415), more than <paramref name="maxBytes"/> (413),
    /// empty, not JSON, or with a property name twice in one object (400 naming it). A UTF-8 byte order mark (Windows
    /// tools add one) is dropped. The duplicate check is ours: System.Text.Json matches names without regard to case,
    /// so a case variant would be a silent second value, and its own duplicate error names .NET types.
    /// </summary>
    public static async Task<byte[]> ReadJsonBytesAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Read and checked once per request: the access middleware reads a declared body first and keeps it here.
        if (request.HttpContext.Items.TryGetValue(CheckedBodyKey, out var read) && read is byte[] known)
        {
            return known.Length <= maxBytes
                ? known
                : throw new JsonBodyException(StatusCodes.Status413PayloadTooLarge, "The body is too large.", "", $"At most {maxBytes} bytes are accepted.");
        }
        if (!IsJson(request.ContentType))
        {
            throw NotJson(request.ContentType);
        }
        var bytes = await ReadBytesAsync(request, maxBytes, cancellationToken);
        if (bytes.AsSpan().StartsWith(Utf8Bom))
        {
            bytes = bytes[Utf8Bom.Length..];
        }
        CheckNames(bytes);
        request.HttpContext.Items[CheckedBodyKey] = bytes;
        return bytes;
    }

    /// <summary>Where a request's JSON body, once read and checked, is kept for the rest of the request.</summary>
    private const string CheckedBodyKey = "finance.checked-json-body";

    /// <summary>The 415 for a body that is not sent as JSON.</summary>
    private static JsonBodyException NotJson(string? contentType) => new(StatusCodes.Status415UnsupportedMediaType, "Not a JSON body.", "",
        $"Send the body as Content-Type: application/json (charset utf-8, if one is given); it was {(contentType is { Length: > 0 } t ? $"'{t}'" : "not given")}.");

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>application/json or application/*+json, with no charset but UTF-8.</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var type) || type.MediaType.Value is not { } media)
        {
            return false;
        }
        var json = media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        var charset = type.Charset.Value;
        return json && (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Refuses a property name given twice in one object, in any case (400 naming it by its path).</summary>
    private static void CheckNames(byte[] bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = 64 });
        var frames = new Stack<(HashSet<string>? Names, string Path, int Index)>();
        var path = "";
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        var here = Child(frames, path, property);
                        frames.Push((reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) : null, here, -1));
                        path = here;
                        property = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.Pop();
                        path = frames.Count == 0 ? "" : frames.Peek().Path;
                        property = null;
                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        var names = frames.Peek().Names!;
                        if (!names.Add(property))
                        {
                            var first = names.First(n => string.Equals(n, property, StringComparison.OrdinalIgnoreCase));
                            var at = Child(frames, path, first);
                            throw new JsonBodyException(StatusCodes.Status400BadRequest, "A property is given twice.", at,
                                first == property
                                    ? $"'{at}' is given twice in one object; give it once."
                                    : $"'{at}' is given twice in one object, as '{first}' and as '{property}' (names match whatever their case); give it once.");
                        }
                        break;
                    default:
                        if (frames.Count > 0 && frames.Peek().Names is null)
                        {
                            Child(frames, path, null); // a value in an array moves its index on
                        }
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body is not valid JSON.", "",
                $"The body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
    }

    /// <summary>The path of the next value: a property of the current object, or the next item of the current array.</summary>
    private static string Child(Stack<(HashSet<string>? Names, string Path, int Index)> frames, string path, string? property)
    {
        if (frames.Count == 0)
        {
            return "";
        }
        var top = frames.Peek();
        if (top.Names is not null)
        {
            return path.Length == 0 ? property! : $"{path}.{property}";
        }
        frames.Pop();
        frames.Push(top with { Index = top.Index + 1 });
        return $"{path}[{top.Index + 1}]";
    }

    /// <summary>The body's bytes, refusing more than <paramref name="maxBytes"/> (413) and an empty body (400).</summary>
    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            throw new JsonBodyException(StatusCodes.Status413PayloadTooLarge, "The body is too large.", "", $"At most {maxBytes} bytes are accepted.");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new JsonBodyException(StatusCodes.Status413PayloadTooLarge, "The body is too large.", "", $"At most {maxBytes} bytes are accepted.");
            }
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
        {
            throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body is empty.", "", "A JSON body is required.");
        }
        return buffer.ToArray();
    }
}

/// <summary>A body read, or the 4xx answer that refuses it.</summary>
public sealed record BodyRead<T>(T? Body, IResult? Refusal)
    where T : class
{
    [MemberNotNullWhen(true, nameof(Body))]
    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool Ok => Refusal is null;
}

public sealed class JsonBodyException(int status, string title, string field, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public string Field { get; } = field;

    public IResult ToResult() => Status == StatusCodes.Status400BadRequest
        ? Problems.Validation(Field, Message, Title)
        : Problems.Status(Status, Title, Message);
}
