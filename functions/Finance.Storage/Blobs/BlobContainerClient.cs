using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Finance.Storage.Http;

namespace Finance.Storage.Blobs;

/// <summary>One blob container: create, delete, list, and a <see cref="BlobClient"/> per blob.</summary>
public sealed class BlobContainerClient
{
    /// <summary>The service lists at most 5,000 blobs per page.</summary>
    public const int MaxPageSize = 5000;

    private readonly StoragePipeline pipeline;

    internal BlobContainerClient(StoragePipeline pipeline, Uri serviceUri, string name)
    {
        this.pipeline = pipeline;
        Name = name;
        Uri = new Uri($"{serviceUri}/{name}");
    }

    public string Name { get; }

    public Uri Uri { get; }

    /// <summary>Creates the container (private: no anonymous access); one that already exists is not an error.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Put, ContainerUri());
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 201
            || (response.Status == 409 && StoragePipeline.ErrorCode(response) == "ContainerAlreadyExists"))
        {
            return;
        }
        throw StoragePipeline.Failure(response);
    }

    /// <summary>Deletes the container and every blob in it; 404 ContainerNotFound if it is not there.</summary>
    public async Task<Response> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, ContainerUri());
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 202);
    }

    /// <summary>Deletes the container if it is there; says whether it was.</summary>
    public async Task<Response<bool>> DeleteIfExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = pipeline.CreateMessage(RequestMethod.Delete, ContainerUri());
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404 && StoragePipeline.ErrorCode(response) == "ContainerNotFound")
        {
            return Response.FromValue(false, response);
        }
        return Response.FromValue(true, StoragePipeline.Expect(response, 202));
    }

    public BlobClient GetBlobClient(string blobName)
    {
        BlobNames.ValidateBlobName(blobName, nameof(blobName));
        return new BlobClient(pipeline, this, blobName);
    }

    /// <summary>Lists blobs (with metadata) whose names start with <paramref name="prefix"/>, a page at a time
    /// (<paramref name="pageSizeHint"/> at most 5,000), in name order.</summary>
    public AsyncPageable<BlobItem> GetBlobsAsync(string? prefix = null, int? pageSizeHint = null, CancellationToken cancellationToken = default)
    {
        if (prefix is not null)
        {
            BlobNames.ValidatePrefix(prefix, nameof(prefix));
        }
        ValidatePageSize(pageSizeHint, nameof(pageSizeHint));
        return new ContinuationPageable<BlobItem>(
            (marker, pageSize, ct) => ListPageAsync(prefix, marker, pageSize, ct), pageSizeHint, cancellationToken);
    }

    private static void ValidatePageSize(int? pageSize, string parameterName)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(parameterName, pageSize, $"A page holds 1-{MaxPageSize} blobs.");
        }
    }

    private Uri ContainerUri() => new($"{Uri}?restype=container");

    private async Task<Page<BlobItem>> ListPageAsync(string? prefix, string? marker, int? pageSize, CancellationToken cancellationToken)
    {
        ValidatePageSize(pageSize, nameof(pageSize));
        var query = new StringBuilder("?restype=container&comp=list&include=metadata");
        if (!string.IsNullOrEmpty(prefix))
        {
            query.Append("&prefix=").Append(Uri.EscapeDataString(prefix));
        }
        if (!string.IsNullOrEmpty(marker))
        {
            query.Append("&marker=").Append(Uri.EscapeDataString(marker));
        }
        if (pageSize is { } size)
        {
            query.Append("&maxresults=").Append(size.ToString(CultureInfo.InvariantCulture));
        }

        using var message = pipeline.CreateMessage(RequestMethod.Get, new Uri($"{Uri}{query}"));
        var response = StoragePipeline.Expect(await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false), 200);

        XDocument document;
        using (var reader = XmlReader.Create(response.Content.ToStream(), SafeXml.Settings))
        {
            document = XDocument.Load(reader);
        }
        var root = document.Root ?? throw new RequestFailedException(response.Status, "The blob listing is empty.", "UnexpectedListResponse", null);
        var items = new List<BlobItem>();
        foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
        {
            var properties = blob.Element("Properties");
            var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in blob.Element("Metadata")?.Elements() ?? [])
            {
                metadata[entry.Name.LocalName] = entry.Value;
            }
            var lastModified = properties?.Element("Last-Modified")?.Value;
            items.Add(new BlobItem(
                Name: blob.Element("Name")?.Value ?? string.Empty,
                ETag: BlobClient.QuotedETag(properties?.Element("Etag")?.Value),
                ContentLength: long.TryParse(properties?.Element("Content-Length")?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : 0,
                ContentType: properties?.Element("Content-Type")?.Value is { Length: > 0 } type ? type : null,
                LastModified: DateTimeOffset.TryParse(lastModified, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var modified) ? modified : null,
                Metadata: metadata));
        }
        var next = root.Element("NextMarker")?.Value;
        return Page<BlobItem>.FromValues(items, string.IsNullOrEmpty(next) ? null : next, response);
    }
}
