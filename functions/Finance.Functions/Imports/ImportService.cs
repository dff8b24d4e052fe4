using System.Security.Cryptography;
using System.Text;
using Finance.Domain.Ledger;
using Finance.Functions.Access;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Storage;
using Finance.Storage.Imports;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Imports;

/// <summary>An import. <see cref="AppliedRows"/> and <see cref="UnappliedRows"/> are given for a failed import read on its
/// own (null in a listing, and while applying or applied): the file rows in the ledger and those not, from the chunk
/// boundaries. <see cref="Resumptions"/> counts the times it was resumed after failing.</summary>
public sealed record ImportResource(
    string ImportId, string PoolId, string Status, string FileName, long Bytes, string FileSha256, string UploadedBy, Instant UploadedAt,
    int RowsTotal, int RowsApplied, int ChunksTotal, int ChunksApplied, long NetPence, Instant? FinishedAt, string? Failure, int Resumptions,
    IReadOnlyList<RowRange>? AppliedRows, IReadOnlyList<RowRange>? UnappliedRows)
{
    /// <param name="plan">The import's chunks, for the row ranges of a failed import; none without it.</param>
    public static ImportResource From(ImportRecord r, ImportPlan? plan = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var (applied, unapplied) = r.Status == ImportStatus.Failed && plan is { Problem: null } ? RowRanges.Of(plan.Chunks, r.ChunksApplied) : (null, null);
        return new(r.ImportId, r.PoolId, SetupJson.Name(r.Status), r.FileName, r.Bytes, r.FileSha256, r.UploadedBy, r.UploadedAt, r.RowsTotal, r.RowsApplied,
            r.ChunksTotal, r.ChunksApplied, r.NetPence, r.FinishedAt, r.Failure, r.Resumptions, applied, unapplied);
    }
}

/// <summary>An import named in a refusal: what it is, how it stands, and where to read it.</summary>
public sealed record ImportReference(string ImportId, string Status, Instant UploadedAt, string Url)
{
    public static ImportReference Of(ImportRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.ImportId, SetupJson.Name(r.Status), r.UploadedAt, ImportService.UrlOf(r));
    }
}

public sealed record ImportList(IReadOnlyList<ImportResource> Imports);

public sealed record CsvProblemResource(int Row, string Column, string? Value, string Reason);

/// <summary>An accepted upload, and whether this was a repeat of its Idempotency-Key.</summary>
public sealed record ImportAnswer(ImportResource Import, bool Replayed);

/// <summary>An uploaded file as the function read it.</summary>
/// <param name="FileName">As the finance lead named it (the <c>fileName</c> query value), checked here.</param>
public sealed record UploadRequest(string? FileName, byte[] Bytes, IdempotencyKey Key);

