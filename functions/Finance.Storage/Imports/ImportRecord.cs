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

    /// <summary>The ledger refused a chunk (say, the month was closed meanwhile); the chunks before it stand, each atomic.</summary>
    Failed,
}

/// <summary>
/// A CSV import: one row <c>import~{id}</c> in the pool's partition of the Pools table. The raw file is the blob
/// <see cref="BlobName"/> in the imports container, written once. Progress is counted in chunks (atomic postings);
/// the ledger's idempotency records, one per chunk, are what make a resumed import exactly-once.
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
    ETag ETag)
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
            row.ETag);
        if (record.RowsApplied is < 0 || record.RowsApplied > record.RowsTotal || record.ChunksApplied is < 0 || record.ChunksApplied > record.ChunksTotal)
        {
            throw StoredEntity.Invalid(row, Table, $"progress {record.RowsApplied}/{record.RowsTotal} rows, {record.ChunksApplied}/{record.ChunksTotal} chunks is impossible.");
        }
        if (record.Status == ImportStatus.Failed && record.Failure is null)
        {
            throw StoredEntity.Invalid(row, Table, "a failed import records no reason.");
        }
        return record;
    }
}
