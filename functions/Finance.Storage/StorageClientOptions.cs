using Azure.Core;

namespace Finance.Storage;

/// <summary>
/// Options for the Table and Blob clients. Retries and the per-attempt network time-out come from
/// <see cref="ClientOptions.Retry"/>; the defaults here are tighter than Azure.Core's (100 s) because a function
/// invocation has its own time limit and a stuck storage call should fail fast and be retried.
/// </summary>
public sealed class StorageClientOptions : ClientOptions
{
    /// <summary>Largest blob this client uploads or downloads in one piece. Statements, CSV imports and reports are far
    /// smaller; the cap stops a bad file from taking the process's memory.</summary>
    public const long DefaultMaxBlobBytes = 64L * 1024 * 1024;

    public StorageClientOptions()
    {
        Retry.MaxRetries = 3;
        Retry.Mode = RetryMode.Exponential;
        Retry.Delay = TimeSpan.FromMilliseconds(500);
        Retry.MaxDelay = TimeSpan.FromSeconds(8);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        foreach (var header in new[]
                 {
                     "x-ms-error-code", "x-ms-request-id", "x-ms-version", "x-ms-continuation-NextPartitionKey",
                     "x-ms-continuation-NextRowKey", "ETag", "x-ms-blob-type", "DataServiceVersion",
                 })
        {
            Diagnostics.LoggedHeaderNames.Add(header);
        }
    }

    /// <summary>Largest blob, in bytes, that <c>UploadAsync</c> sends or <c>DownloadContentAsync</c> reads.</summary>
    public long MaxBlobBytes
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            // Whole blobs are held in memory on both paths, so the ceiling is far below Put Blob's own limit.
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256L * 1024 * 1024);
            field = value;
        }
    } = DefaultMaxBlobBytes;
}
