using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using Finance.Domain.Calendar;
using Finance.Functions.Configuration;
using Finance.Functions.Statements;
using Finance.Storage.Blobs;
using Finance.Storage.Tables;
using NodaTime;

namespace Finance.Functions.Closes;

public enum CloseEventKind
{
    Close,
    Reopen,
}

/// <summary>A finding as recorded with a close or a reconciliation run.</summary>
public sealed record FindingRecord(string Code, string Severity, string Message, string? Line, string? Stream, string? Partner, string? Month, string? Entry);

/// <summary>
/// One link of a pool-year's chain of closes: a close (with the frozen statement) or a reopening (with its reason).
/// Written once as JSON in the statements container; <see cref="PreviousSha256"/> is the SHA-256 of the previous link's
/// bytes, so altering or removing any link breaks every later one.
/// </summary>
/// <param name="LedgerSeq">The ledger's last entry when the month was locked: the frozen statement is of entries 1 to it.</param>
/// <param name="Statement">For a close: the statement to the month as at <see cref="At"/>, amounts in pence and pounds.</param>
/// <param name="CsvBlob">For a close: the frozen CSV beside it; <see cref="CsvSha256"/> its hash.</param>
/// <param name="AccrualsReversedPence">Accruals outstanding at the month's end, which reverse into the next month.</param>
public sealed record CloseLink(
    int Seq,
    string Kind,
    string PoolId,
    string FinancialYear,
    int Month,
    Instant At,
    string By,
    string? Reason,
    string? OverrideReason,
    long LedgerSeq,
    long SetupVersion,
    string? PreviousSha256,
    StatementResource? Statement,
    string? CsvBlob,
    string? CsvSha256,
    long AccrualsReversedPence,
    IReadOnlyList<FindingRecord> Findings,
    YearEndRecord? YearEnd = null);

/// <summary>One partner's year-end settlement: positive net means the partner pays the pool.</summary>
public sealed record SettlementRecord(string Partner, string Name, long OverspendPayablePence, long UnderspendReturnedPence, long NetPence);

/// <summary>The year-end close recorded with month 12's close: outturn, settlement and what was carried into next year.</summary>
/// <param name="UnaccountedPence">Budget − outturn − (carried forward + returned − paid by partners): always zero.</param>
public sealed record YearEndRecord(
    long TotalBudgetPence, long TotalOutturnPence, long CarriedForwardPence, long ReturnedToPartnersPence, long PaidByPartnersPence, long UnaccountedPence,
    IReadOnlyList<SettlementRecord> Settlement, IReadOnlyList<string> CarryForwardEntryIds, string NextYearPartition);

/// <summary>A link as stored: its blob name, bytes and their SHA-256.</summary>
public sealed record StoredLink(string BlobName, CloseLink Link, byte[] Bytes, string Sha256);

/// <summary>
/// The chain of closes of one pool and year: links in the statements container under <c>{pool}/{yyyy-yy}/</c>, named
/// <c>{seq:0000}-{kind}-m{MM}.json</c>, written with If-None-Match: *; the chain's tip (sequence number and SHA-256 of
/// the last link) in the Pools table (<c>chain~{yyyy-yy}</c>), advanced with If-Match, so two appends cannot fork it.
/// </summary>
public sealed class CloseChain(LedgerStorage storage, JsonSerializerOptions json)
{
    /// <summary>The most bytes of links kept in <see cref="chains"/>; past it the cache starts again (a close's link is
    /// about 150 KB for a 200-line pool, so this holds a year of closes for a few dozen pools).</summary>
    private const long MaxCachedBytes = 32L * 1024 * 1024;

    /// <summary>Chains already read, by pool and year, with the tip they were read at: good while the tip has not moved.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int Seq, string? Sha, IReadOnlyList<StoredLink> Links)> chains = new(StringComparer.Ordinal);

    private long cachedBytes;

    private const string TipPrefix = "chain~";

    private BlobContainerClient Container => storage.Container(StorageNames.StatementsContainer);

    public static string YearKey(FinancialYear year) => $"{year.StartYear}-{year.EndYear % 100:00}";

    public static string Prefix(string poolId, FinancialYear year) => $"{poolId}/{YearKey(year)}/";

    /// <summary>Every link, in order, with its bytes.</summary>
    public Task<IReadOnlyList<StoredLink>> ReadAsync(string poolId, FinancialYear year, CancellationToken cancellationToken) =>
        ReadAsync(poolId, year, fresh: false, cancellationToken);

