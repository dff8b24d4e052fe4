using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Finance.Benchmarks.Harness;

/// <summary>What the app answered: status, body as text, and the Location header if any.</summary>
internal sealed record ApiAnswer(int Status, string Body, Uri? Location)
{
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}

/// <summary>An HTTP call the benchmark relies on was answered with something it did not expect. The run stops: the
/// figures would mean nothing.</summary>
internal sealed class ApiCallFailedException : Exception
{
    public ApiCallFailedException()
    {
    }

    public ApiCallFailedException(string message)
        : base(message)
    {
    }

    public ApiCallFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ApiCallFailedException(string message, string responseBody)
        : base(message) => ResponseBody = responseBody;

    public string ResponseBody { get; } = "";
}

/// <summary>
/// One caller of the app's API: its own connection pool, the function key (the host refuses function-level calls
/// without it) and one bearer token. Every POST carries a fresh Idempotency-Key, as a client must send. Bodies are JSON
/// in camelCase, nulls left out.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    /// <summary>A request slower than this has hung; the run stops rather than waiting for ever.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http;
    private readonly AuthenticationHeaderValue authorization;

    public ApiClient(Uri baseAddress, string token, string functionKey, string caller)
    {
        http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = RequestTimeout,
        };
        http.DefaultRequestHeaders.Add(AppUnderTest.FunctionKeyHeader, functionKey);
        authorization = new AuthenticationHeaderValue("Bearer", token);
        Caller = caller;
    }

    /// <summary>Who this client speaks as, for messages.</summary>
    public string Caller { get; }

    /// <param name="idempotencyKey">For a POST sent again after a refusal: the key it was first sent with; else a fresh one.</param>
    public async Task<ApiAnswer> SendAsync(
        HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = authorization;
        if (method == HttpMethod.Post)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey ?? Guid.NewGuid().ToString("N"));
        }
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(http.BaseAddress!, l)) : null;
        return new ApiAnswer((int)response.StatusCode, body, location);
    }

    public Task<ApiAnswer> SendJsonAsync(HttpMethod method, string path, object body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        var content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        return SendAsync(method, path, content, cancellationToken, idempotencyKey);
    }

    /// <summary>Sends and insists on one of <paramref name="expected"/>; anything else stops the run with the body printed.</summary>
    public async Task<ApiAnswer> ExpectAsync(HttpMethod method, string path, object? body, IReadOnlyCollection<int> expected, CancellationToken cancellationToken)
    {
        var answer = body is null
            ? await SendAsync(method, path, null, cancellationToken)
            : await SendJsonAsync(method, path, body, cancellationToken);
        return expected.Contains(answer.Status) ? answer : throw Unexpected(method, path, answer);
    }

    /// <summary>A PUT that creates or replaces: 200 or 201.</summary>
    public Task<ApiAnswer> PutAsync(string path, object body, CancellationToken cancellationToken) =>
        ExpectAsync(HttpMethod.Put, path, body, [200, 201], cancellationToken);

    public ApiCallFailedException Unexpected(HttpMethod method, string path, ApiAnswer answer) =>
        new($"{method} /{path} as {Caller} answered {answer.Status}.", answer.Body);

    public void Dispose() => http.Dispose();
}
