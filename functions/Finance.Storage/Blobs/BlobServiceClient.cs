using Finance.Storage.Http;

namespace Finance.Storage.Blobs;

/// <summary>The account's Blob service; hands out one <see cref="BlobContainerClient"/> per container, all sharing one pipeline.</summary>
public sealed class BlobServiceClient
{
    private readonly StoragePipeline pipeline;

    public BlobServiceClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        pipeline = new StoragePipeline(connection, StorageService.Blob, options);
        Uri = connection.BlobServiceUri;
    }

    public Uri Uri { get; }

    public BlobContainerClient GetBlobContainerClient(string blobContainerName)
    {
        BlobNames.ValidateContainerName(blobContainerName, nameof(blobContainerName));
        return new BlobContainerClient(pipeline, Uri, blobContainerName);
    }
}
