using System.Text.Json;
using System.Xml;
using Azure;
using Azure.Core;

namespace Finance.Storage.Http;

/// <summary>
/// Reads the service's error code and message for <see cref="RequestFailedException"/>: the x-ms-error-code header
/// when present (HEAD responses have no body), else the body: Table JSON {"odata.error":{"code","message":{"value"}}}
/// or Blob XML &lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;&lt;/Error&gt;.
/// </summary>
internal sealed class StorageErrorParser : RequestFailedDetailsParser
{
    public static readonly StorageErrorParser Instance = new();

    // An error body larger than this is not an error document; do not parse it.
    private const int MaxErrorBodyBytes = 64 * 1024;

    public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
    {
        data = null;
        var headerCode = response.Headers.TryGetValue("x-ms-error-code", out var code) ? code : null;
        var (bodyCode, bodyMessage) = ParseBody(response);
        error = new ResponseError(headerCode ?? bodyCode, bodyMessage);
        return headerCode is not null || bodyCode is not null || bodyMessage is not null;
    }

    /// <summary>The code and message in an error body, or nulls when the body is absent or not an error document.</summary>
    public static (string? Code, string? Message) ParseBody(Response response)
    {
        // Response.Content throws unless the body was buffered; unbuffered bodies (downloads) are buffered by the
        // caller before an exception is built, so an unbuffered one here simply has nothing to say.
        if (response.ContentStream is not MemoryStream)
        {
            return (null, null);
        }
        var body = response.Content;
        if (body.IsEmpty || body.ToMemory().Length > MaxErrorBodyBytes)
        {
            return (null, null);
        }
        var first = FirstNonWhitespace(body.ToMemory().Span);
        try
        {
            return first switch
            {
                (byte)'{' => ParseJson(body),
                (byte)'<' => ParseXml(body),
                _ => (null, null),
            };
        }
        catch (JsonException)
        {
            return (null, null);
        }
        catch (XmlException)
        {
            return (null, null);
        }
    }

    private static byte FirstNonWhitespace(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (b is not ((byte)' ' or (byte)'\r' or (byte)'\n' or (byte)'\t' or 0xEF or 0xBB or 0xBF))
            {
                return b;
            }
        }
        return 0;
    }

    private static (string?, string?) ParseJson(BinaryData body)
    {
        using var document = JsonDocument.Parse(body.ToMemory());
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !(root.TryGetProperty("odata.error", out var error) || root.TryGetProperty("error", out error))
            || error.ValueKind != JsonValueKind.Object)
        {
            return (null, null);
        }
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        string? message = null;
        if (error.TryGetProperty("message", out var m))
        {
            message = m.ValueKind switch
            {
                JsonValueKind.String => m.GetString(),
                JsonValueKind.Object when m.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String => v.GetString(),
                _ => null,
            };
        }
        return (code, message);
    }

    private static (string?, string?) ParseXml(BinaryData body)
    {
        string? code = null;
        string? message = null;
        using var reader = XmlReader.Create(body.ToStream(), SafeXml.Settings);
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Depth != 1)
            {
                continue;
            }
            switch (reader.LocalName)
            {
                case "Code":
                    code = reader.ReadElementContentAsString();
                    break;
                case "Message":
                    message = reader.ReadElementContentAsString();
                    break;
            }
        }
        return (code, message);
    }
}

/// <summary>XML reader settings for service responses: no DTDs, no external resolution, bounded size.</summary>
internal static class SafeXml
{
    public static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = true,
        MaxCharactersInDocument = 64L * 1024 * 1024,
        Async = false,
    };
}
