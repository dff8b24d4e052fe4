using System.Net;
using System.Net.Http.Json;
using Finance.Domain.Principals;
using Finance.Functions.Configuration;
using Finance.Functions.Http;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>Limits on callers and requests, and what a failure may say.</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task Each_principal_has_its_own_allowance_and_beyond_it_gets_429_with_retry_after()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.RateLimitPermitsPerMinute.Key] = "3" });
        var busy = TestApp.Token("busy-" + Guid.NewGuid().ToString("N")[..8]);
        var quiet = TestApp.Token("quiet-" + Guid.NewGuid().ToString("N")[..8]);

        for (var i = 0; i < 3; i++)
        {
            (await app.SendAsync(HttpMethod.Get, "api/me", busy)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        using var limited = await app.SendAsync(HttpMethod.Get, "api/me", busy);

        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60);
        (await app.SendAsync(HttpMethod.Get, "api/me", quiet)).StatusCode.Should().Be(HttpStatusCode.OK, "another principal has its own allowance");
        (await app.Client.GetAsync("api/health")).StatusCode.Should().Be(HttpStatusCode.OK, "requests without a token share a separate allowance");
    }

    [Fact]
    public async Task Requests_without_a_valid_token_share_one_allowance()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.RateLimitPermitsPerMinute.Key] = "2" });
        (await app.Client.GetAsync("api/health")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await app.SendAsync(HttpMethod.Get, "api/me", "forged")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await app.Client.GetAsync("api/me")).StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await app.SendAsync(HttpMethod.Get, "api/me", TestApp.Token("fresh-" + Guid.NewGuid().ToString("N")[..8]))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_past_the_workers_limit_is_413_problem_json_and_nothing_is_stored(bool lengthKnown)
    {
        await using var app = await TestApp.StartAsync();
        var pool = await Postings.PoolScenario.CreateAsync(app);
        var bytes = new byte[FinanceApp.MaxRequestBodyBytes + 1];
        Array.Fill(bytes, (byte)'x');
        // Without a Content-Length the body arrives chunked and the limit is found part-way through reading it.
        using HttpContent content = lengthKnown ? new ByteArrayContent(bytes) : new UnknownLength(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");

        using var response = await app.PostAsync($"{pool.Path}/imports", pool.CouncilLead, content);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, app.App.Log());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var imports = await Postings.PoolScenario.Expect(app.SendAsync(HttpMethod.Get, $"{pool.Path}/imports", pool.Auditor), HttpStatusCode.OK);
        imports.GetProperty("imports").GetArrayLength().Should().Be(0, "nothing of the body was kept");
    }

    [Fact]
    public async Task A_json_body_over_its_limit_is_413_problem_json()
    {
        await using var app = await TestApp.StartAsync();
        var admin = TestApp.Token("limits-admin", null, Role.Administrator);
        var huge = new string('x', JsonBody.DefaultMaxBytes + 1);
        using var response = await app.SendAsync(HttpMethod.Put, "api/directory/principals/limits-someone", admin,
            JsonContent.Create(new { organisations = new[] { huge }, roles = Array.Empty<string>() }));
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Theory]
    [InlineData("GET", "api/pools/riverside-place")]
    [InlineData("GET", "api/directory/principals")]
    [InlineData("GET", "api/me")]
    [InlineData("GET", "api/timers/Heartbeat")]
    public async Task A_storage_failure_is_500_problem_json_with_no_stack_trace_or_storage_error(string method, string path)
    {
        await using var storage = await StorageProxy.FailingAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.LedgerConnectionString.Key] = storage.ConnectionString });
        using var response = await app.SendAsync(new HttpMethod(method), path, TestApp.Token("limits-admin", null, Role.Administrator));

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError, app.App.Log());
        storage.Requests.Should().NotBeEmpty("the failure came from storage");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContainAny(StorageProxy.SecretDetail, "devstoreaccount1", "InternalError", "Exception", " at ", "127.0.0.1");
    }

    [Theory]
    [InlineData("GET", "api/pools/riverside-place")]
    [InlineData("GET", "api/me")]
    public async Task Storage_that_cannot_be_reached_is_503_problem_json_with_no_detail(string method, string path)
    {
        // Nothing listens on port 9 (discard): every request is refused at once.
        var unreachable =
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:9/{Azurite.AccountName};BlobEndpoint=http://127.0.0.1:9/{Azurite.AccountName};";
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { [AppSettings.LedgerConnectionString.Key] = unreachable });
        using var response = await app.SendAsync(new HttpMethod(method), path, TestApp.Token("limits-admin", null, Role.Administrator));

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().NotContainAny("devstoreaccount1", "Exception", " at ", "127.0.0.1", "refused");
    }

    /// <summary>A body sent without a Content-Length (chunked).</summary>
    private sealed class UnknownLength(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
