using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace Finance.Storage.Tests;

/// <summary>The official clients on the test Azurite, built as the app builds them, each test on its own table or container.</summary>
internal static class TestClients
{
    public static LedgerStorage Storage(StorageAzurite azurite, Action<ClientOptions>? configure = null) =>
        LedgerStorage.ForConnectionString(azurite.ConnectionString, configure);

    public static async Task<TableClient> NewTableAsync(StorageAzurite azurite, Action<ClientOptions>? configure = null)
    {
        var table = Storage(azurite, configure).Table(StorageAzurite.UniqueName("t"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    /// <summary>The same table through clients with other options (a lossy pipeline, say).</summary>
    public static TableClient SameTable(StorageAzurite azurite, TableClient table, Action<ClientOptions> configure) =>
        Storage(azurite, configure).Table(table.Name);

    public static async Task<BlobContainerClient> NewContainerAsync(StorageAzurite azurite, Action<ClientOptions>? configure = null)
    {
        var container = Storage(azurite, configure).Blobs.GetBlobContainerClient(StorageAzurite.UniqueName("c"));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    /// <summary>A transport that fails the test if any request reaches it: for "refused before sending" checks.</summary>
    public static Action<ClientOptions> Offline(out RequestCounter counter)
    {
        var counting = new RequestCounter();
        counter = counting;
        return options =>
        {
            options.Transport = new Azure.Core.Pipeline.HttpClientTransport(new HttpClient(counting));
            options.Retry.MaxRetries = 0;
        };
    }

    public static async Task<List<T>> ToListAsync<T>(this AsyncPageable<T> pageable)
        where T : notnull
    {
        var items = new List<T>();
        await foreach (var item in pageable)
        {
            items.Add(item);
        }
        return items;
    }

    /// <summary>Adds entities in transactions of 100 (all must share a partition).</summary>
    public static async Task AddInBatchesAsync(this TableClient table, IEnumerable<TableEntity> entities)
    {
        foreach (var chunk in entities.Chunk(TableTransactions.MaxActions))
        {
            await TableTransactions.SubmitAsync(table, chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)).ToList(), default);
        }
    }
}

/// <summary>An HTTP handler that counts requests and refuses them.</summary>
internal sealed class RequestCounter : HttpMessageHandler
{
    private int requests;

    public int Requests => requests;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref requests);
        throw new InvalidOperationException($"No request was expected, but {request.Method} {request.RequestUri} was sent.");
    }
}
