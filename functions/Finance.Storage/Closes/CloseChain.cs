using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Finance.Domain.Calendar;

namespace Finance.Storage.Closes;

/// <summary>
/// The chain of closes of one pool and year: links in the statements container under <c>{pool}/{yyyy-yy}/</c>, named
/// <c>{seq:0000}-{kind}-m{MM}.json</c>, written once (If-None-Match: *); the chain's tip (sequence number and SHA-256 of
/// the last link) in the Pools table (<c>chain~{yyyy-yy}</c>), advanced with If-Match, so two appends cannot fork it.
/// </summary>
public sealed class CloseChain(LedgerStorage storage)
{
    /// <summary>Links one chain may hold: a year of closes and reopenings is a few dozen.</summary>
    public const int MaxLinks = 1000;

    /// <summary>The most bytes of links kept in <see cref="chains"/>; past it the cache starts again (a close's link is
    /// about 150 KB for a 200-line pool, so this holds a year of closes for a few dozen pools).</summary>
    private const long MaxCachedBytes = 32L * 1024 * 1024;

    private const string TipPrefix = "chain~";

    private const string TableName = StorageNames.PoolsTable;

    /// <summary>Chains already read, by pool and year, with the tip they were read at: good while the tip has not moved.</summary>
    private readonly ConcurrentDictionary<string, (int Seq, string? Sha, IReadOnlyList<StoredLink> Links)> chains = new(StringComparer.Ordinal);

    private long cachedBytes;

    private Azure.Storage.Blobs.BlobContainerClient Container => storage.Container(StorageNames.StatementsContainer);

    private TableClient Table => storage.Table(TableName);

    public static string YearKey(FinancialYear year)
    {
        ArgumentNullException.ThrowIfNull(year);
        return $"{year.StartYear}-{year.EndYear % 100:00}";
    }

    public static string Prefix(string poolId, FinancialYear year) => $"{poolId}/{YearKey(year)}/";

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Every link, in order, with its bytes.</summary>
    public Task<IReadOnlyList<StoredLink>> ReadAsync(string poolId, FinancialYear year, CancellationToken cancellationToken) =>
        ReadAsync(poolId, year, fresh: false, cancellationToken);

    /// <summary>Every link, in order, with its bytes; <paramref name="fresh"/> reads every one from storage (verification).
    /// A link that does not read back as one this code writes is a <see cref="StorageInvariantException"/> naming it.</summary>
    public async Task<IReadOnlyList<StoredLink>> ReadAsync(string poolId, FinancialYear year, bool fresh, CancellationToken cancellationToken) =>
        (await ReadWithTipAsync(poolId, year, fresh, cancellationToken).ConfigureAwait(false)).Links;

