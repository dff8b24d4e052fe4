using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Finance.Storage.Http;

/// <summary>
/// One Azure.Core pipeline per service client: retries and network time-out from <see cref="StorageClientOptions"/>,
/// then authorisation per attempt. Every non-success answer becomes a <see cref="RequestFailedException"/> carrying
/// the service's status and error code.
/// </summary>
internal sealed class StoragePipeline
{
    /// <summary>Table service version; the newest the Table REST API defines and the one Azure.Data.Tables sends.</summary>
    public const string TableServiceVersion = "2019-02-02";

    /// <summary>Blob service version; Azurite 3.37 accepts it.</summary>
    public const string BlobServiceVersion = "2021-12-02";

    private readonly HttpPipeline pipeline;
    private readonly string serviceVersion;

    public StoragePipeline(StorageConnection connection, StorageService service, StorageClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Options = options ?? new StorageClientOptions();
        var pipelineOptions = new HttpPipelineOptions(Options) { RequestFailedDetailsParser = StorageErrorParser.Instance };
        pipelineOptions.PerRetryPolicies.Add(connection.CreateAuthenticationPolicy(service));
        pipeline = HttpPipelineBuilder.Build(pipelineOptions);
        serviceVersion = service == StorageService.Table ? TableServiceVersion : BlobServiceVersion;
    }

    public StorageClientOptions Options { get; }

    public HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue("x-ms-version", serviceVersion);
        return message;
    }

    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    /// <summary>Throws the service's error unless the status is one of those expected.</summary>
    public static Response Expect(Response response, int status, int otherStatus = -1)
    {
        if (response.Status != status && response.Status != otherStatus)
        {
            throw Failure(response);
        }
        return response;
    }

    public static RequestFailedException Failure(Response response) =>
        new(response, innerException: null, StorageErrorParser.Instance);

    /// <summary>The error code of a failed response without building an exception (for the *IfExists/IfNotExists paths).</summary>
    public static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var code))
        {
            return code;
        }
        return StorageErrorParser.ParseBody(response).Code;
    }
}
