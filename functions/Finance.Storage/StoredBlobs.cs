using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Finance.Storage;

/// <summary>A whole blob as read: its bytes, content type, version and metadata.</summary>
public sealed record StoredBlob(string Name, byte[] Content, string? ContentType, ETag ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Whether a write-once blob was written by this call or was already there with the very same bytes.</summary>
public enum WriteOnceOutcome
{
    Written,
    AlreadyWritten,
}

/// <summary>
/// The two ways the app uses blobs: records written once and never overwritten (uploads as received, frozen
/// statements, run reports), and whole reads with a size limit. Names are checked by <see cref="BlobNames"/> before
/// any request, since callers build them from input.
/// </summary>
public static class StoredBlobs
{
    /// <summary>Largest blob written or read in one piece. Statements, CSV imports and reports are far smaller; the cap
    /// stops a bad file from taking the process's memory.</summary>
    public const long MaxBlobBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Writes the blob only if it does not exist (<c>If-None-Match: *</c>). If it exists with the same bytes (an earlier
    /// try of the same write whose answer was lost), that is success; with other bytes, <see cref="BlobConflictException"/>:
    /// a record is never overwritten.
    /// </summary>
    public static async Task<WriteOnceOutcome> WriteOnceAsync(
        BlobContainerClient container, string name, byte[] content, string contentType, IDictionary<string, string>? metadata,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(content);
        BlobNames.ValidateBlobName(name, nameof(name));
        if (content.LongLength > MaxBlobBytes)
        {
            throw new ArgumentException($"{name} would be {content.LongLength} bytes, larger than the {MaxBlobBytes}-byte limit.", nameof(content));
        }
        if (metadata is not null)
        {
            BlobNames.ValidateMetadata(metadata, nameof(metadata));
        }
        var blob = container.GetBlobClient(name);
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                Metadata = metadata,
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken).ConfigureAwait(false);
            return WriteOnceOutcome.Written;
        }
        // Azure and Azurite answer 409 BlobAlreadyExists to If-None-Match: * on an existing blob; 412 is accepted too.
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            var existing = await ReadAsync(container, name, cancellationToken).ConfigureAwait(false);
            if (!existing.Content.AsSpan().SequenceEqual(content))
            {
                throw new BlobConflictException(container.Name, name, e);
            }
            return WriteOnceOutcome.AlreadyWritten;
        }
    }

    /// <summary>The whole blob, at most <see cref="MaxBlobBytes"/>; a missing blob is <see cref="RequestFailedException"/> 404.</summary>
    public static async Task<StoredBlob> ReadAsync(BlobContainerClient container, string name, CancellationToken cancellationToken) =>
        await ReadIfExistsAsync(container, name, cancellationToken).ConfigureAwait(false)
        ?? throw new RequestFailedException(404, $"Blob {container.Name}/{name} does not exist.", "BlobNotFound", null);

    /// <summary>The whole blob, or null when there is none.</summary>
    public static async Task<StoredBlob?> ReadIfExistsAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ValidateBlobName(name, nameof(name));
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode is "BlobNotFound" or null)
        {
            return null;
        }
        using var download = response.Value;
        var details = download.Details;
        if (details.ContentLength > MaxBlobBytes)
        {
            throw new StorageInvariantException($"{container.Name} blob {name}", $"it is {details.ContentLength} bytes, larger than the {MaxBlobBytes}-byte limit.");
        }
        using var buffer = new MemoryStream((int)Math.Max(0, details.ContentLength));
        var chunk = new byte[81920];
        int read;
        while ((read = await download.Content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBlobBytes)
            {
                throw new StorageInvariantException($"{container.Name} blob {name}", $"it is larger than the {MaxBlobBytes}-byte limit.");
            }
            buffer.Write(chunk, 0, read);
        }
        return new StoredBlob(
            name, buffer.ToArray(), details.ContentType, details.ETag,
            new Dictionary<string, string>(details.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>Names of the blobs under <paramref name="prefix"/>, in name order, at most <paramref name="limit"/>.</summary>
    public static async Task<IReadOnlyList<string>> NamesAsync(BlobContainerClient container, string prefix, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        BlobNames.ValidatePrefix(prefix, nameof(prefix));
        var names = new List<string>();
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (names.Count == limit)
            {
                throw new StorageInvariantException($"{container.Name} blobs {prefix}*", $"there are more than {limit}, the most one read takes.");
            }
            names.Add(blob.Name);
        }
        return names;
    }
}

/// <summary>A write-once blob exists with other content: a record is never overwritten.</summary>
public sealed class BlobConflictException : Exception
{
    public BlobConflictException()
        : base("A write-once blob already exists with other content.")
    {
    }

    public BlobConflictException(string message)
        : base(message)
    {
    }

    public BlobConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public BlobConflictException(string container, string name, Exception innerException)
        : base($"{container}/{name} already exists with other content; it is written once and never overwritten.", innerException)
    {
        BlobName = name;
    }

    public string? BlobName { get; }
}
