using Finance.Storage.Http;

namespace Finance.Storage.Tables;

/// <summary>The account's Table service; hands out one <see cref="TableClient"/> per table, all sharing one pipeline.</summary>
public sealed class TableServiceClient
{
    private readonly StoragePipeline pipeline;

    public TableServiceClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        pipeline = new StoragePipeline(connection, StorageService.Table, options);
        Uri = connection.TableServiceUri;
    }

    public Uri Uri { get; }

    public TableClient GetTableClient(string tableName)
    {
        TableEntityJson.ValidateTableName(tableName, nameof(tableName));
        return new TableClient(pipeline, Uri, tableName);
    }
}
