using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>HTTP invocations: forwarding with the invocation id, trigger metadata, failures, streaming, logs, cancellation.</summary>
public sealed class ForwardingTests(SampleHost sample) : IClassFixture<SampleHost>
{
    private FunctionsHost Host => sample.Host;

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    public async Task The_worker_sees_route_value_query_headers_body_and_the_front_doors_host(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "api/echo/pool-7?fy=2024&tag=a&tag=b")
        {
            Content = new ByteArrayContent(new byte[100_000]),
        };
        request.Headers.Add("x-functions-key", SampleHost.FunctionKey);
        request.Headers.Add("x-sample-colour", "blue");
        using var response = await sample.Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();

        echo.GetProperty("id").GetString().Should().Be("pool-7", "route values bind from the trigger metadata");
        echo.GetProperty("method").GetString().Should().Be(method);
        echo.GetProperty("host").GetString().Should().Be(Host.BaseAddress.Authority, "the worker applies X-Forwarded-Host");
        echo.GetProperty("query").GetProperty("fy").GetString().Should().Be("2024");
        echo.GetProperty("sampleHeaders").GetProperty("x-sample-colour").GetString().Should().Be("blue");
        echo.GetProperty("bodyLength").GetInt64().Should().Be(100_000);
        var invocationId = echo.GetProperty("invocationId").GetString();
        echo.GetProperty("invocationHeader").GetString().Should().Be(invocationId);
        Host.RecentInvocations.Should().Contain(i => i.InvocationId == invocationId && i.Status == InvocationStatus.Succeeded);

