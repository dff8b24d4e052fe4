using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace Finance.Storage.Http;

/// <summary>Pieces both Shared Key schemes share: the HMAC, the request date and the query parameters.</summary>
internal static class SharedKeySignature
{
    public static string Sign(byte[] accountKey, string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(accountKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Stamps x-ms-date (RFC 1123, the form the service expects) and returns it for the string-to-sign.
    /// Called on every attempt, so a retried request is never rejected as too old.</summary>
    public static string StampDate(Request request)
    {
        var date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        return date;
    }

    public static string Header(Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : string.Empty;

    /// <summary>The query's parameters, names lower-cased and values decoded, as the canonicalised resource wants them.</summary>
    public static SortedDictionary<string, List<string>> QueryParameters(Uri uri)
    {
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        var query = uri.Query;
        if (query.Length <= 1)
        {
            return parameters;
        }
        foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]).ToLowerInvariant();
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (!parameters.TryGetValue(name, out var values))
            {
                values = [];
                parameters.Add(name, values);
            }
            values.Add(value);
        }
        return parameters;
    }
}
