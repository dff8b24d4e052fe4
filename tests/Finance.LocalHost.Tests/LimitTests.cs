using System.Net;
using FluentAssertions;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>The host's own limits: request body size and waiting requests.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task A_body_over_the_limit_and_requests_beyond_the_queue_are_refused_by_the_host()
    {
        var sample = new SampleHost();
        await using var host = await FunctionsHost.StartAsync(sample.Options(o => new LocalHostOptions
        {
            AppDirectory = o.AppDirectory,
            AppSettings = o.AppSettings,
            FunctionKeys = o.FunctionKeys,
            RunTimersOnSchedule = false,
            MaxRequestBodyBytes = 1_000,
            MaxConcurrentInvocations = 1,
            MaxWaitingRequests = 1,
        }));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        using var big = new HttpRequestMessage(HttpMethod.Post, "api/echo/x") { Content = new ByteArrayContent(new byte[1_001]) };
        big.Headers.Add("x-functions-key", SampleHost.FunctionKey);
        using var refused = await client.SendAsync(big);
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        host.RecentInvocations.Should().BeEmpty("nothing reached the worker");

        // One slot and one place in the queue: of three calls arriving while the first runs, one is turned away.
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => client.GetAsync("api/slow/3000")));
        responses.Select(r => r.StatusCode).Should().BeEquivalentTo(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], SampleHost.Describe(host));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }
}
