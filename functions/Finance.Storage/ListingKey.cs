using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;

namespace Finance.Storage;

/// <summary>
/// The app's key for signing the continuation tokens it gives (HMAC-SHA256): 32 random bytes, made once by the first
/// instance that needs it and kept in the Pools table (<c>~app/listing-key</c>; '~' is in no pool id), so a token given
/// by one instance is good on every other and after a restart. Clients never see it; whoever can read the storage
/// account can read the ledger itself, so the key protects nothing more than the listing's integrity.
/// </summary>
public sealed class ListingKey(LedgerStorage storage)
{
    private const string Partition = "~app";
    private const string Row = "listing-key";
    private const string Table = StorageNames.PoolsTable;

    private byte[]? key;

    public async Task<byte[]> GetAsync(CancellationToken cancellationToken)
    {
        if (key is { } known)
        {
            return known;
        }
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var table = storage.Table(Table);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!row.HasValue)
        {
            try
            {
                await table.AddEntityAsync(new TableEntity(Partition, Row) { ["Key"] = RandomNumberGenerator.GetBytes(32) }, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Another instance made it first: theirs is the key.
            }
            row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        var bytes = row.HasValue ? row.Value!.OptionalBinary(Table, "Key") : null;
        if (bytes is not { Length: 32 })
        {
            throw new StorageInvariantException($"{Table} {Partition}/{Row}", "the listing key is not 32 bytes.");
        }
        key = bytes;
        return bytes;
    }
}
