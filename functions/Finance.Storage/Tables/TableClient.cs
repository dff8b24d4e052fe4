using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using Finance.Storage.Http;

namespace Finance.Storage.Tables;

/// <summary>
/// One table: entity reads and writes, queries and entity group transactions, over the Table REST API with JSON
/// (minimal metadata). Every service error is a <see cref="RequestFailedException"/> with the service's status and
/// error code; every argument the service would refuse is refused here first with an <see cref="ArgumentException"/>.
/// </summary>
public sealed class TableClient
{
    /// <summary>The service returns at most 1,000 entities per page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>An entity group transaction holds at most 100 operations.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>An entity group transaction's payload is at most 4 MiB.</summary>
    public const int MaxTransactionBytes = 4 * 1024 * 1024;

    private const string JsonAccept = "application/json;odata=minimalmetadata";
    private const string JsonContentType = "application/json";

    private readonly StoragePipeline pipeline;
    private readonly Uri serviceUri;

    internal TableClient(StoragePipeline pipeline, Uri serviceUri, string name)
    {
        this.pipeline = pipeline;
        this.serviceUri = serviceUri;
        Name = name;
        Uri = new Uri($"{serviceUri}/{name}");
    }

    public string Name { get; }

    public Uri Uri { get; }

    /// <summary>Creates the table; a table that already exists is not an error.</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Post, new Uri($"{serviceUri}/Tables"));
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("TableName", Name);
            writer.WriteEndObject();
        });
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status is 201 or 204)
        {
            return;
        }
        if (response.Status == 409 && StoragePipeline.ErrorCode(response) == "TableAlreadyExists")
        {
            return;
        }
        throw StoragePipeline.Failure(response);
    }

    /// <summary>Deletes the table; a table that does not exist is not an error.</summary>
    public async Task DeleteTableAsync(CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, new Uri($"{serviceUri}/Tables('{Name}')"));
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404 && StoragePipeline.ErrorCode(response) is "ResourceNotFound" or "TableNotFound")
        {
            return;
        }
        StoragePipeline.Expect(response, 204);
    }

    /// <summary>Inserts the entity; 409 EntityAlreadyExists if it is there already.</summary>
    public async Task<Response> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateMessage(RequestMethod.Post, Uri);
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message, writer => TableEntityJson.Write(writer, entity, nameof(entity)));
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 204, 201);
    }

    /// <summary>Inserts the entity, or merges it into / replaces the one that is there.</summary>
    public async Task<Response> UpsertEntityAsync(
        TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        using var message = CreateWriteMessage(entity, mode, ifMatch: null);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 204);
    }

    /// <summary>Merges into or replaces an existing entity if it still has <paramref name="ifMatch"/>
    /// (<see cref="ETag.All"/> for any version); 412 UpdateConditionNotSatisfied if it changed, 404 if it is gone.</summary>
    public async Task<Response> UpdateEntityAsync(
        TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (ifMatch == default)
        {
            throw new ArgumentException("An update needs the ETag the entity was read with, or ETag.All.", nameof(ifMatch));
        }
        using var message = CreateWriteMessage(entity, mode, ifMatch);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 204);
    }

    /// <summary>Deletes the entity if it still has <paramref name="ifMatch"/> (default: any version).
    /// 404 ResourceNotFound if it is not there; 412 if it changed.</summary>
    public async Task<Response> DeleteEntityAsync(
        string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        using var message = CreateMessage(RequestMethod.Delete, EntityUri(partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", IfMatch(ifMatch));
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return StoragePipeline.Expect(response, 204);
    }

    /// <summary>Reads one entity; 404 ResourceNotFound if it is not there.</summary>
    public async Task<Response<TableEntity>> GetEntityAsync(
        string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        var (response, entity) = await GetAsync(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        return entity is null ? throw StoragePipeline.Failure(response) : Response.FromValue(entity, response);
    }

    /// <summary>Reads one entity, or says it is not there. A missing table is still an error.</summary>
    public async Task<NullableResponse<TableEntity>> GetEntityIfExistsAsync(
        string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        var (response, entity) = await GetAsync(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        if (entity is not null)
        {
            return new MaybeResponse<TableEntity>(response, hasValue: true, entity);
        }
        if (response.Status == 404 && StoragePipeline.ErrorCode(response) == "ResourceNotFound")
        {
            return new MaybeResponse<TableEntity>(response, hasValue: false, value: null);
        }
        throw StoragePipeline.Failure(response);
    }

    /// <summary>
    /// Queries the table a page at a time (<paramref name="maxPerPage"/> is $top, at most 1,000; the service may return
    /// fewer and a continuation). Build <paramref name="filter"/> with <see cref="TableFilter.Create"/>.
    /// </summary>
    public AsyncPageable<TableEntity> QueryAsync(
        string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        ValidatePageSize(maxPerPage, nameof(maxPerPage));
        if (filter is not null && (filter.Length == 0 || filter.Length > TableFilter.MaxFilterLength))
        {
            throw new ArgumentException($"A filter is 1-{TableFilter.MaxFilterLength} characters; build it with TableFilter.Create.", nameof(filter));
        }
        var selectList = TableFilter.Select(select);
        return new ContinuationPageable<TableEntity>(
            (token, pageSize, ct) => QueryPageAsync(filter, selectList, token, pageSize, ct), maxPerPage, cancellationToken);
    }

    /// <summary>
    /// Runs up to 100 operations on one partition as one entity group transaction: all are applied or none. A refused
    /// transaction throws <see cref="TableTransactionFailedException"/> naming the failing action's index, status and
    /// error code. Returns one response per action, in order.
    /// </summary>
    public async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(
        IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var list = actions.Take(MaxTransactionActions + 1).ToList();
        TableTransactionBody.Validate(list, nameof(actions));

        var batch = new TableTransactionBody(serviceUri, Name);
        var body = batch.Write(list, nameof(actions));
        using var message = CreateMessage(RequestMethod.Post, new Uri($"{serviceUri}/$batch"));
        message.Request.Headers.SetValue("Content-Type", batch.ContentType);
        message.Request.Content = RequestContent.Create(body);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 202)
        {
            throw new TableTransactionFailedException(response, TableTransactionBody.FailedIndex(response, list.Count));
        }

        var operations = TableTransactionBody.ReadResponses(response);
        var failed = operations.FirstOrDefault(r => r.Status >= 400);
        if (failed is not null)
        {
            throw new TableTransactionFailedException(failed, TableTransactionBody.FailedIndex(failed, list.Count));
        }
        if (operations.Count != list.Count)
        {
            throw new RequestFailedException(
                response.Status,
                $"The transaction's response held {operations.Count} answers for {list.Count} actions.",
                "UnexpectedBatchResponse",
                innerException: null);
        }
        return Response.FromValue<IReadOnlyList<Response>>(operations, response);
    }

    internal static void ValidatePageSize(int? pageSize, string parameterName)
    {
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(parameterName, pageSize, $"A page holds 1-{MaxPageSize} entities.");
        }
    }

    internal Uri EntityUri(string partitionKey, string rowKey)
    {
        TableEntityJson.ValidateKey(partitionKey, TableEntity.PartitionKeyName, nameof(partitionKey));
        TableEntityJson.ValidateKey(rowKey, TableEntity.RowKeyName, nameof(rowKey));
        return new Uri($"{serviceUri}/{Name}(PartitionKey='{KeyLiteral(partitionKey)}',RowKey='{KeyLiteral(rowKey)}')");
    }

    // Quotes are doubled (OData), then everything but unreserved characters is percent-encoded.
    private static string KeyLiteral(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    internal static string IfMatch(ETag etag) => etag == default || etag == ETag.All ? "*" : etag.ToString();

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = pipeline.CreateMessage(method, uri);
        message.Request.Headers.SetValue("Accept", JsonAccept);
        message.Request.Headers.SetValue("DataServiceVersion", "3.0");
        message.Request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        return message;
    }

    private HttpMessage CreateWriteMessage(TableEntity entity, TableUpdateMode mode, ETag? ifMatch)
    {
        var method = mode switch
        {
            TableUpdateMode.Merge => RequestMethod.Patch,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown update mode."),
        };
        var uri = EntityUri(entity.GetString(TableEntity.PartitionKeyName)!, entity.GetString(TableEntity.RowKeyName)!);
        var message = CreateMessage(method, uri);
        try
        {
            if (ifMatch is { } etag)
            {
                // Without If-Match, PATCH and PUT are "insert or merge" and "insert or replace".
                message.Request.Headers.SetValue("If-Match", IfMatch(etag));
            }
            SetJsonContent(message, writer => TableEntityJson.Write(writer, entity, nameof(entity)));
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static void SetJsonContent(HttpMessage message, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        message.Request.Headers.SetValue("Content-Type", JsonContentType);
        message.Request.Content = RequestContent.Create(new BinaryData(buffer.ToArray()));
    }

    private async Task<(Response Response, TableEntity? Entity)> GetAsync(
        string partitionKey, string rowKey, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var uri = EntityUri(partitionKey, rowKey);
        var selectList = TableFilter.Select(select);
        if (selectList is not null)
        {
            uri = new Uri($"{uri}?$select={Uri.EscapeDataString(selectList)}");
        }
        using var message = CreateMessage(RequestMethod.Get, uri);
        var response = await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
        {
            return (response, null);
        }
        using var document = JsonDocument.Parse(response.Content.ToMemory());
        var entity = TableEntityJson.Read(document.RootElement);
        if (entity.ETag == default && response.Headers.ETag is { } etag)
        {
            entity.ETag = etag;
        }
        return (response, entity);
    }

    private async Task<Page<TableEntity>> QueryPageAsync(
        string? filter, string? select, string? continuationToken, int? pageSize, CancellationToken cancellationToken)
    {
        ValidatePageSize(pageSize, nameof(pageSize));
        var query = new StringBuilder();
        void Add(string name, string value) =>
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));

        if (filter is not null)
        {
            Add("$filter", filter);
        }
        if (select is not null)
        {
            Add("$select", select);
        }
        Add("$top", (pageSize ?? MaxPageSize).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(continuationToken))
        {
            var parts = continuationToken.Split(' ');
            if (parts.Length > 2 || parts[0].Length == 0)
            {
                throw new ArgumentException("Not a continuation token from this client.", nameof(continuationToken));
            }
            Add("NextPartitionKey", parts[0]);
            if (parts.Length == 2 && parts[1].Length > 0)
            {
                Add("NextRowKey", parts[1]);
            }
        }

        using var message = CreateMessage(RequestMethod.Get, new Uri($"{serviceUri}/{Name}(){query}"));
        var response = StoragePipeline.Expect(await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false), 200);

        var entities = new List<TableEntity>();
        using (var document = JsonDocument.Parse(response.Content.ToMemory()))
        {
            if (document.RootElement.TryGetProperty("value", out var values) && values.ValueKind == JsonValueKind.Array)
            {
                foreach (var value in values.EnumerateArray())
                {
                    entities.Add(TableEntityJson.Read(value));
                }
            }
        }

        string? next = null;
        if (response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPartition) && nextPartition.Length > 0)
        {
            next = response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRow) && nextRow.Length > 0
                ? $"{nextPartition} {nextRow}"
                : nextPartition;
        }
        return Page<TableEntity>.FromValues(entities, next, response);
    }
}
