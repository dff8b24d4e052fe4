using Azure.Core;
using Azure.Identity;
using Finance.Storage;
using Finance.Storage.Blobs;
using Finance.Storage.Tables;

namespace Finance.Functions.Configuration;

/// <summary>
/// The ledger's storage account: a connection string locally (Azurite), or service URIs and the Function App's managed
/// identity in Azure. Creates the tables and containers the app uses once per process, on first use, so a storage
/// outage at start-up leaves a running app that reports itself unhealthy rather than a crash loop.
/// </summary>
public sealed class LedgerStorage : IDisposable
{
    private readonly SemaphoreSlim ensureLock = new(1, 1);
    private volatile bool ensured;

    public LedgerStorage(StorageConnection connection, StorageClientOptions? options = null)
    {
        Connection = connection;
        Tables = new TableServiceClient(connection, options);
        Blobs = new BlobServiceClient(connection, options);
    }

    public StorageConnection Connection { get; }
    public TableServiceClient Tables { get; }
    public BlobServiceClient Blobs { get; }

    public static LedgerStorage FromConfiguration(IConfiguration configuration, TokenCredential? credential = null)
    {
        var connectionString = configuration[AppSettings.LedgerConnectionString.Key];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new LedgerStorage(StorageConnection.Parse(connectionString));
        }
        var tableUri = configuration[AppSettings.LedgerTableServiceUri.Key];
        var blobUri = configuration[AppSettings.LedgerBlobServiceUri.Key];
        if (string.IsNullOrWhiteSpace(tableUri) || string.IsNullOrWhiteSpace(blobUri))
        {
            throw new InvalidOperationException(
                $"Set {AppSettings.LedgerConnectionString.Name}, or both {AppSettings.LedgerTableServiceUri.Name} and {AppSettings.LedgerBlobServiceUri.Name}.");
        }
        // In Azure the Function App's system-assigned identity; locally, whatever DefaultAzureCredential finds.
        return new LedgerStorage(StorageConnection.FromTokenCredential(
            new Uri(tableUri), new Uri(blobUri), credential ?? new DefaultAzureCredential()));
    }

    public void Dispose() => ensureLock.Dispose();

    public TableClient Table(string name) => Tables.GetTableClient(name);

    public BlobContainerClient Container(string name) => Blobs.GetBlobContainerClient(name);

    /// <summary>Creates every table and container in <see cref="StorageNames"/> if missing; once per process.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (ensured)
        {
            return;
        }
        await ensureLock.WaitAsync(cancellationToken);
        try
        {
            if (ensured)
            {
                return;
            }
            foreach (var table in StorageNames.Tables)
            {
                await Table(table).CreateIfNotExistsAsync(cancellationToken);
            }
            foreach (var container in StorageNames.Containers)
            {
                await Container(container).CreateIfNotExistsAsync(cancellationToken);
            }
            ensured = true;
        }
        finally
        {
            ensureLock.Release();
        }
    }
}
