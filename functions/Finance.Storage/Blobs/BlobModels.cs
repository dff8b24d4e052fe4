using Azure;

namespace Finance.Storage.Blobs;

/// <summary>One blob as listed: name, version, size, type, last change and metadata.</summary>
public sealed record BlobItem(
    string Name,
    ETag ETag,
    long ContentLength,
    string? ContentType,
    DateTimeOffset? LastModified,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>What the service says about a blob it has just stored.</summary>
public sealed record BlobContentInfo(ETag ETag, DateTimeOffset? LastModified, BinaryData? ContentHash);

/// <summary>A whole blob as downloaded.</summary>
public sealed class BlobDownloadResult
{
    internal BlobDownloadResult(BinaryData content, string? contentType, ETag etag, IReadOnlyDictionary<string, string> metadata, DateTimeOffset? lastModified)
    {
        Content = content;
        ContentType = contentType;
        ETag = etag;
        Metadata = metadata;
        LastModified = lastModified;
    }

    public BinaryData Content { get; }

    public string? ContentType { get; }

    public ETag ETag { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public DateTimeOffset? LastModified { get; }
}

/// <summary>Preconditions on a write or delete. <c>IfNoneMatch = ETag.All</c> makes a write succeed only if the blob
/// does not exist yet (write-once); <c>IfMatch</c> makes it succeed only if the blob is still the version read.</summary>
public sealed class BlobRequestConditions
{
    public ETag? IfMatch { get; set; }

    public ETag? IfNoneMatch { get; set; }
}

/// <summary>Content type, metadata and preconditions for an upload.</summary>
public sealed class BlobUploadOptions
{
    /// <summary>The blob's MIME type; application/octet-stream when not set.</summary>
    public string? ContentType { get; set; }

    /// <summary>Name/value pairs stored with the blob. Names are identifiers; values are printable ASCII.</summary>
    public IDictionary<string, string>? Metadata { get; set; }

    public BlobRequestConditions? Conditions { get; set; }
}
