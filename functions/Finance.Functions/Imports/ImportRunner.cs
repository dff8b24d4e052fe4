using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Functions.Configuration;
using Finance.Functions.Postings;
using Finance.Storage.Imports;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Imports;

/// <summary>
/// Applies an accepted CSV import to the ledger, chunk by chunk, and resumes one that stopped (a crash, a restart, a
/// lost instance) where it left off. Exactly-once comes from the ledger, not from the progress counter: each chunk is
/// one atomic posting under its own idempotency key (<c>import-{id}-{chunk}</c>) with entry ids derived from the file's
/// rows, so a chunk posted again after a crash is answered from its first posting and writes nothing. A failed import
/// that is resumed (<see cref="ImportService.ResumeAsync"/>) is carried on the same way, from the chunk refused.
/// </summary>
public sealed partial class ImportRunner(
    ImportStore imports, PoolSetupStore setups, PostingService postings, IClock clock, JsonSerializerOptions json,
    IConfiguration configuration, ILogger<ImportRunner> logger)
{
    /// <summary>How long one runner holds an import before another may take it over (<see cref="AppSettings.ImportLeaseSeconds"/>).</summary>
    private readonly Duration lease = Duration.FromSeconds(Math.Clamp(configuration.GetValue(AppSettings.ImportLeaseSeconds.Key, 120), 1, 3600));

    /// <summary>Progress is written at most this often (and after the last chunk): a resumed import replays at most
    /// this much, answered from the ledger's idempotency records.</summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    private const int MaxBusyRetries = 20;

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {ImportId} of pool {PoolId}: {Rows} rows applied in {Chunks} chunks")]
    private static partial void Applied(ILogger logger, string importId, string poolId, int rows, int chunks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import {ImportId} of pool {PoolId} failed: {Reason}")]
    private static partial void FailedImport(ILogger logger, string importId, string poolId, string reason);

    /// <summary>The ledger entry id of a file's row: the same row of the same import always gets the same id.</summary>
    public static EntryId EntryIdFor(string importId, int row) => new($"{importId}-{row}");

    public Task<ImportRecord?> GetAsync(string poolId, string importId, CancellationToken cancellationToken) =>
        imports.GetAsync(poolId, importId, cancellationToken);

    /// <summary>Imports still applying, in every pool (for the resume sweep).</summary>
    public Task<IReadOnlyList<(string PoolId, string ImportId)>> UnfinishedAsync(CancellationToken cancellationToken) =>
        imports.UnfinishedAsync(cancellationToken);

    /// <summary>
    /// Applies what is left of the import, unless it is finished or another runner holds its lease. Safe to call any
    /// number of times, concurrently, on any instance.
    /// </summary>
    public async Task RunAsync(string poolId, string importId, CancellationToken cancellationToken)
    {
        var record = await GetAsync(poolId, importId, cancellationToken);
        var now = clock.GetCurrentInstant();
        if (record is not { Status: ImportStatus.Applying } || record.LeaseUntil > now)
        {
            return;
        }
        record = await TryUpdateAsync(record with { LeaseUntil = now + lease }, cancellationToken);
        if (record is null)
        {
            return; // another runner took it in the meantime
        }

        var plan = await PlanAsync(record, cancellationToken);
        if (plan.Problem is { } problem)
        {
            await FinishAsync(record, ImportStatus.Failed, problem, cancellationToken);
            return;
        }
        var (chunks, ledgerSetup) = (plan.Chunks, plan.Ledger!);
        var lastWrite = DateTimeOffset.UtcNow;
        for (var i = record.ChunksApplied; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            if (await PostChunkAsync(record, i, chunk, ledgerSetup, cancellationToken) is { } failure)
            {
                await FinishAsync(record, ImportStatus.Failed, $"Chunk {i + 1} of {chunks.Count} (line {chunk[0].Line}, starting at file row {RowOf(chunk[0])}) was refused: {failure}", cancellationToken);
                return;
            }
            record = record with
            {
                RowsApplied = record.RowsApplied + chunk.Count,
                ChunksApplied = i + 1,
                NetPence = record.NetPence + chunk.Sum(e => e.Amount.Value),
                LeaseUntil = clock.GetCurrentInstant() + lease,
            };
            if (DateTimeOffset.UtcNow - lastWrite >= ProgressEvery && i + 1 < chunks.Count)
            {
                record = await TryUpdateAsync(record, cancellationToken);
                if (record is null)
                {
                    return; // lease lost: another runner carries on from the progress it reads
                }
                lastWrite = DateTimeOffset.UtcNow;
            }
        }
        await FinishAsync(record, ImportStatus.Applied, null, cancellationToken);
        Applied(logger, importId, poolId, record.RowsApplied, chunks.Count);
    }

    /// <summary>
    /// The import's chunks, cut from the stored file against the pool as it is now, exactly as <see cref="RunAsync"/>
    /// posts them (the split is deterministic); or why they cannot be (the pool is gone, the file changed or no longer
    /// fits the pool).
    /// </summary>
    public async Task<ImportPlan> PlanAsync(ImportRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (await setups.ReadWithLedgerAsync(record.PoolId, cancellationToken) is not { } setup)
        {
            return ImportPlan.Not("The pool no longer exists.");
        }
        var (stored, ledgerSetup) = setup;
        var bytes = await imports.ReadFileAsync(record, cancellationToken);
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), record.FileSha256, StringComparison.Ordinal))
        {
            return ImportPlan.Not("The stored file is not the one uploaded (its SHA-256 differs).");
        }
        return Entries(record, bytes, stored, ledgerSetup, out var problem) is { } entries
            ? new ImportPlan(PostingSize.Split(entries, withIdempotency: true), stored, ledgerSetup, null)
            : ImportPlan.Not(problem!);
    }

    /// <summary>The journal entries of the file's rows, grouped by line, checked against the pool as it is now; null with a reason when the
    /// file no longer fits the pool (a line was removed since the upload, say).</summary>
    public static List<JournalEntry>? Entries(ImportRecord record, byte[] bytes, StoredSetup stored, LedgerSetup ledgerSetup, out string? problem)
    {
        var context = new ActualsCsvContext(record.PoolId, ledgerSetup.Pool.Year, stored.Lines.Select(l => l.LineId).ToHashSet(StringComparer.Ordinal),
            NotAfter: record.UploadedAt);
        using var stream = new MemoryStream(bytes, writable: false);
        var parsed = ActualsCsv.Parse(stream, context);
        if (!parsed.IsValid)
        {
            var first = parsed.Problems[0];
            problem = $"The file no longer fits the pool: row {first.Row}, {first.Column}: {first.Reason}";
            return null;
        }
        var source = EntrySource.CsvImport(record.ImportId);
        var postedAt = Instant.FromUnixTimeTicks(record.UploadedAt.ToUnixTimeTicks());
        problem = null;
        // Grouped by line (file order within a line): a chunk then moves one or two balance rows, so it holds the most
        // entries a transaction can (48) and reads little. The order is fixed by the file, so a resumed import cuts the
        // very same chunks.
        return parsed.Rows.OrderBy(r => r.Line, StringComparer.Ordinal).ThenBy(r => r.Row).Select(r => new JournalEntry(
            EntryIdFor(record.ImportId, r.Row), ledgerSetup.Pool.Id, r.Month, r.Kind, r.Amount, record.UploadedBy, postedAt, source,
            new LineId(r.Line), reference: r.Reference, memo: r.Memo, effectiveAt: r.EffectiveAt)).ToList();
    }

    /// <summary>The file row an entry of an import was made from (its id ends in it).</summary>
    public static int RowOf(JournalEntry entry) => int.Parse(entry.Id.Value[(entry.Id.Value.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Posts one chunk; null when it is in the ledger (now or from an earlier try), else why the ledger refused it.</summary>
    private async Task<string?> PostChunkAsync(
        ImportRecord record, int index, IReadOnlyList<JournalEntry> chunk, LedgerSetup ledgerSetup, CancellationToken cancellationToken)
    {
        var key = $"import-{record.ImportId}-{index}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{record.FileSha256}:{index}")));
        var request = new IdempotencyRequest(key, record.UploadedBy, hash, receipt => new StoredResponse(
            StatusCodes.Status201Created,
            JsonSerializer.Serialize(new { importId = record.ImportId, chunk = index, receipt.Posting, receipt.FirstSeq, entryCount = chunk.Count, netPence = receipt.Net.Value }, json)));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Posted with the set-up's current version, which the ledger checks: an import is not refused because the
                // pool was renamed after the upload, only if the file no longer fits (checked before the first chunk).
                await postings.PostAsync(ledgerSetup, chunk, request, cancellationToken);
                return null;
            }
            catch (LedgerConflictException) when (attempt < MaxBusyRetries)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
            }
            catch (StaleSetupException) when (attempt < MaxBusyRetries)
            {
                if (await setups.ReadWithLedgerAsync(record.PoolId, cancellationToken) is not { } fresh)
                {
                    return "the pool no longer exists";
                }
                ledgerSetup = fresh.Ledger;
            }
            catch (LedgerException e) when (e is MonthClosedException or PostingRefusedException or DuplicateEntryException or IdempotencyConflictException)
            {
                return e.Message;
            }
        }
    }

    private async Task FinishAsync(ImportRecord record, ImportStatus status, string? failure, CancellationToken cancellationToken)
    {
        var finished = record with { Status = status, Failure = failure, LeaseUntil = null, FinishedAt = clock.GetCurrentInstant() };
        if (status == ImportStatus.Failed)
        {
            FailedImport(logger, record.ImportId, record.PoolId, failure ?? "");
        }
        await TryUpdateAsync(finished, cancellationToken);
    }

    /// <summary>Replaces the record if it is still at the version read; null when someone else changed it.</summary>
    private Task<ImportRecord?> TryUpdateAsync(ImportRecord record, CancellationToken cancellationToken) =>
        imports.TryUpdateAsync(record, cancellationToken);
}

/// <summary>An import's chunks as the runner posts them, with the pool's set-up they were cut against; or why not.</summary>
public sealed record ImportPlan(IReadOnlyList<IReadOnlyList<JournalEntry>> Chunks, StoredSetup? Stored, LedgerSetup? Ledger, string? Problem)
{
    public static ImportPlan Not(string problem) => new([], null, null, problem);
}