        var bindingData = echo.GetProperty("bindingData");
        bindingData.GetProperty("id").GetString().Should().Be("pool-7");
        bindingData.GetProperty("fy").GetString().Should().Be("2024");
        bindingData.GetProperty("tag").GetString().Should().Be("b", "the last value of a repeated parameter wins");
        var query = JsonDocument.Parse(bindingData.GetProperty("Query").GetString()!).RootElement;
        query.GetProperty("tag").GetString().Should().Be("b");
        var headers = JsonDocument.Parse(bindingData.GetProperty("Headers").GetString()!).RootElement;
        headers.GetProperty("x-sample-colour").GetString().Should().Be("blue");
        headers.TryGetProperty("x-ms-invocation-id", out _).Should().BeFalse("the real host reads the headers before adding its own");
    }

    [Fact]
    public async Task The_code_parameter_is_in_Query_but_not_bound_on_its_own()
    {
        using var response = await sample.Client.PostAsync($"api/echo/p1?code={SampleHost.FunctionKey}&fy=2025", content: null);
        response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
        var bindingData = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("bindingData");
        bindingData.TryGetProperty("code", out _).Should().BeFalse();
        JsonDocument.Parse(bindingData.GetProperty("Query").GetString()!).RootElement.GetProperty("code").GetString()
            .Should().Be(SampleHost.FunctionKey);
    }

    [Fact]
    public async Task A_json_body_adds_its_top_level_properties_as_the_real_host_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/echo/from-route")
        {
            Content = new StringContent("""{"pool":"p9","count":3,"flag":true,"nested":{"a":1},"list":[1],"id":"from-body"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-functions-key", SampleHost.FunctionKey);
        using var response = await sample.Client.SendAsync(request);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        var bindingData = echo.GetProperty("bindingData");
        bindingData.GetProperty("pool").GetString().Should().Be("p9");
        bindingData.GetProperty("count").GetString().Should().Be("3");
        bindingData.GetProperty("flag").GetString().Should().Be("True");
        JsonDocument.Parse(bindingData.GetProperty("nested").GetString()!).RootElement.GetProperty("a").GetInt32().Should().Be(1);
        bindingData.TryGetProperty("list", out _).Should().BeFalse("arrays are not binding data");
        echo.GetProperty("id").GetString().Should().Be("from-route", "route values override body properties");
        echo.GetProperty("bodyLength").GetInt64().Should().Be(request.Content.Headers.ContentLength!.Value, "the body is still forwarded whole");
    }

    [Fact]
    public async Task Fifty_parallel_requests_are_each_answered_with_their_own_invocation()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/echo/item-{i}");
            request.Headers.Add("x-functions-key", SampleHost.FunctionKey);
            using var response = await sample.Client.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
            var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (Sent: $"item-{i}", Id: echo.GetProperty("id").GetString(), Invocation: echo.GetProperty("invocationId").GetString(),
                Header: echo.GetProperty("invocationHeader").GetString());
        }));
        answers.Should().OnlyContain(a => a.Id == a.Sent && a.Header == a.Invocation);
        answers.Select(a => a.Invocation).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task A_large_body_written_to_the_response_streams_through_whole()
    {
        const int mebibytes = 24;
        using var response = await sample.Client.GetAsync($"api/stream?mb={mebibytes}", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
        response.Headers.TransferEncodingChunked.Should().BeTrue("a buffered answer would carry a Content-Length");
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81_920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)((total + i) % (64 * 1024) % 251))
                {
                    throw new InvalidDataException($"Byte {total + i} is {buffer[i]}.");
                }
            }
            total += read;
        }
        total.Should().Be(mebibytes * 1024L * 1024L);
    }

    [Fact]
    public async Task A_throwing_function_is_a_500_and_its_exception_reaches_the_log()
    {
        using var response = await sample.Client.GetAsync("api/boom");
        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError, "the worker's own answer is an empty 200");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("detail").GetString().Should().NotContain("Sample failure", "exception text stays in the log");

        var failed = Host.RecentInvocations.Last(i => i.FunctionName == "Boom");
        failed.Status.Should().Be(InvocationStatus.Failed);
        failed.FailureMessage.Should().Contain("Sample failure: the Boom function always throws.");
        Host.RecentLogs.Should().Contain(l => l.InvocationId == failed.InvocationId && l.Exception != null
            && l.Exception.Contains("Sample failure: the Boom function always throws.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_workers_log_lines_arrive_with_level_category_invocation_and_exception()
    {
        var marker = Guid.NewGuid().ToString("N");
        using var response = await sample.Client.GetAsync($"api/logs?marker={marker}");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var invocation = Host.RecentInvocations.Last(i => i.FunctionName == "Logs");

        // The worker's own ASP.NET Core lines mention the marker too (in the URL); these are the function's.
        var lines = Host.RecentLogs.Where(l => l.Message.StartsWith("Sample ", StringComparison.Ordinal)
            && l.Message.EndsWith(marker, StringComparison.Ordinal)).ToList();
        lines.Select(l => l.Level).Should().Contain([LogLevel.Information, LogLevel.Warning, LogLevel.Error]);
        lines.Should().OnlyContain(l => l.Source == WorkerLogSource.Worker && l.Category == "Sample.Logs"
            && l.InvocationId == invocation.InvocationId && l.FunctionName == "Logs");
        lines.Single(l => l.Level == LogLevel.Error).Exception.Should().Contain("Sample logged exception " + marker);
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_invocation_in_the_worker()
    {
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var call = () => sample.Client.GetAsync("api/slow/30000", gone.Token);
        await call.Should().ThrowAsync<OperationCanceledException>();

        var cancelled = await SampleHost.EventuallyAsync(
            () => Host.RecentInvocations.LastOrDefault(i => i.FunctionName == "Slow"), TimeSpan.FromSeconds(10), sample.Log);
        cancelled.Duration.Should().BeLessThan(TimeSpan.FromSeconds(10));
        cancelled.Status.Should().NotBe(InvocationStatus.Succeeded);
        Host.ProtocolMessages.Should().Contain(m => m.Kind == "InvocationCancel" && m.Subject == cancelled.InvocationId);
        Host.RecentLogs.Should().Contain(l => l.Message == $"Slow cancelled {cancelled.InvocationId}");
    }
}
