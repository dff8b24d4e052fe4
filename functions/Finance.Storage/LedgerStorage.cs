using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Finance.Storage;

/// <summary>
/// The ledger's storage account through the official clients. Creates the tables and containers the app uses once per
/// process, on first use, so a storage outage at start-up leaves a running app that reports itself unhealthy rather
/// than a crash loop.
/// </summary>
public sealed class LedgerStorage(TableServiceClient tables, BlobServiceClient blobs) : IDisposable
{
    private readonly SemaphoreSlim ensureLock = new(1, 1);
    private volatile bool ensured;

    public TableServiceClient Tables { get; } = tables ?? throw new ArgumentNullException(nameof(tables));

    public BlobServiceClient Blobs { get; } = blobs ?? throw new ArgumentNullException(nameof(blobs));

    /// <summary>Pool rows as this instance last read them, shared by everything that reads or writes them here
    /// (<see cref="Pools.PoolStore"/>, <see cref="Pools.PoolSetupStore"/>).</summary>
    internal RecentReads<Pools.PoolRecord> RecentPools { get; } = new();

    /// <summary>Clients for <paramref name="settings"/> built outside dependency injection (tools, tests), with the
    /// app's options; <paramref name="configure"/> may change them (a test transport, no retries).</summary>
    public static LedgerStorage Create(StorageSettings settings, TokenCredential? credential = null, Action<ClientOptions>? configure = null) =>
        new(StorageClients.TableService(settings, credential, StorageClients.TableOptions(configure)),
            StorageClients.BlobService(settings, credential, StorageClients.BlobOptions(configure)));

    public static LedgerStorage ForConnectionString(string connectionString, Action<ClientOptions>? configure = null) =>
        Create(StorageSettings.ForConnectionString(connectionString), configure: configure);

    public TableClient Table(string name) => Tables.GetTableClient(name);

    public BlobContainerClient Container(string name)
    {
        BlobNames.ValidateContainerName(name, nameof(name));
        return Blobs.GetBlobContainerClient(name);
    }

    /// <summary>Creates every table and container in <see cref="StorageNames"/> if missing; once per process.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (ensured)
        {
            return;
        }
        await ensureLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (ensured)
            {
                return;
            }
            foreach (var table in StorageNames.Tables)
            {
                await Tables.CreateTableIfNotExistsAsync(table, cancellationToken).ConfigureAwait(false);
            }
            foreach (var container in StorageNames.Containers)
            {
                // Private: no anonymous access (the Bicep also turns public blob access off for the account).
                await Container(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            ensured = true;
        }
        finally
        {
            ensureLock.Release();
        }
    }

    /// <summary>The cheapest real read of the Table service: one page of at most one entity's key, for health checks.</summary>
    public async Task ProbeTablesAsync(CancellationToken cancellationToken)
    {
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var _ in Table(StorageNames.PoolsTable).QueryAsync<TableEntity>(maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken)
                           .AsPages(pageSizeHint: 1).ConfigureAwait(false))
        {
            break;
        }
    }

    /// <summary>The cheapest real read of the Blob service: does the statements container exist.</summary>
    public async Task ProbeBlobsAsync(CancellationToken cancellationToken)
    {
        if (!await Container(StorageNames.StatementsContainer).ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new RequestFailedException(404, "The statements container does not exist.", "ContainerNotFound", null);
        }
    }

    public void Dispose() => ensureLock.Dispose();
}
