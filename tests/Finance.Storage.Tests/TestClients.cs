using Azure;
using Azure.Core.Pipeline;
using Finance.Storage.Blobs;
using Finance.Storage.Tables;

namespace Finance.Storage.Tests;

/// <summary>Clients on the test Azurite, each test on its own table or container.</summary>
internal static class TestClients
{
    public static StorageConnection Connection(StorageAzurite azurite) => StorageConnection.Parse(azurite.ConnectionString);

    public static async Task<TableClient> NewTableAsync(StorageAzurite azurite)
    {
        var table = new TableServiceClient(Connection(azurite)).GetTableClient(StorageAzurite.UniqueName("t"));
        await table.CreateIfNotExistsAsync();
        return table;
    }

    public static async Task<BlobContainerClient> NewContainerAsync(StorageAzurite azurite, StorageClientOptions? options = null)
    {
        var container = new BlobServiceClient(Connection(azurite), options).GetBlobContainerClient(StorageAzurite.UniqueName("c"));
        await container.CreateIfNotExistsAsync();
        return container;
    }

    /// <summary>Options whose transport fails the test if any request reaches it: for "refused before sending" checks.</summary>
    public static StorageClientOptions Offline(out RequestCounter counter)
    {
        counter = new RequestCounter();
        return new StorageClientOptions { Transport = new HttpClientTransport(new HttpClient(counter)) };
    }

    public static TableClient OfflineTable(out RequestCounter counter) =>
        new TableServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true"), Offline(out counter)).GetTableClient("offline");

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

    public static async Task<List<Page<T>>> PagesAsync<T>(this AsyncPageable<T> pageable, string? continuationToken = null, int? pageSizeHint = null)
        where T : notnull
    {
        var pages = new List<Page<T>>();
        await foreach (var page in pageable.AsPages(continuationToken, pageSizeHint))
        {
            pages.Add(page);
        }
        return pages;
    }

    /// <summary>Adds entities in transactions of 100 (all must share a partition).</summary>
    public static async Task AddInBatchesAsync(this TableClient table, IEnumerable<TableEntity> entities)
    {
        foreach (var chunk in entities.Chunk(TableClient.MaxTransactionActions))
        {
            await table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)));
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
