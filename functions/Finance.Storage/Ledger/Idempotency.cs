using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>An HTTP response as first sent, kept so that a repeat of the request gets the very same answer.</summary>
public sealed record StoredResponse
{
    public StoredResponse(int status, string body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        ArgumentNullException.ThrowIfNull(body);
        Status = status;
        Body = body;
    }

    public int Status { get; }

    public string Body { get; }
}

/// <summary>
/// The Idempotency-Key of a posting request, who sent it, and a hash of its body. The ledger writes the key's record in
/// the posting's own transaction, so the record exists exactly when the entries do. <see cref="Respond"/> builds
/// the response to store from the receipt (sequence numbers are only known once the posting lands).
/// </summary>
public sealed class IdempotencyRequest
{
    public IdempotencyRequest(string key, string principal, string requestHash, Func<PostingReceipt, StoredResponse> respond)
    {
        Key = Checked(key, nameof(key), LedgerLimits.MaxIdempotencyKeyLength);
        Principal = Checked(principal, nameof(principal), LedgerLimits.MaxPrincipalLength);
        RequestHash = Checked(requestHash, nameof(requestHash), LedgerLimits.MaxRequestHashLength);
        Respond = respond ?? throw new ArgumentNullException(nameof(respond));
    }

    public string Key { get; }

    /// <summary>The caller's identity (for example the token's object id): keys are scoped to who sent them.</summary>
    public string Principal { get; }

    public string RequestHash { get; }

    public Func<PostingReceipt, StoredResponse> Respond { get; }

    /// <summary>A request hash: SHA-256 of the body as received, in lower-case hex.</summary>
    public static string HashBody(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    private static string Checked(string value, string name, int maxLength)
    {
        if (string.IsNullOrEmpty(value) || value.Length > maxLength || value.Any(char.IsControl))
        {
            throw new ArgumentException($"The {name} is 1 to {maxLength} characters without control characters.", name);
        }
        return value;
    }
}

/// <summary>What an Idempotency-Key was first used for: the request's hash, the response sent, and the posting it made.</summary>
public sealed record IdempotencyRecord(string Key, string Principal, string RequestHash, StoredResponse Response, PostingReceipt Receipt, Instant RecordedAt)
{
    /// <summary>Whether a repeat carries the same body (answer with <see cref="Response"/>) or another one (answer 409).</summary>
    public bool IsSameRequest(string requestHash) => string.Equals(RequestHash, requestHash, StringComparison.Ordinal);
}

/// <summary>Idempotency rows (idem~…) to and from table entities.</summary>
internal static class IdempotencyRows
{
    /// <summary>"idem~" and the SHA-256 of the key and principal: fixed length whatever the key holds, and safe as a row key.</summary>
    public static string RowKey(string key, string principal) =>
        LedgerRows.IdempotencyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{key.Length}:{key}{principal}"))));

    public static TableEntity ToEntity(LedgerPartition partition, IdempotencyRequest request, StoredResponse response, PostingReceipt receipt, Instant recordedAt)
    {
        var entity = new TableEntity(partition.PartitionKey, RowKey(request.Key, request.Principal))
        {
            ["IdempotencyKey"] = request.Key,
            ["Principal"] = request.Principal,
            ["RequestHash"] = request.RequestHash,
            ["ResponseStatus"] = response.Status,
            ["Posting"] = receipt.Posting,
            ["FirstSeq"] = receipt.FirstSeq,
            ["EntryCount"] = receipt.EntryIds.Count,
            ["NetPence"] = receipt.Net.Value,
            // Ids hold no commas, so the joined list reads back exactly; 48 ids of 63 characters fit in a property.
            ["EntryIds"] = string.Join(",", receipt.EntryIds.Select(i => i.Value)),
            ["RecordedAt"] = recordedAt.ToDateTimeOffset(),
        };
        var bytes = Encoding.UTF8.GetBytes(response.Body);
        if (bytes.Length > LedgerLimits.MaxResponseBodyBytes)
        {
            throw new ArgumentException($"A stored response is at most {LedgerLimits.MaxResponseBodyBytes} bytes; this one is {bytes.Length}.", nameof(response));
        }
        if (bytes.Length <= LedgerLimits.CompressResponseBodyAboveBytes)
        {
            entity["ResponseBody"] = response.Body;
            return entity;
        }
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(bytes);
        }
        if (compressed.Length > LedgerLimits.MaxStoredResponseBodyBytes)
        {
            throw new ArgumentException(
                $"A stored response is at most {LedgerLimits.MaxStoredResponseBodyBytes} bytes compressed; this one is {compressed.Length}.", nameof(response));
        }
        entity["ResponseBodyGzip"] = compressed.ToArray();
        return entity;
    }

    public static IdempotencyRecord FromEntity(LedgerPartition partition, TableEntity entity)
    {
        try
        {
            string body;
            if (entity.GetBinary("ResponseBodyGzip") is { } gz)
            {
                using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
                using var output = new MemoryStream();
                input.CopyTo(output);
                body = Encoding.UTF8.GetString(output.ToArray());
            }
            else
            {
                body = entity.GetString("ResponseBody") ?? "";
            }
            var ids = (entity.GetString("EntryIds") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(i => new EntryId(i)).ToArray();
            var receipt = new PostingReceipt(partition, entity.GetInt64("Posting") ?? 0, entity.GetInt64("FirstSeq") ?? 0, ids,
                new Pence(entity.GetInt64("NetPence") ?? 0));
            if (entity.GetInt32("EntryCount") != ids.Length)
            {
                throw new LedgerInvariantException($"Idempotency row '{entity.RowKey}' lists {ids.Length} entries but counts {entity.GetInt32("EntryCount")}.");
            }
            return new IdempotencyRecord(
                entity.GetString("IdempotencyKey") ?? "",
                entity.GetString("Principal") ?? "",
                entity.GetString("RequestHash") ?? "",
                new StoredResponse(entity.GetInt32("ResponseStatus") ?? 0, body),
                receipt,
                Instant.FromDateTimeOffset(entity.GetDateTimeOffset("RecordedAt") ?? DateTimeOffset.UnixEpoch));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException)
        {
            throw new LedgerInvariantException($"Idempotency row '{entity.RowKey}' of {partition} cannot be read: {e.Message}", e);
        }
    }
}
