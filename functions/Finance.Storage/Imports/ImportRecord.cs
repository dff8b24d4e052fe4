using System.Diagnostics.CodeAnalysis;
using Azure;
using Azure.Data.Tables;
using NodaTime;

// The folder is named for the domain (finance leads' imports); no Visual Basic code will consume this assembly.
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace",
    Target = "~N:Finance.Storage.Imports", Justification = "Named for the domain; the assembly has no VB consumers.")]

namespace Finance.Storage.Imports;

public enum ImportStatus
{
    /// <summary>Accepted; its rows are being posted chunk by chunk.</summary>
    Applying,

    /// <summary>Every row is in the ledger.</summary>
    Applied,

    /// <summary>The ledger refused a chunk (say, the month was closed meanwhile); the chunks before it stand, each atomic.
    /// Resuming it sets it applying again, from the chunk refused.</summary>
    Failed,
}

/// <summary>
/// A CSV import: one row <c>import~{id}</c> in the pool's partition of the Pools table. The raw file is the blob
/// <see cref="BlobName"/> in the imports container, written once. Progress is counted in chunks (atomic postings);
/// the ledger's idempotency records, one per chunk, are what make a resumed import exactly-once. Beside it, in the same
/// partition: the claim on its file's SHA-256 (<see cref="ImportFileClaim"/>, written in the same transaction), and one
/// row per resumption (<see cref="ImportResumption"/>). <see cref="Resumptions"/> counts how often a failed import was
/// set applying again (absent on records written before resumptions existed, which had none).
/// </summary>
public sealed record ImportRecord(
    string PoolId,
    string ImportId,
    ImportStatus Status,
    string FileName,
    string BlobName,
    string FileSha256,
    long Bytes,
    string RequestHash,
    string IdempotencyKey,
    string UploadedBy,
    Instant UploadedAt,
    int RowsTotal,
    int RowsApplied,
    int ChunksTotal,
    int ChunksApplied,
    long NetPence,
    Instant? LeaseUntil,
    Instant? FinishedAt,
    string? Failure,
    ETag ETag,
    int Resumptions = 0)
{
    public const string RowPrefix = "import~";

    private const string Table = StorageNames.PoolsTable;

    internal TableEntity ToEntity()
    {
        var entity = new TableEntity(PoolId, RowPrefix + ImportId)
        {
            ["Status"] = Status.ToString(),
            ["FileName"] = FileName,
            ["BlobName"] = BlobName,
            ["FileSha256"] = FileSha256,
            ["Bytes"] = Bytes,
            ["RequestHash"] = RequestHash,
            ["IdempotencyKey"] = IdempotencyKey,
            ["UploadedBy"] = UploadedBy,
            ["UploadedAt"] = UploadedAt.ToDateTimeOffset(),
            ["RowsTotal"] = RowsTotal,
            ["RowsApplied"] = RowsApplied,
            ["ChunksTotal"] = ChunksTotal,
            ["ChunksApplied"] = ChunksApplied,
            ["NetPence"] = NetPence,
            ["Resumptions"] = Resumptions,
        };
        if (LeaseUntil is { } lease)
        {
            entity["LeaseUntil"] = lease.ToDateTimeOffset();
        }
        if (FinishedAt is { } finished)
        {
            entity["FinishedAt"] = finished.ToDateTimeOffset();
        }
        if (Failure is not null)
        {
            entity["Failure"] = Failure;
        }
        return entity;
    }

    internal static ImportRecord FromEntity(TableEntity row)
    {
        if (!row.RowKey.StartsWith(RowPrefix, StringComparison.Ordinal))
        {
            throw StoredEntity.Invalid(row, Table, "it is not an import row.");
        }
        var record = new ImportRecord(
            row.PartitionKey,
            row.RowKey[RowPrefix.Length..],
            row.Enum<ImportStatus>(Table, "Status"),
            row.Text(Table, "FileName"),
            row.Text(Table, "BlobName"),
            row.Text(Table, "FileSha256"),
            row.Int64(Table, "Bytes"),
            row.Text(Table, "RequestHash"),
            row.Text(Table, "IdempotencyKey"),
            row.Text(Table, "UploadedBy"),
            row.Instant(Table, "UploadedAt"),
            row.Int32(Table, "RowsTotal"),
            row.Int32(Table, "RowsApplied"),
            row.Int32(Table, "ChunksTotal"),
            row.Int32(Table, "ChunksApplied"),
            row.Int64(Table, "NetPence"),
            row.OptionalInstant(Table, "LeaseUntil"),
            row.OptionalInstant(Table, "FinishedAt"),
            row.OptionalText(Table, "Failure"),
            row.ETag,
            row.ContainsKey("Resumptions") ? row.Int32(Table, "Resumptions") : 0);
        if (record.RowsApplied is < 0 || record.RowsApplied > record.RowsTotal || record.ChunksApplied is < 0 || record.ChunksApplied > record.ChunksTotal)
        {
            throw StoredEntity.Invalid(row, Table, $"progress {record.RowsApplied}/{record.RowsTotal} rows, {record.ChunksApplied}/{record.ChunksTotal} chunks is impossible.");
        }
        if (record.Resumptions < 0)
        {
            throw StoredEntity.Invalid(row, Table, $"{record.Resumptions} resumptions is impossible.");
        }
        if (record.Status == ImportStatus.Failed && record.Failure is null)
        {
            throw StoredEntity.Invalid(row, Table, "a failed import records no reason.");
        }
        return record;
    }
}