    /// <summary>Every link, in order, with its bytes; <paramref name="fresh"/> reads every one from storage (verification).</summary>
    public async Task<IReadOnlyList<StoredLink>> ReadAsync(string poolId, FinancialYear year, bool fresh, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var key = Prefix(poolId, year);
        var (tipSeq, tipSha) = await TipAsync(poolId, year, cancellationToken);
        if (!fresh && chains.TryGetValue(key, out var known) && known.Seq == tipSeq && known.Sha == tipSha)
        {
            return known.Links; // one point read instead of a listing and every link
        }
        var names = new List<string>();
        await foreach (var blob in Container.GetBlobsAsync(Prefix(poolId, year), cancellationToken: cancellationToken))
        {
            if (blob.Name.EndsWith(".json", StringComparison.Ordinal))
            {
                names.Add(blob.Name);
            }
        }
        var links = new List<StoredLink>();
        foreach (var name in names.Order(StringComparer.Ordinal))
        {
            var bytes = (await Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
            links.Add(new StoredLink(name, JsonSerializer.Deserialize<CloseLink>(bytes, json)!, bytes, Hash(bytes)));
        }
        // Kept only when the links read are exactly the tip's (an append moves the tip before writing its link).
        if (!fresh && links.Count == tipSeq && (links.Count == 0 ? tipSha is null : links[^1].Sha256 == tipSha))
        {
            // Bounded by size: the bytes stay with the links (verification reads afresh), so count them.
            if (Interlocked.Add(ref cachedBytes, links.Sum(l => (long)l.Bytes.Length)) > MaxCachedBytes)
            {
                chains.Clear();
                Interlocked.Exchange(ref cachedBytes, links.Sum(l => (long)l.Bytes.Length));
            }
            chains[key] = (tipSeq, tipSha, links);
        }
        return links;
    }

    public async Task<byte[]> ReadBlobAsync(string name, CancellationToken cancellationToken) =>
        (await Container.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();

    /// <summary>
    /// Appends a link (and, for a close, its CSV) after the current tip. Throws <see cref="RequestFailedException"/> 412
    /// when another append got in first (the caller re-reads and decides again).
    /// </summary>
    public async Task<StoredLink> AppendAsync(Func<int, string?, CloseLink> link, Func<CloseLink, byte[]>? csv, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var draft = link(0, null);
        var year = Finance.Domain.Calendar.FinancialYear.Parse(draft.FinancialYear);
        var table = storage.Table(StorageNames.PoolsTable);
        var tipKey = TipPrefix + YearKey(year);
        var tip = await table.GetEntityIfExistsAsync(draft.PoolId, tipKey, cancellationToken: cancellationToken);
        var seq = tip.HasValue ? (tip.Value!.GetInt32("Seq") ?? 0) + 1 : 1;
        var previous = tip.HasValue ? tip.Value!.GetString("LastSha256") : null;
        var kind = SetupName(draft.Kind);
        var stem = $"{Prefix(draft.PoolId, year)}{seq:0000}-{kind}-m{draft.Month:00}";
        var final = link(seq, previous);
        byte[]? csvBytes = null;
        if (csv is not null)
        {
            csvBytes = csv(final);
            final = final with { CsvBlob = stem + ".csv", CsvSha256 = Hash(csvBytes) };
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(final, json);
        var sha = Hash(bytes);
        // The tip moves first (If-Match / Add): whoever loses the race writes nothing. A crash between the tip and the
        // blobs leaves a tip pointing at a missing link, which verification reports.
        var entity = new TableEntity(draft.PoolId, tipKey) { ["Seq"] = seq, ["LastSha256"] = sha, ["LastBlob"] = stem + ".json" };
        if (tip.HasValue)
        {
            await table.UpdateEntityAsync(entity, tip.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        else
        {
            try
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                throw new RequestFailedException(StatusCodes.Status412PreconditionFailed, "Another close started this chain first.", e);
            }
        }
        if (csvBytes is not null)
        {
            await WriteOnceAsync(stem + ".csv", csvBytes, "text/csv", cancellationToken);
        }
        await WriteOnceAsync(stem + ".json", bytes, "application/json", cancellationToken);
        return new StoredLink(stem + ".json", final, bytes, sha);
    }

    /// <summary>The tip as the table records it (sequence number and SHA-256 of the last link), for verification.</summary>
    public async Task<(int Seq, string? Sha256)> TipAsync(string poolId, FinancialYear year, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var tip = await storage.Table(StorageNames.PoolsTable).GetEntityIfExistsAsync(poolId, TipPrefix + YearKey(year), cancellationToken: cancellationToken);
        return tip.HasValue ? (tip.Value!.GetInt32("Seq") ?? 0, tip.Value!.GetString("LastSha256")) : (0, null);
    }

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string SetupName(string kind) => kind.ToLowerInvariant();

    private async Task WriteOnceAsync(string name, byte[] bytes, string contentType, CancellationToken cancellationToken)
    {
        try
        {
            await Container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions
            {
                ContentType = contentType,
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Written already by an earlier try of this very append (same sequence number): the same bytes, or a fork.
            var existing = await ReadBlobAsync(name, cancellationToken);
            if (!existing.AsSpan().SequenceEqual(bytes))
            {
                throw new InvalidOperationException($"Frozen record {name} already exists with other content; it is never overwritten.", e);
            }
        }
    }
}
