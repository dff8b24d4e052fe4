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

        // One slot and one place in the queue: the third of three slow calls is turned away at once.
        var slow = Enumerable.Range(0, 2).Select(_ => client.GetAsync("api/slow/1500")).ToList();
        await SampleHost.EventuallyAsync(() => host.RecentLogs.Any(l => l.Message.Contains("Request starting", StringComparison.Ordinal)) ? "" : null,
            TimeSpan.FromSeconds(10), () => SampleHost.Describe(host));
        using var third = await client.GetAsync("api/slow/1");
        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        foreach (var response in await Task.WhenAll(slow))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            response.Dispose();
        }
    }
}
