using System.Security.Cryptography;
using System.Text;
using Finance.Functions.Outcomes;

namespace Finance.Functions.Http;

/// <summary>An Idempotency-Key, as its caller sent it, with the hash of the request it came with.</summary>
/// <param name="RequestHash">What makes two requests "the same" for a key: the function, the path and the exact body.</param>
public sealed record IdempotencyKey(string Key, string RequestHash);

/// <summary>
/// The Idempotency-Key every POST carries. A key is the caller's: the same key from two principals is two keys (the
/// ledger stores it with the principal).
/// </summary>
public static class IdempotencyKeys
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 255;

    /// <summary>The request's key, or why it has none that will do (400).</summary>
    public static (string? Key, Refusal? Refusal) Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = request.Headers[Header];
        if (values.Count == 0 || string.IsNullOrWhiteSpace(values[0]))
        {
            return (null, Refusal.Invalid(Header,
                "Every POST needs an Idempotency-Key header (a unique value such as a GUID), so that sending it again cannot post twice."));
        }
        if (values.Count > 1)
        {
            return (null, Refusal.Invalid(Header, "Send one Idempotency-Key."));
        }
        var key = values[0]!;
        if (key.Length > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            return (null, Refusal.Invalid(Header, $"An Idempotency-Key is 1 to {MaxKeyLength} printable ASCII characters without spaces."));
        }
        return (key, null);
    }

    /// <summary>The key with the hash of this request's method, path and body.</summary>
    public static IdempotencyKey For(string key, HttpRequest request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n"));
        hash.AppendData(body);
        return new IdempotencyKey(key, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
