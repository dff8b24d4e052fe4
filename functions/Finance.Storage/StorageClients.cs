using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Finance.Storage;

/// <summary>
/// The official clients, built one way for the app (through <c>AddAzureClients</c>) and for tests: retries and
/// time-outs are set here once.
/// </summary>
public static class StorageClients
{
    /// <summary>
    /// The Blob REST API version every request speaks, locally and in Azure, so what the tests ran against Azurite is
    /// what runs in Azure. Azure.Storage.Blobs 12.30 defaults to 2026-10-06, which Azurite 3.37 refuses; Azure serves
    /// both. Azurite is started without <c>--skipApiVersionCheck</c>, so a version it does not know fails the tests.
    /// </summary>
    public const BlobClientOptions.ServiceVersion BlobServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    /// <summary>
    /// Tighter than Azure.Core's defaults (100 s a try): a function invocation has its own time limit, and a stuck storage
    /// call should fail fast and be retried. A refused request (4xx) is never retried; the ledger retries its own
    /// conflicts with back-off.
    /// </summary>
    public static void ApplyDefaults(ClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.MaxRetries = 3;
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.Delay = TimeSpan.FromMilliseconds(500);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(8);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        foreach (var header in new[] { "x-ms-error-code", "x-ms-request-id", "x-ms-version", "ETag", "x-ms-continuation-NextPartitionKey" })
        {
            options.Diagnostics.LoggedHeaderNames.Add(header);
        }
    }

    public static TableClientOptions TableOptions(Action<ClientOptions>? configure = null)
    {
        var options = new TableClientOptions();
        ApplyDefaults(options);
        configure?.Invoke(options);
        return options;
    }

    public static BlobClientOptions BlobOptions(Action<ClientOptions>? configure = null)
    {
        var options = new BlobClientOptions(BlobServiceVersion);
        ApplyDefaults(options);
        configure?.Invoke(options);
        return options;
    }

    public static TableServiceClient TableService(StorageSettings settings, TokenCredential? credential, TableClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ConnectionString is { } connectionString
            ? Guard(() => new TableServiceClient(connectionString, options))
            : new TableServiceClient(settings.TableServiceUri!, Credential(credential), options);
    }

    public static BlobServiceClient BlobService(StorageSettings settings, TokenCredential? credential, BlobClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.ConnectionString is { } connectionString
            ? Guard(() => new BlobServiceClient(connectionString, options))
            : new BlobServiceClient(settings.BlobServiceUri!, Credential(credential), options);
    }

    private static TokenCredential Credential(TokenCredential? credential) =>
        credential ?? throw new InvalidOperationException("Storage reached by service URI needs a token credential (the app's managed identity).");

    /// <summary>The SDK's own message may quote the connection string; this one names the setting only.</summary>
    private static T Guard<T>(Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"{StorageSettings.ConnectionStringSetting} is not a storage connection string the Azure SDK accepts.");
        }
    }
}