/// <summary>
/// CSV upload of a month's actuals. The whole file is checked first; any problem refuses it with every problem listed
/// (row, column, value, reason) and nothing is stored or posted. A valid file is kept as uploaded in the imports
/// container and becomes an import resource that applies in the background, chunk by chunk, exactly once. A file is
/// imported into a pool once: the same bytes again under another key are refused naming the first import; what of a
/// failed import did not apply is posted by resuming it (<see cref="ResumeAsync"/>), never by uploading it again.
/// </summary>
public sealed class ImportService(
    PostingService postings, ImportRunner runner, ImportWorker worker, ImportStore imports, LedgerRepository ledger, IClock clock)
{
    /// <summary>The largest file accepted: 50,000 rows of a typical export are about 4 MB.</summary>
    public const int MaxFileBytes = (int)FinanceApp.MaxRequestBodyBytes;

    public const int MaxFileNameLength = 200;

    /// <summary>How often a resumption reads again after losing a race for the record (another resumption, a runner).</summary>
    private const int MaxResumeTries = 5;

    public async Task<Outcome<ImportAnswer>> UploadAsync(PoolInScope scope, Caller caller, UploadRequest upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(upload);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var fileName = upload.FileName ?? "";
        if (fileName.Length > MaxFileNameLength || fileName.Any(c => char.IsControl(c) || c is '/' or '\\'))
        {
            return Refusal.Invalid("fileName", $"fileName is at most {MaxFileNameLength} characters, without slashes or control characters.");
        }
        fileName = fileName.Length == 0 ? "upload.csv" : fileName;
        var bytes = upload.Bytes;
        var importId = ImportId(scope.PoolId, caller.Id, upload.Key.Key);
        if (await RepeatAsync(scope.PoolId, importId, upload.Key.RequestHash, cancellationToken) is { } repeat)
        {
            return repeat;
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (await imports.FindByFileAsync(scope.PoolId, sha, cancellationToken) is { } earlier)
        {
            return Duplicate(earlier);
        }
        if (await postings.SetupAsync(scope.Pool, cancellationToken) is not { } setup)
        {
            return LedgerRefusals.Busy;
        }
        var (stored, ledgerSetup) = setup;
        var context = new ActualsCsvContext(scope.PoolId, ledgerSetup.Pool.Year, stored.Lines.Select(l => l.LineId).ToHashSet(StringComparer.Ordinal),
            NotAfter: clock.GetCurrentInstant());
        ActualsCsvResult parsed;
        using (var stream = new MemoryStream(bytes, writable: false))
        {
            parsed = ActualsCsv.Parse(stream, context);
        }
        if (!parsed.IsValid)
        {
            return Refused(RefusalKind.Unprocessable, "The file was not accepted; nothing was posted.",
                $"{parsed.ProblemCount} problem(s) in {parsed.DataRows} data row(s). Correct them all and upload the file again.", parsed.Problems, parsed.ProblemCount);
        }
        if (Forbidden(caller, stored, parsed.Rows.Select(r => (r.Row, r.Line))) is { } forbidden)
        {
            return forbidden;
        }

        // A closed month refuses the whole file now, rather than part of it later.
        var head = await ledger.ReadHeadAsync(ledgerSetup.Partition, cancellationToken);
        if (parsed.Rows.Select(r => r.Month).Distinct().Where(head.IsClosed).Order().FirstOrDefault() is { } closed)
        {
            return LedgerRefusals.MonthClosed(closed,
                $"{closed} ({closed.Name}) is closed: the file has rows for it (the first is row {parsed.Rows.First(r => r.Month == closed).Row}). Post corrections in an open month.");
        }

        var blobName = $"{scope.PoolId}/{importId}.csv";
        try
        {
            await imports.WriteFileOnceAsync(blobName, bytes, new Dictionary<string, string> { ["sha256"] = sha, ["uploadedby"] = caller.Id, ["pool"] = scope.PoolId },
                cancellationToken);
        }
        catch (BlobConflictException)
        {
            // Written by an earlier try of this very request (the import id comes from the key) with other bytes.
            return LedgerRefusals.KeyReused;
        }

        var record = new ImportRecord(
            scope.PoolId, importId, ImportStatus.Applying, fileName, blobName, sha, bytes.LongLength, upload.Key.RequestHash, upload.Key.Key, caller.Id,
            Instant.FromUnixTimeTicks(clock.GetCurrentInstant().ToUnixTimeTicks()), parsed.Rows.Count, 0, 0, 0, 0, null, null, null, default);
        // The runner cuts the same entries into the same chunks (the split is deterministic), so the total is known now.
        record = record with
        {
            ChunksTotal = PostingSize.Split(ImportRunner.Entries(record, bytes, stored, ledgerSetup, out _)!, withIdempotency: true).Count,
        };
        if (!await imports.TryAddAsync(record, cancellationToken))
        {
            // A concurrent repeat of the same request, or an upload of the same bytes under another key, got in first.
            return await RepeatAsync(scope.PoolId, importId, upload.Key.RequestHash, cancellationToken)
                ?? (await imports.FindByFileAsync(scope.PoolId, sha, cancellationToken) is { } first ? Duplicate(first) : LedgerRefusals.Busy);
        }
        worker.Enqueue(scope.PoolId, importId);
        return Accepted(record, replayed: false);
    }

    /// <summary>An import's progress. One whose runner has gone quiet (a restart) is picked up here.</summary>
    public async Task<Outcome<ImportResource>> GetAsync(PoolInScope scope, string importId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null || await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
        {
            return NoImport(scope.PoolId, importId);
        }
        if (record.Status == ImportStatus.Failed)
        {
            return Outcome.Of(ImportResource.From(record, await runner.PlanAsync(record, cancellationToken)));
        }
        if (record.Status == ImportStatus.Applying && (record.LeaseUntil is null || record.LeaseUntil < clock.GetCurrentInstant()))
        {
            worker.Enqueue(scope.PoolId, importId);
        }
        return Outcome.Of(ImportResource.From(record));
    }

    public async Task<Outcome<ImportList>> ListAsync(PoolInScope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Pool is null
            ? Refusal.NoPool(scope.PoolId)
            : Outcome.Of(new ImportList((await imports.ListAsync(scope.PoolId, cancellationToken)).Select(r => ImportResource.From(r)).ToList()));
    }

    /// <summary>The file exactly as uploaded.</summary>
    public async Task<Outcome<byte[]>> FileAsync(PoolInScope scope, string importId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null || await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
        {
            return NoImport(scope.PoolId, importId);
        }
        return Outcome.Of(await imports.ReadFileAsync(record, cancellationToken));
    }

    /// <summary>
    /// "Resume the rest": sets a failed import applying again, as a new attempt of the same import, so the runner posts
    /// the chunks that did not apply, from the first one refused. Exactly once comes from the ledger as for any resumed
    /// import: each chunk keeps its idempotency key and its entries their ids, so a chunk in the ledger is never posted
    /// again. Under the caller's Idempotency-Key: its repeat answers the import as it now stands and resumes nothing.
    /// Refused (409, naming its status) unless the import failed; the caller must be allowed to post every row left.
    /// </summary>
    public async Task<Outcome<ImportAnswer>> ResumeAsync(PoolInScope scope, Caller caller, string importId, IdempotencyKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(key);
        if (scope.Pool is null)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        var keyId = ResumptionKeyId(scope.PoolId, caller.Id, key.Key);
        for (var attempt = 1; attempt <= MaxResumeTries; attempt++)
        {
            if (await imports.GetResumptionAsync(scope.PoolId, keyId, cancellationToken) is { } first)
            {
                return !string.Equals(first.RequestHash, key.RequestHash, StringComparison.Ordinal) ? LedgerRefusals.KeyReused
                    : await runner.GetAsync(scope.PoolId, first.ImportId, cancellationToken) is { } resumed ? Accepted(resumed, replayed: true)
                    : throw new StorageInvariantException($"Resumption '{keyId}' of pool '{scope.PoolId}' names import '{first.ImportId}', which does not exist.");
            }
            if (await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
            {
                return NoImport(scope.PoolId, importId);
            }
            if (record.Status != ImportStatus.Failed)
            {
                return NotFailed(record);
            }
            var plan = await runner.PlanAsync(record, cancellationToken);
            if (plan.Problem is { } problem)
            {
                return Refusal.Conflict("The import cannot be resumed.", $"{problem} Nothing was changed.",
                    new Dictionary<string, object?> { ["import"] = ImportReference.Of(record) });
            }
            var rest = plan.Chunks.Skip(record.ChunksApplied).SelectMany(c => c).Select(e => (Row: ImportRunner.RowOf(e), Line: e.Line!.Value));
            if (Forbidden(caller, plan.Stored!, rest) is { } forbidden)
            {
                return forbidden;
            }
            var again = record with { Status = ImportStatus.Applying, Failure = null, FinishedAt = null, LeaseUntil = null, Resumptions = record.Resumptions + 1 };
            var resumption = new ImportResumption(scope.PoolId, keyId, importId, caller.Id, key.Key, key.RequestHash, clock.GetCurrentInstant(), record.Failure!);
            if (await imports.TryResumeAsync(again, resumption, cancellationToken) is { } written)
            {
                worker.Enqueue(scope.PoolId, importId);
                return Accepted(written, replayed: false);
            }
            // Another resumption, or a repeat of this one, changed the record or used the key first: read again.
        }
        return LedgerRefusals.Busy;
    }

    /// <summary>Finishes the imports an instance left unfinished, within the invocation (so the host keeps this
    /// instance alive until they are done or the function times out). Returns how many there were.</summary>
    public async Task<int> ResumeUnfinishedAsync(CancellationToken cancellationToken)
    {
        var unfinished = await runner.UnfinishedAsync(cancellationToken);
        foreach (var (poolId, importId) in unfinished)
        {
            await runner.RunAsync(poolId, importId, cancellationToken);
        }
        return unfinished.Count;
    }

    /// <summary>An import's id: from the pool, the uploader and their Idempotency-Key, so a repeat finds the first.</summary>
    public static string ImportId(string poolId, string principal, string key) => KeyHash("imp-", poolId, principal, key);

    /// <summary>A resumption's row id: from the pool, the caller and their Idempotency-Key, so a repeat finds the first.</summary>
    private static string ResumptionKeyId(string poolId, string principal, string key) => KeyHash("res-", poolId, principal, key);

    private static string KeyHash(string prefix, string poolId, string principal, string key) =>
        prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{poolId}\n{principal}\n{key}")))[..24];

    private async Task<Outcome<ImportAnswer>?> RepeatAsync(string poolId, string importId, string hash, CancellationToken cancellationToken)
    {
        if (await runner.GetAsync(poolId, importId, cancellationToken) is not { } first)
        {
            return null;
        }
        return string.Equals(first.RequestHash, hash, StringComparison.Ordinal) ? Accepted(first, replayed: true) : LedgerRefusals.KeyReused;
    }

    /// <summary>Where an import is read.</summary>
    public static string UrlOf(ImportRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return $"/api/pools/{record.PoolId}/imports/{record.ImportId}";
    }

    private static Outcome<ImportAnswer> Accepted(ImportRecord record, bool replayed) =>
        Outcome.Of(new ImportAnswer(ImportResource.From(record), replayed), Done.Accepted) with { Location = UrlOf(record) };

    private static Refusal NoImport(string poolId, string importId) => Refusal.NotFound($"Pool '{poolId}' has no import '{importId}'.");

    /// <summary>409 for a file the pool has imported before, naming that import; never stored, never posted.</summary>
    private static Refusal Duplicate(ImportRecord earlier)
    {
        var next = earlier.Status == ImportStatus.Failed
            ? $"To post the rows of it that did not apply, resume it (a deliberate re-submission of the rows that did not apply): POST {UrlOf(earlier)}/resumption."
            : "A resumption (POST .../resumption, a deliberate re-submission of the rows that did not apply) is only for an import that failed.";
        return Refusal.Conflict("This file was imported before.",
            $"Import '{earlier.ImportId}' of this pool, uploaded at {earlier.UploadedAt}, has exactly these bytes (SHA-256 {earlier.FileSha256}) and is "
            + $"{SetupJson.Name(earlier.Status)}. Nothing was stored or posted. {next}",
            new Dictionary<string, object?> { ["earlierImport"] = ImportReference.Of(earlier), ["resumption"] = $"{UrlOf(earlier)}/resumption" });
    }

    /// <summary>409 for resuming an import that did not fail, naming how it stands.</summary>
    private static Refusal NotFailed(ImportRecord record) => Refusal.Conflict("Only a failed import can be resumed.",
        $"Import '{record.ImportId}' is {SetupJson.Name(record.Status)}: "
        + (record.Status == ImportStatus.Applied ? "every row of it is in the ledger." : "its rows are being posted.") + " Nothing was changed.",
        new Dictionary<string, object?> { ["import"] = ImportReference.Of(record) });

    /// <summary>403 listing the rows on lines the caller may not post actuals to, or null when they may post them all.</summary>
    private static Refusal? Forbidden(Caller caller, StoredSetup stored, IEnumerable<(int Row, string Line)> rows)
    {
        var forbidden = rows
            .Select(r => (r.Row, r.Line, Refusal: PoolAccess.MayPost(caller, stored.Pool.Parties, EntryKind.Actual, stored.Line(r.Line)?.Host)))
            .Where(x => x.Refusal is not null)
            .OrderBy(x => x.Row)
            .Select(x => new CsvProblem(x.Row, "line", x.Line, x.Refusal!))
            .ToList();
        return forbidden.Count == 0 ? null
            : Refused(RefusalKind.Forbidden, "Rows for lines you may not post to; nothing was posted.",
                $"{forbidden.Count} row(s) are for lines hosted by an organisation you are not a finance lead of.", forbidden.Take(ActualsCsv.MaxProblemsListed).ToList(),
                forbidden.Count);
    }

    private static Refusal Refused(RefusalKind kind, string title, string detail, IReadOnlyList<CsvProblem> problems, int count) =>
        new(kind, title, detail, Extensions: new Dictionary<string, object?>
        {
            ["problemCount"] = count,
            ["problems"] = problems.Select(p => new CsvProblemResource(p.Row, p.Column, p.Value, p.Reason)).ToList(),
        });
}
