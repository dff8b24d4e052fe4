using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Finance.Functions.Http;

/// <summary>Reads request bodies with a size limit and turns every way JSON can be wrong into a problem naming the field.</summary>
public static class JsonBody
{
    /// <summary>Default limit for JSON bodies of set-up and posting requests.</summary>
    public const int DefaultMaxBytes = 1024 * 1024;

    public static async Task<JsonNode?> ReadNodeAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(request, maxBytes, cancellationToken);
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body is not valid JSON.", e.Path ?? "", e.Message);
        }
    }

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
        var bytes = await ReadBytesAsync(request, maxBytes, cancellationToken);
        return Deserialize<T>(bytes, options);
    }

    /// <summary>Deserialises bytes already read (say, to hash them for an Idempotency-Key).</summary>
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
            var field = (e.Path ?? "").TrimStart('$', '.');
            throw new JsonBodyException(StatusCodes.Status400BadRequest, "The body does not match the expected shape.", field, Describe(e));
        }
    }

    private static string Describe(JsonException e) =>
        // System.Text.Json's messages name .NET types; the first sentence is what a caller can act on.
        e.Message.Split(" Path:", 2)[0];

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

    /// <summary>The same refusal, HTTP-free, for an <see cref="Outcomes.Outcome{T}"/>.</summary>
    public Outcomes.Refusal ToRefusal() => Status == StatusCodes.Status400BadRequest
        ? Outcomes.Refusal.Invalid(Field, Message, Title)
        : new Outcomes.Refusal(Outcomes.RefusalKind.TooLarge, Title, Message);
}