/// <summary>
/// The claim an import makes on its file's content: one row <c>importfile~{sha256}</c> in the pool's partition naming the
/// import, added in the same entity group transaction as the import record, so two imports of one pool never hold the
/// same bytes. <see cref="MarkerRowKey"/> says every import of the pool has its claim (see
/// <see cref="ImportStore.FindByFileAsync"/>).
/// </summary>
public sealed record ImportFileClaim(string PoolId, string FileSha256, string ImportId)
{
    public const string RowPrefix = "importfile~";

    /// <summary>Written once per pool, after the claims of the imports made before claims existed were written.</summary>
    public const string MarkerRowKey = "importfiles~claimed";

    private const string Table = StorageNames.PoolsTable;

    internal TableEntity ToEntity() => new(PoolId, RowPrefix + FileSha256) { ["ImportId"] = ImportId };

    internal static ImportFileClaim FromEntity(TableEntity row) =>
        row.RowKey.StartsWith(RowPrefix, StringComparison.Ordinal)
            ? new(row.PartitionKey, row.RowKey[RowPrefix.Length..], row.Text(Table, "ImportId"))
            : throw StoredEntity.Invalid(row, Table, "it is not an import file claim.");
}

/// <summary>
/// One "resume the rest" of a failed import, under its caller's Idempotency-Key: a row
/// <c>importresumption~{key id}</c> in the pool's partition, added in the same transaction that sets the import applying
/// again, so a key resumes at most once and its repeat is recognised. <see cref="Failure"/> keeps why the attempt before
/// it failed (the import record's reason is cleared while it applies again).
/// </summary>
public sealed record ImportResumption(
    string PoolId, string KeyId, string ImportId, string Principal, string IdempotencyKey, string RequestHash, Instant At, string Failure)
{
    public const string RowPrefix = "importresumption~";

    private const string Table = StorageNames.PoolsTable;

    internal TableEntity ToEntity() => new(PoolId, RowPrefix + KeyId)
    {
        ["ImportId"] = ImportId,
        ["Principal"] = Principal,
        ["IdempotencyKey"] = IdempotencyKey,
        ["RequestHash"] = RequestHash,
        ["At"] = At.ToDateTimeOffset(),
        ["Failure"] = Failure,
    };

    internal static ImportResumption FromEntity(TableEntity row) =>
        row.RowKey.StartsWith(RowPrefix, StringComparison.Ordinal)
            ? new(row.PartitionKey, row.RowKey[RowPrefix.Length..], row.Text(Table, "ImportId"), row.Text(Table, "Principal"),
                row.Text(Table, "IdempotencyKey"), row.Text(Table, "RequestHash"), row.Instant(Table, "At"), row.Text(Table, "Failure"))
            : throw StoredEntity.Invalid(row, Table, "it is not an import resumption.");
}
