using System.Globalization;
using Azure;
using Azure.Core;
using Finance.Storage.Http;

namespace Finance.Storage.Blobs;

/// <summary>One block blob, written and read whole (up to <see cref="StorageClientOptions.MaxBlobBytes"/>).</summary>
public sealed class BlobClient
{
    private const string MetadataPrefix = "x-ms-meta-";

    private readonly StoragePipeline pipeline;

    internal BlobClient(StoragePipeline pipeline, BlobContainerClient container, string name)
    {
        this.pipeline = pipeline;
        Name = name;
        BlobContainerName = container.Name;
        Uri = new Uri($"{container.Uri}/{BlobNames.EscapePath(name)}");
    }

    public string Name { get; }

    public string BlobContainerName { get; }

    public Uri Uri { get; }

    /// <summary>Writes the blob in one request. With <c>Conditions.IfNoneMatch = ETag.All</c> an existing blob is not
    /// overwritten (409 BlobAlreadyExists); with <c>IfMatch</c> a changed blob is not (412 ConditionNotMet).</summary>
    public async Task<Response<BlobContentInfo>> UploadAsync(BinaryData content, BlobUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.ToMemory().Length > pipeline.Options.MaxBlobBytes)
        {
            throw new ArgumentException($"The content is larger than {pipeline.Options.MaxBlobBytes} bytes.", nameof(content));
        }
        if (options?.Metadata is { } metadata)
        {
            BlobNames.ValidateMetadata(metadata, nameof(options));
        }

        using var message = pipeline.CreateMessage(RequestMethod.Put, Uri);
        var headers = message.Request.Headers;
        headers.SetValue("x-ms-blob-type", "BlockBlob");
        headers.SetValue("x-ms-blob-content-type", options?.ContentType ?? "application/octet-stream");
        foreach (var (name, value) in options?.Metadata ?? new Dictionary<string, string>())
        {
            headers.SetValue(MetadataPrefix + name, value);
        }
        SetConditions(message.Request, options?.Conditions?.IfMatch, options?.Conditions?.IfNoneMatch);
        message.Request.Content = RequestContent.Create(content);

        var response = StoragePipeline.Expect(await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false), 201);
        BinaryData? hash = response.Headers.TryGetValue("Content-MD5", out var md5) && md5.Length > 0
            ? new BinaryData(Convert.FromBase64String(md5))
            : null;
        return Response.FromValue(new BlobContentInfo(ETagOf(response), LastModifiedOf(response), hash), response);
    }

    /// <summary>Reads the stream to its end (up to the size limit) and writes it as the blob.</summary>
    public async Task<Response<BlobContentInfo>> UploadAsync(Stream content, BlobUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        // Buffered so the length is known for signing and the body can be re-sent on a retry.
        var data = await ReadBoundedAsync(content, pipeline.Options.MaxBlobBytes, nameof(content), cancellationToken).ConfigureAwait(false);
        return await UploadAsync(data, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the whole blob with its content type, ETag, metadata and last change; 404 BlobNotFound if absent.</summary>
    public async Task<Response<BlobDownloadResult>> DownloadContentAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Get, Uri);
        // Not buffered by the pipeline, so the size limit is enforced before the body is read.
        message.BufferResponse = false;
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var limit = pipeline.Options.MaxBlobBytes;
        if (response.Status != 200)
        {
            // Small error documents: buffer them so the exception can carry the service's code and message.
            response.ContentStream = await ReadToMemoryAsync(response.ContentStream, 64 * 1024, cancellationToken).ConfigureAwait(false);
            throw StoragePipeline.Failure(response);
        }
        if (response.Headers.ContentLength is { } length && length > limit)
        {
            throw new InvalidOperationException($"Blob '{Name}' is {length} bytes, larger than the {limit}-byte limit.");
        }
        var stream = response.ContentStream ?? Stream.Null;
        var content = await ReadBoundedAsync(stream, limit, "blob", cancellationToken).ConfigureAwait(false);
        var result = new BlobDownloadResult(
            content,
            response.Headers.TryGetValue("Content-Type", out var type) ? type : null,
            ETagOf(response),
            MetadataOf(response),
            LastModifiedOf(response));
        return Response.FromValue(result, response);
    }

    /// <summary>Whether the blob exists (in an existing container; a missing container is an error).</summary>
    public async Task<Response<bool>> ExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Head, Uri);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 200)
        {
            return Response.FromValue(true, response);
        }
        if (IsBlobNotFound(response))
        {
            return Response.FromValue(false, response);
        }
        throw StoragePipeline.Failure(response);
    }

    /// <summary>Deletes the blob, only if it still has <paramref name="ifMatch"/> when given (412 ConditionNotMet
    /// otherwise); 404 BlobNotFound if it is not there.</summary>
    public async Task<Response> DeleteAsync(ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, Uri);
        SetConditions(message.Request, ifMatch, ifNoneMatch: null);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 202);
    }

    /// <summary>Deletes the blob if it is there; says whether it was.</summary>
    public async Task<Response<bool>> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, Uri);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (IsBlobNotFound(response))
        {
            return Response.FromValue(false, response);
        }
        return Response.FromValue(true, StoragePipeline.Expect(response, 202));
    }

    /// <summary>Blob ETags are quoted in headers but not in listings; quote both so they compare equal.</summary>
    internal static ETag QuotedETag(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return default;
        }
        return value.StartsWith('"') || value.StartsWith("W/\"", StringComparison.Ordinal) ? new ETag(value) : new ETag($"\"{value}\"");
    }

    private static bool IsBlobNotFound(Response response) =>
        response.Status == 404 && StoragePipeline.ErrorCode(response) is null or "BlobNotFound";

    private static void SetConditions(Request request, ETag? ifMatch, ETag? ifNoneMatch)
    {
        if (ifMatch is { } match)
        {
            request.Headers.SetValue("If-Match", HeaderValue(match));
        }
        if (ifNoneMatch is { } noneMatch)
        {
            request.Headers.SetValue("If-None-Match", HeaderValue(noneMatch));
        }
    }

    private static string HeaderValue(ETag etag)
    {
        if (etag == default)
        {
            throw new ArgumentException("A precondition needs an ETag (or ETag.All).", nameof(etag));
        }
        return etag == ETag.All ? "*" : QuotedETag(etag.ToString()).ToString();
    }

    private static ETag ETagOf(Response response) =>
        response.Headers.TryGetValue("ETag", out var etag) ? QuotedETag(etag) : default;

    private static DateTimeOffset? LastModifiedOf(Response response) =>
        response.Headers.TryGetValue("Last-Modified", out var text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : null;

    private static Dictionary<string, string> MetadataOf(Response response)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in response.Headers)
        {
            if (header.Name.StartsWith(MetadataPrefix, StringComparison.OrdinalIgnoreCase))
            {
                metadata[header.Name[MetadataPrefix.Length..]] = header.Value;
            }
        }
        return metadata;
    }

    private static async Task<BinaryData> ReadBoundedAsync(Stream stream, long limit, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ArgumentException($"The {what} is larger than the {limit}-byte limit.", nameof(stream));
            }
            buffer.Write(chunk, 0, read);
        }
        return new BinaryData(buffer.ToArray());
    }

    private static async Task<MemoryStream> ReadToMemoryAsync(Stream? stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        if (stream is null)
        {
            return buffer;
        }
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < limit && (read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
    }
}
