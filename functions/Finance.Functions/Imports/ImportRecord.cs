using Azure;
using Finance.Storage.Tables;
using NodaTime;

namespace Finance.Functions.Imports;

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

    public TableEntity ToEntity() => new(PoolId, RowPrefix + ImportId)
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
        ["LeaseUntil"] = LeaseUntil?.ToDateTimeOffset(),
        ["FinishedAt"] = FinishedAt?.ToDateTimeOffset(),
        ["Failure"] = Failure,
    };

    public static ImportRecord FromEntity(TableEntity row) => new(
        row.PartitionKey,
        row.RowKey[RowPrefix.Length..],
        Enum.TryParse<ImportStatus>(row.GetString("Status"), out var status) ? status : ImportStatus.Failed,
        row.GetString("FileName") ?? "",
        row.GetString("BlobName") ?? "",
        row.GetString("FileSha256") ?? "",
        row.GetInt64("Bytes") ?? 0,
        row.GetString("RequestHash") ?? "",
        row.GetString("IdempotencyKey") ?? "",
        row.GetString("UploadedBy") ?? "",
        Instant.FromDateTimeOffset(row.GetDateTimeOffset("UploadedAt") ?? DateTimeOffset.UnixEpoch),
        row.GetInt32("RowsTotal") ?? 0,
        row.GetInt32("RowsApplied") ?? 0,
        row.GetInt32("ChunksTotal") ?? 0,
        row.GetInt32("ChunksApplied") ?? 0,
        row.GetInt64("NetPence") ?? 0,
        row.GetDateTimeOffset("LeaseUntil") is { } lease ? Instant.FromDateTimeOffset(lease) : null,
        row.GetDateTimeOffset("FinishedAt") is { } finished ? Instant.FromDateTimeOffset(finished) : null,
        row.GetString("Failure"),
        row.ETag);
}