    /// <summary>The links and the tip they were read against: one point read of the tip, then the cached links or a listing.</summary>
    private async Task<(IReadOnlyList<StoredLink> Links, int TipSeq, string? TipSha)> ReadWithTipAsync(
        string poolId, FinancialYear year, bool fresh, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var key = Prefix(poolId, year);
        var (tipSeq, tipSha) = await TipAsync(poolId, year, cancellationToken).ConfigureAwait(false);
        if (!fresh && chains.TryGetValue(key, out var known) && known.Seq == tipSeq && known.Sha == tipSha)
        {
            return (known.Links, tipSeq, tipSha); // one point read instead of a listing and every link
        }
        var names = (await StoredBlobs.NamesAsync(Container, key, 2 * MaxLinks, cancellationToken).ConfigureAwait(false))
            .Where(n => n.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var links = new List<StoredLink>();
        foreach (var name in names)
        {
            var bytes = (await StoredBlobs.ReadAsync(Container, name, cancellationToken).ConfigureAwait(false)).Content;
            links.Add(new StoredLink(name, Parse(name, bytes), bytes, Hash(bytes)));
        }
        // Kept only when the links read are exactly the tip's (an append moves the tip before writing its link) and each
        // names the one before: a chain that fails its check is read again next time, so a restored link is seen at once.
        // Links are immutable, so what is kept is what was checked; a link altered in storage after this instance read it
        // is refused by every instance that reads it afterwards (verification always reads afresh).
        if (!fresh && links.Count == tipSeq && (links.Count == 0 ? tipSha is null : links[^1].Sha256 == tipSha)
            && links.Select((l, i) => i == 0 ? l.Link.PreviousSha256 is null : l.Link.PreviousSha256 == links[i - 1].Sha256).All(ok => ok))
        {
            // Bounded by size: the bytes stay with the links (verification reads afresh), so count them.
            var size = links.Sum(l => (long)l.Bytes.Length);
            if (Interlocked.Add(ref cachedBytes, size) > MaxCachedBytes)
            {
                chains.Clear();
                Interlocked.Exchange(ref cachedBytes, size);
            }
            chains[key] = (tipSeq, tipSha, links);
        }
        return (links, tipSeq, tipSha);
    }

    /// <summary>Reads of a chain caught between an append's two writes (the tip moved, its link not yet written) retried
    /// this many times, <see cref="PendingRetryDelay"/> apart, before the newest link counts as unconfirmed.</summary>
    private const int PendingRetries = 5;

    private static readonly TimeSpan PendingRetryDelay = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// Every link, in order, each with whether the chain vouches for its bytes (see <see cref="Unconfirmed"/>): what is
    /// served as the record is checked first. A read that lands between an append's tip and its link is read again.
    /// </summary>
    public async Task<IReadOnlyList<CheckedLink>> ReadCheckedAsync(string poolId, FinancialYear year, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (links, tipSeq, tipSha) = await ReadWithTipAsync(poolId, year, fresh: attempt > 0, cancellationToken).ConfigureAwait(false);
            var pending = tipSeq != links.Count;
            if (!pending || attempt == PendingRetries)
            {
                return links.Select((link, i) => new CheckedLink(link, Unconfirmed(links, i, tipSeq, tipSha))).ToList();
            }
            await Task.Delay(PendingRetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why the chain does not vouch for link <paramref name="index"/>, or null when it does: its sequence number must be
    /// its place, and its SHA-256 the one the next link names as its previous (the last link: the one the tip records,
    /// kept in the table, not in the container). Altering a link's bytes therefore shows at that link; altering its
    /// successor as well to hide it shows at the successor, and so on to the tip.
    /// </summary>
    public static string? Unconfirmed(IReadOnlyList<StoredLink> links, int index, int tipSeq, string? tipSha)
    {
        ArgumentNullException.ThrowIfNull(links);
        var link = links[index];
        if (link.Link.Seq != index + 1)
        {
            return $"{link.BlobName} carries sequence number {link.Link.Seq} in place {index + 1}.";
        }
        if (index + 1 < links.Count)
        {
            return links[index + 1].Link.PreviousSha256 == link.Sha256
                ? null
                : $"{link.BlobName} hashes to {link.Sha256}, but the link after it records {links[index + 1].Link.PreviousSha256 ?? "none"}.";
        }
        if (tipSeq != links.Count)
        {
            return $"{link.BlobName} is link {links.Count}, but the chain's tip records link {tipSeq}.";
        }
        return tipSha == link.Sha256 ? null : $"{link.BlobName} hashes to {link.Sha256}, but the chain's tip records {tipSha ?? "none"}.";
    }

    /// <summary>A frozen CSV, refused unless its bytes hash to what its close recorded.</summary>
    public async Task<byte[]> ReadCheckedCsvAsync(StoredLink close, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(close);
        var name = close.Link.CsvBlob ?? throw new InvalidOperationException($"{close.BlobName} has no CSV.");
        var bytes = await ReadBlobAsync(name, cancellationToken).ConfigureAwait(false);
        return Hash(bytes) == close.Link.CsvSha256
            ? bytes
            : throw new FrozenRecordIntegrityException(name, $"{name} hashes to {Hash(bytes)}, but its close recorded {close.Link.CsvSha256}.");
    }

    /// <summary>A blob of the chain (a frozen CSV), exactly as written.</summary>
    public async Task<byte[]> ReadBlobAsync(string name, CancellationToken cancellationToken) =>
        (await StoredBlobs.ReadAsync(Container, name, cancellationToken).ConfigureAwait(false)).Content;

    /// <summary>A blob of the chain, or null when it is missing (verification reports that).</summary>
    public async Task<byte[]?> ReadBlobIfExistsAsync(string name, CancellationToken cancellationToken) =>
        (await StoredBlobs.ReadIfExistsAsync(Container, name, cancellationToken).ConfigureAwait(false))?.Content;

    /// <summary>
    /// Appends a link (and, for a close, its CSV) after the current tip. <paramref name="link"/> builds it from its
    /// sequence number and the previous link's SHA-256. Throws <see cref="StaleRecordException"/> when another append got
    /// in first (the caller re-reads and decides again).
    /// </summary>
    public async Task<StoredLink> AppendAsync(
        string poolId, FinancialYear year, Func<int, string?, CloseLink> link, Func<CloseLink, byte[]>? csv, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var tipKey = TipPrefix + YearKey(year);
        var tip = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, tipKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var (tipSeq, previous) = tip.HasValue ? ReadTip(tip.Value!) : (0, null);
        if (tipSeq >= MaxLinks)
        {
            throw new InvalidOperationException($"The chain of closes of {poolId} for {year} holds {MaxLinks} links, the most it may.");
        }
        var seq = tipSeq + 1;
        var final = link(seq, previous);
        if (final.Seq != seq || final.PreviousSha256 != previous || final.PoolId != poolId || final.FinancialYear != year.ToString())
        {
            throw new ArgumentException("The link does not carry the sequence number, previous hash, pool and year it was given.", nameof(link));
        }
        var stem = $"{Prefix(poolId, year)}{seq:0000}-{final.Kind.ToString().ToLowerInvariant()}-m{final.Month:00}";
        byte[]? csvBytes = null;
        if (csv is not null)
        {
            csvBytes = csv(final);
            final = final with { CsvBlob = stem + ".csv", CsvSha256 = Hash(csvBytes) };
        }
        if (final.Problem() is { } problem)
        {
            throw new ArgumentException($"The link would not read back: {problem}", nameof(link));
        }
        var bytes = ArchiveJson.Write(final);
        var sha = Hash(bytes);
        // The tip moves first (If-Match / Add): whoever loses the race writes nothing. A crash between the tip and the
        // blobs leaves a tip pointing at a missing link, which verification reports.
        var entity = new TableEntity(poolId, tipKey) { ["Seq"] = seq, ["LastSha256"] = sha, ["LastBlob"] = stem + ".json" };
        try
        {
            if (tip.HasValue)
            {
                await Table.UpdateEntityAsync(entity, tip.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            throw new StaleRecordException($"Another close or reopening of {poolId} for {year} moved the chain first.", e);
        }
        if (csvBytes is not null)
        {
            await StoredBlobs.WriteOnceAsync(Container, stem + ".csv", csvBytes, "text/csv", null, cancellationToken).ConfigureAwait(false);
        }
        await StoredBlobs.WriteOnceAsync(Container, stem + ".json", bytes, "application/json", null, cancellationToken).ConfigureAwait(false);
        return new StoredLink(stem + ".json", final, bytes, sha);
    }

    /// <summary>The tip as the table records it (sequence number and SHA-256 of the last link), for verification.</summary>
    public async Task<(int Seq, string? Sha256)> TipAsync(string poolId, FinancialYear year, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var tip = await Table.GetEntityIfExistsAsync<TableEntity>(poolId, TipPrefix + YearKey(year), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return tip.HasValue ? ReadTip(tip.Value!) : (0, null);
    }

    private static (int Seq, string? Sha256) ReadTip(TableEntity tip)
    {
        var seq = tip.Int32(TableName, "Seq");
        var sha = tip.Text(TableName, "LastSha256");
        if (seq < 1 || sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            throw StoredEntity.Invalid(tip, TableName, $"the chain's tip (link {seq}, SHA-256 '{sha}') is not one a close writes.");
        }
        return (seq, sha);
    }

    /// <summary>A link as written, or a <see cref="FrozenRecordIntegrityException"/> (a storage invariant) naming it.</summary>
    private static CloseLink Parse(string name, byte[] bytes)
    {
        CloseLink link;
        try
        {
            link = ArchiveJson.Read<CloseLink>(bytes, $"{StorageNames.StatementsContainer} blob {name}");
        }
        catch (StorageInvariantException e)
        {
            // The reason stays in our words (the inner exception, for the log, has the serializer's).
            throw new FrozenRecordIntegrityException(name, "it does not read back as the close link that was written.", e);
        }
        return link.Problem() is { } problem ? throw new FrozenRecordIntegrityException(name, problem) : link;
    }
}
