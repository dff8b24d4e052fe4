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

public sealed record ImportResource(
    string ImportId, string PoolId, string Status, string FileName, long Bytes, string FileSha256, string UploadedBy, Instant UploadedAt,
    int RowsTotal, int RowsApplied, int ChunksTotal, int ChunksApplied, long NetPence, Instant? FinishedAt, string? Failure)
{
    public static ImportResource From(ImportRecord r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.ImportId, r.PoolId, SetupJson.Name(r.Status), r.FileName, r.Bytes, r.FileSha256, r.UploadedBy, r.UploadedAt, r.RowsTotal, r.RowsApplied,
            r.ChunksTotal, r.ChunksApplied, r.NetPence, r.FinishedAt, r.Failure);
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
/// container and becomes an import resource that applies in the background, chunk by chunk, exactly once.
/// </summary>
public sealed class ImportService(
    PostingService postings, ImportRunner runner, ImportWorker worker, ImportStore imports, LedgerRepository ledger, IClock clock)
{
    /// <summary>The largest file accepted: 50,000 rows of a typical export are about 4 MB.</summary>
    public const int MaxFileBytes = (int)FinanceApp.MaxRequestBodyBytes;

    public const int MaxFileNameLength = 200;

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
        if (await postings.SetupAsync(scope.Pool, cancellationToken) is not { } setup)
        {
            return LedgerRefusals.Busy;
        }
        var (stored, ledgerSetup) = setup;
        var context = new ActualsCsvContext(scope.PoolId, ledgerSetup.Pool.Year, stored.Lines.Select(l => l.LineId).ToHashSet(StringComparer.Ordinal));
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
        var forbidden = parsed.Rows
            .Select(r => (Row: r, Refusal: PoolAccess.MayPost(caller, stored.Pool.Parties, EntryKind.Actual, stored.Line(r.Line)?.Host)))
            .Where(x => x.Refusal is not null)
            .Select(x => new CsvProblem(x.Row.Row, "line", x.Row.Line, x.Refusal!))
            .ToList();
        if (forbidden.Count > 0)
        {
            return Refused(RefusalKind.Forbidden, "Rows for lines you may not post to; nothing was posted.",
                $"{forbidden.Count} row(s) are for lines hosted by an organisation you are not a finance lead of.", forbidden.Take(ActualsCsv.MaxProblemsListed).ToList(),
                forbidden.Count);
        }

        // A closed month refuses the whole file now, rather than part of it later.
        var head = await ledger.ReadHeadAsync(ledgerSetup.Partition, cancellationToken);
        if (parsed.Rows.Select(r => r.Month).Distinct().Where(head.IsClosed).Order().FirstOrDefault() is { } closed)
        {
            return LedgerRefusals.MonthClosed(closed,
                $"{closed} ({closed.Name}) is closed: the file has rows for it (the first is row {parsed.Rows.First(r => r.Month == closed).Row}). Post corrections in an open month.");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
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
            // A concurrent repeat of the same request got in first.
            return await RepeatAsync(scope.PoolId, importId, upload.Key.RequestHash, cancellationToken) ?? LedgerRefusals.Busy;
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
            return Refusal.NotFound($"Pool '{scope.PoolId}' has no import '{importId}'.");
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
            : Outcome.Of(new ImportList((await imports.ListAsync(scope.PoolId, cancellationToken)).Select(ImportResource.From).ToList()));
    }

    /// <summary>The file exactly as uploaded.</summary>
    public async Task<Outcome<byte[]>> FileAsync(PoolInScope scope, string importId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Pool is null || await runner.GetAsync(scope.PoolId, importId, cancellationToken) is not { } record)
        {
            return Refusal.NotFound($"Pool '{scope.PoolId}' has no import '{importId}'.");
        }
        return Outcome.Of(await imports.ReadFileAsync(record, cancellationToken));
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
    public static string ImportId(string poolId, string principal, string key) =>
        "imp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{poolId}\n{principal}\n{key}")))[..24];

    private async Task<Outcome<ImportAnswer>?> RepeatAsync(string poolId, string importId, string hash, CancellationToken cancellationToken)
    {
        if (await runner.GetAsync(poolId, importId, cancellationToken) is not { } first)
        {
            return null;
        }
        return string.Equals(first.RequestHash, hash, StringComparison.Ordinal) ? Accepted(first, replayed: true) : LedgerRefusals.KeyReused;
    }

    private static Outcome<ImportAnswer> Accepted(ImportRecord record, bool replayed) =>
        Outcome.Of(new ImportAnswer(ImportResource.From(record), replayed), Done.Accepted) with
        {
            Location = $"/api/pools/{record.PoolId}/imports/{record.ImportId}",
        };

    private static Refusal Refused(RefusalKind kind, string title, string detail, IReadOnlyList<CsvProblem> problems, int count) =>
        new(kind, title, detail, Extensions: new Dictionary<string, object?>
        {
            ["problemCount"] = count,
            ["problems"] = problems.Select(p => new CsvProblemResource(p.Row, p.Column, p.Value, p.Reason)).ToList(),
        });
}
