using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Finance.Storage;
using Finance.Storage.Ledger;

namespace Finance.Functions.Postings;

/// <summary>
/// The journal listing's continuation tokens: "{seq}.{mac}", where seq is the ledger position the next page starts
/// before and mac the first 16 bytes (base64url) of HMAC-SHA256 over the partition, the filters and seq under the
/// app's <see cref="ListingKey"/>. A token is good only for the listing that gave it (the same pool, year and filters;
/// the page size may change), so one forged, altered or taken from another listing is refused before storage sees it.
/// Hand-written: the storage service's own continuation is not ours to vouch for, and a signed position is a few lines.
/// </summary>
public sealed class ListingTokens(ListingKey key)
{
    private const int MacBytes = 16;

    public async Task<string> IssueAsync(LedgerPartition partition, string filters, long beforeSeq, CancellationToken cancellationToken)
    {
        var seq = beforeSeq.ToString(CultureInfo.InvariantCulture);
        return $"{seq}.{Base64Url(await MacAsync(partition, filters, seq, cancellationToken))}";
    }

    /// <summary>The position a token names, or null when it is not one this listing gave.</summary>
    public async Task<long?> ReadAsync(LedgerPartition partition, string filters, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var parts = token.Split('.');
        if (parts.Length != 2 || parts[0].Length is 0 or > 13 || !parts[0].All(char.IsAsciiDigit) || parts[0][0] == '0'
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq < 2)
        {
            return null;
        }
        var expected = Base64Url(await MacAsync(partition, filters, parts[0], cancellationToken));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts[1])) ? seq : null;
    }

    private async Task<byte[]> MacAsync(LedgerPartition partition, string filters, string seq, CancellationToken cancellationToken)
    {
        var message = Encoding.UTF8.GetBytes($"finance.journal-listing/1\n{partition.PartitionKey}\n{filters}\n{seq}");
        return HMACSHA256.HashData(await key.GetAsync(cancellationToken), message)[..MacBytes];
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
