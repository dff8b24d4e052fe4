using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Finance.Storage.Http;

namespace Finance.Storage.Tables;

/// <summary>
/// The wire format of an entity group transaction: a multipart/mixed $batch holding one multipart/mixed changeset,
/// one application/http part per operation; and the reading of the matching multipart response. Sub-requests use
/// absolute URLs and one-line JSON bodies (Azurite finds each part's body with a single-line pattern).
/// </summary>
internal sealed class TableTransactionBody(Uri serviceUri, string tableName)
{
    private const string CrLf = "\r\n";

    private readonly string batchBoundary = "batch_" + Guid.NewGuid().ToString("D");
    private readonly string changesetBoundary = "changeset_" + Guid.NewGuid().ToString("D");

    public string ContentType => "multipart/mixed; boundary=" + batchBoundary;

    /// <summary>1-100 actions, one partition, each entity once: what the service demands, checked before sending.</summary>
    public static void Validate(IReadOnlyList<TableTransactionAction> actions, string parameterName)
    {
        if (actions.Count == 0)
        {
            throw new ArgumentException("A transaction needs at least one action.", parameterName);
        }
        if (actions.Count > TableClient.MaxTransactionActions)
        {
            throw new ArgumentException($"A transaction holds at most {TableClient.MaxTransactionActions} actions.", parameterName);
        }
        string? partitionKey = null;
        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            if (action is null)
            {
                throw new ArgumentException("A transaction action is null.", parameterName);
            }
            var pk = action.Entity.GetString(TableEntity.PartitionKeyName);
            var rk = action.Entity.GetString(TableEntity.RowKeyName);
            TableEntityJson.ValidateKey(pk, TableEntity.PartitionKeyName, parameterName);
            TableEntityJson.ValidateKey(rk, TableEntity.RowKeyName, parameterName);
            partitionKey ??= pk;
            if (!string.Equals(partitionKey, pk, StringComparison.Ordinal))
            {
                throw new ArgumentException("All actions in a transaction must have the same PartitionKey.", parameterName);
            }
            if (!rowKeys.Add(rk!))
            {
                throw new ArgumentException($"RowKey '{rk}' appears more than once; a transaction touches each entity once.", parameterName);
            }
        }
    }

    public BinaryData Write(IReadOnlyList<TableTransactionAction> actions, string parameterName)
    {
        using var body = new MemoryStream();
        void Text(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            body.Write(bytes, 0, bytes.Length);
        }

        Text($"--{batchBoundary}{CrLf}");
        Text($"Content-Type: multipart/mixed; boundary={changesetBoundary}{CrLf}{CrLf}");
        var tableUri = $"{serviceUri}/{tableName}";
        foreach (var action in actions)
        {
            var entity = action.Entity;
            var entityUri = $"{tableUri}(PartitionKey='{KeyLiteral(entity.PartitionKey)}',RowKey='{KeyLiteral(entity.RowKey)}')";
            var (method, uri, ifMatch, hasBody) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", tableUri, (string?)null, true),
                TableTransactionActionType.UpdateMerge => ("PATCH", entityUri, TableClient.IfMatch(action.ETag), true),
                TableTransactionActionType.UpdateReplace => ("PUT", entityUri, TableClient.IfMatch(action.ETag), true),
                TableTransactionActionType.Delete => ("DELETE", entityUri, TableClient.IfMatch(action.ETag), false),
                TableTransactionActionType.UpsertMerge => ("PATCH", entityUri, null, true),
                TableTransactionActionType.UpsertReplace => ("PUT", entityUri, null, true),
                _ => throw new ArgumentException($"Unknown action type {action.ActionType}.", parameterName),
            };

            Text($"--{changesetBoundary}{CrLf}");
            Text($"Content-Type: application/http{CrLf}");
            Text($"Content-Transfer-Encoding: binary{CrLf}{CrLf}");
            Text($"{method} {uri} HTTP/1.1{CrLf}");
            Text($"Accept: application/json;odata=minimalmetadata{CrLf}");
            Text($"DataServiceVersion: 3.0;{CrLf}");
            if (ifMatch is not null)
            {
                Text($"If-Match: {ifMatch}{CrLf}");
            }
            if (hasBody)
            {
                Text($"Content-Type: application/json{CrLf}");
                if (method == "POST")
                {
                    Text($"Prefer: return-no-content{CrLf}");
                }
                Text(CrLf);
                using (var writer = new Utf8JsonWriter(body))
                {
                    TableEntityJson.Write(writer, entity, parameterName);
                }
                Text(CrLf);
            }
            else
            {
                Text(CrLf);
            }
            if (body.Length > TableClient.MaxTransactionBytes)
            {
                throw new ArgumentException($"The transaction is larger than {TableClient.MaxTransactionBytes} bytes.", parameterName);
            }
        }
        Text($"--{changesetBoundary}--{CrLf}");
        Text($"--{batchBoundary}--{CrLf}");
        return new BinaryData(body.ToArray());
    }

    private static string KeyLiteral(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    /// <summary>The operation responses inside a $batch response, in order.</summary>
    public static List<Response> ReadResponses(Response response)
    {
        var text = response.Content.ToString();
        var boundary = BoundaryOf(response.Headers.ContentType) ?? FirstBoundary(text)
            ?? throw Malformed(response, "no multipart boundary");
        var results = new List<Response>();
        foreach (var part in Parts(text, boundary))
        {
            var (headers, body) = SplitHeaders(part);
            var contentType = Header(headers, "Content-Type") ?? string.Empty;
            if (contentType.StartsWith("multipart/mixed", StringComparison.OrdinalIgnoreCase))
            {
                var changeset = BoundaryOf(contentType) ?? throw Malformed(response, "no changeset boundary");
                foreach (var operation in Parts(body, changeset))
                {
                    results.Add(ReadHttpResponse(SplitHeaders(operation).Body, response));
                }
            }
            else
            {
                results.Add(ReadHttpResponse(body, response));
            }
        }
        return results;
    }

    /// <summary>The failing action's index: the service prefixes the error message with "index:".</summary>
    public static int? FailedIndex(Response failed, int actionCount)
    {
        var (_, message) = StorageErrorParser.ParseBody(failed);
        if (message is null)
        {
            return null;
        }
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0 && colon <= 3
            && int.TryParse(message.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < actionCount)
        {
            return index;
        }
        return null;
    }

    private static EmbeddedResponse ReadHttpResponse(string text, Response outer)
    {
        var (head, body) = SplitAtBlankLine(text);
        var lines = head.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        // Status line: HTTP/1.1 204 No Content
        var statusLine = lines.Count > 0 ? lines[0].Split(' ', 3) : [];
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/", StringComparison.Ordinal)
            || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw Malformed(outer, "an operation without an HTTP status line");
        }
        var headers = ParseHeaderLines(lines.Skip(1));
        return new EmbeddedResponse(status, statusLine.Length > 2 ? statusLine[2] : string.Empty, headers, Encoding.UTF8.GetBytes(body.TrimEnd('\r', '\n')));
    }

    private static List<HttpHeader> ParseHeaderLines(IEnumerable<string> lines)
    {
        var headers = new List<HttpHeader>();
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new HttpHeader(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }
        return headers;
    }

    private static string? Header(List<HttpHeader> headers, string name) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Headers (as parsed lines) and body of a MIME part; the blank line may be CRLF or LF.</summary>
    private static (List<HttpHeader> Headers, string Body) SplitHeaders(string part)
    {
        var (head, body) = SplitAtBlankLine(part);
        return (ParseHeaderLines(head.Split('\n').Select(l => l.TrimEnd('\r'))), body);
    }

    private static (string Head, string Body) SplitAtBlankLine(string text)
    {
        var trimmed = text.TrimStart('\r', '\n');
        var crlf = trimmed.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lf = trimmed.IndexOf("\n\n", StringComparison.Ordinal);
        if (crlf >= 0 && (lf < 0 || crlf <= lf))
        {
            return (trimmed[..crlf], trimmed[(crlf + 4)..]);
        }
        if (lf >= 0)
        {
            return (trimmed[..lf], trimmed[(lf + 2)..]);
        }
        return (trimmed, string.Empty);
    }

    /// <summary>The parts between "--boundary" delimiter lines, up to "--boundary--".</summary>
    private static List<string> Parts(string text, string boundary)
    {
        var delimiter = "--" + boundary;
        var parts = new List<string>();
        var index = text.IndexOf(delimiter, StringComparison.Ordinal);
        // A response holds at most one part per action plus the changeset wrapper; more means it is not ours.
        while (index >= 0 && parts.Count <= TableClient.MaxTransactionActions + 1)
        {
            var after = index + delimiter.Length;
            if (string.CompareOrdinal(text, after, "--", 0, 2) == 0)
            {
                break;
            }
            var next = text.IndexOf(delimiter, after, StringComparison.Ordinal);
            if (next < 0)
            {
                break;
            }
            parts.Add(text[after..next]);
            index = next;
        }
        return parts;
    }

    private static string? BoundaryOf(string? contentType)
    {
        if (contentType is null)
        {
            return null;
        }
        foreach (var parameter in contentType.Split(';', StringSplitOptions.TrimEntries))
        {
            if (parameter.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                return parameter["boundary=".Length..].Trim('"');
            }
        }
        return null;
    }

    private static string? FirstBoundary(string text)
    {
        var trimmed = text.TrimStart();
        if (!trimmed.StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }
        var end = trimmed.IndexOfAny(['\r', '\n']);
        return end < 0 ? null : trimmed[2..end];
    }

    private static RequestFailedException Malformed(Response response, string what) =>
        new(response.Status, $"The transaction's response could not be read: {what}.", "UnexpectedBatchResponse", innerException: null);
}
