using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Finance.Benchmarks.Harness;

/// <summary>
/// The HTTP side of a load run: one connection pool with a connection per client (so no client waits for another's
/// connection), the function key, one bearer token (none for a raw baseline), and a reusable receive buffer per client. Bodies are read to the end, as a client
/// would, and counted but not kept.
/// </summary>
internal sealed class LoadHttpClient : IDisposable
{
    /// <summary>Receive buffer per client; larger bodies are read in pieces.</summary>
    private const int BufferBytes = 64 * 1024;

    /// <summary>How much of an unexpected body goes into the report.</summary>
    private const int ErrorBodyChars = 300;

    private readonly HttpClient http;
    private readonly AuthenticationHeaderValue? authorization;
    private readonly string? functionKey;
    private readonly byte[][] buffers;

    public LoadHttpClient(Uri baseAddress, string? token, string? functionKey, int clients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(clients, 1);
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            // Loopback: a proxy from the environment would measure the proxy.
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = ApiClient.RequestTimeout,
        };
        authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        this.functionKey = functionKey;
        buffers = [.. Enumerable.Range(0, clients).Select(_ => new byte[BufferBytes])];
    }

    /// <summary>What a single GET answered: status, ETag, content type and body (for the checks before a run).</summary>
    public async Task<(int Status, string? ETag, string? ContentType, byte[] Body)> GetOnceAsync(string path, CancellationToken cancellationToken)
    {
        using var request = Request(path, ifNoneMatch: null);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return ((int)response.StatusCode, response.Headers.ETag?.ToString(), response.Content.Headers.ContentType?.MediaType, body);
    }

    /// <summary>GET <paramref name="path"/> (with If-None-Match when given); anything but <paramref name="expectedStatus"/> is an error.</summary>
    public LoadOperation Get(string path, int expectedStatus, string? ifNoneMatch = null) => async (client, cancellationToken) =>
    {
        using var request = Request(path, ifNoneMatch);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var buffer = buffers[client];
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        long size = 0;
        var firstRead = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (size == 0)
            {
                firstRead = read;
            }
            size += read;
        }
        var status = (int)response.StatusCode;
        return status == expectedStatus
            ? new LoadAnswer(size)
            // The buffer holds the body's start only if one read took it all.
            : new LoadAnswer(size, size == firstRead ? $"{status}: {Encoding.UTF8.GetString(buffer, 0, Math.Min(firstRead, ErrorBodyChars))}" : $"{status}");
    };

    private HttpRequestMessage Request(string path, string? ifNoneMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        if (functionKey is not null)
        {
            request.Headers.Add(AppUnderTest.FunctionKeyHeader, functionKey);
        }
        if (ifNoneMatch is not null)
        {
            // The ETag is weak (W/"..."), sent back exactly as received.
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        return request;
    }

    public void Dispose() => http.Dispose();
}
