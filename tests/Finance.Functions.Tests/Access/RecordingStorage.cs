using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Finance.Storage;
using Finance.Testing;

namespace Finance.Functions.Tests.Access;

/// <summary>
/// Ledger storage whose every request is recorded: forwarded to Azurite, or, with no Azurite, answered with a storage
/// failure whose message holds <see cref="SecretDetail"/> (which must never reach a caller).
/// </summary>
public sealed class RecordingStorage : DelegatingHandler
{
    public const string SecretDetail = "SECRET-STORAGE-DETAIL";

    private readonly bool forward;

    private RecordingStorage(bool forward)
    {
        this.forward = forward;
        if (forward)
        {
            InnerHandler = new HttpClientHandler();
        }
    }

    public ConcurrentQueue<(HttpMethod Method, string Uri, string Body)> Requests { get; } = new();

    /// <summary>Storage that fails every request, recording each.</summary>
    public static (RecordingStorage Recorder, LedgerStorage Storage) Failing() =>
        Create(new RecordingStorage(forward: false),
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:9/{Azurite.AccountName};BlobEndpoint=http://127.0.0.1:9/{Azurite.AccountName};");

    /// <summary>The shared Azurite, every request recorded on the way.</summary>
    public static async Task<(RecordingStorage Recorder, LedgerStorage Storage)> AzuriteAsync() =>
        Create(new RecordingStorage(forward: true), (await Azurite.SharedAsync()).ConnectionString);

    private static (RecordingStorage, LedgerStorage) Create(RecordingStorage recorder, string connectionString)
    {
        return (recorder, LedgerStorage.ForConnectionString(connectionString, options =>
        {
            options.Transport = new HttpClientTransport(new HttpClient(recorder));
            options.Retry.MaxRetries = 0;
        }));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Enqueue((request.Method, Uri.UnescapeDataString(request.RequestUri!.ToString()), body));
        if (forward)
        {
            return await base.SendAsync(request, cancellationToken);
        }
        return new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            Content = new StringContent(
                "{\"odata.error\":{\"code\":\"InternalError\",\"message\":{\"lang\":\"en-US\",\"value\":\"" + SecretDetail + " in account " + Azurite.AccountName + "\"}}}",
                Encoding.UTF8, "application/json"),
            Headers = { { "x-ms-error-code", "InternalError" } },
        };
    }
}
