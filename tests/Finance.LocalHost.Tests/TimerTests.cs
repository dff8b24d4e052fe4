using System.Globalization;
using System.Net;
using System.Text;
using FluentAssertions;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>Timers on their schedule: every second, each run 1.5 s, so overlapping runs would show.</summary>
public sealed class TimerScheduleTests(EverySecondTimerHost sample) : IClassFixture<EverySecondTimerHost>
{
    private FunctionsHost Host => sample.Host;

    [Fact]
    public async Task A_timer_fires_on_its_schedule_one_run_at_a_time_with_on_demand_runs_queued_behind()
    {
        var onDemand = Host.InvokeTimerAsync("Heartbeat", isPastDue: true);
        var runs = await SampleHost.EventuallyAsync(
            () => Host.RecentInvocations.Where(i => i.FunctionName == "Heartbeat").ToList() is { Count: >= 4 } enough ? enough : null,
            TimeSpan.FromSeconds(20), sample.Log);
        (await onDemand).Status.Should().Be(InvocationStatus.Succeeded);

        runs.Should().OnlyContain(r => r.Status == InvocationStatus.Succeeded && r.Duration >= TimeSpan.FromSeconds(1.4));
        var ordered = runs.OrderBy(r => r.StartedAt).ToList();
        foreach (var (earlier, later) in ordered.Zip(ordered.Skip(1)))
        {
            later.StartedAt.Should().BeOnOrAfter(earlier.EndedAt - TimeSpan.FromMilliseconds(5), "one run of a timer at a time");
        }

        var lines = Host.RecentLogs.Where(l => l.Message.StartsWith("Heartbeat ", StringComparison.Ordinal)).ToList();
        lines.Count(l => l.Message.Contains("IsPastDue=True", StringComparison.Ordinal)).Should().Be(1, "only the on-demand run was late");
        lines.Should().Contain(l => l.Message.Contains("IsPastDue=False", StringComparison.Ordinal));
        // As the real host: a schedule that fires more than once a minute keeps no schedule status.
        lines.Should().OnlyContain(l => l.Message.Contains("Last=(null)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_on_startup_timer_ran_once_when_the_host_started()
    {
        await SampleHost.EventuallyAsync(() => Host.RecentInvocations.FirstOrDefault(i => i.FunctionName == "OnStartup"),
            TimeSpan.FromSeconds(10), sample.Log);
        Host.RecentInvocations.Where(i => i.FunctionName == "OnStartup").Should().ContainSingle()
            .Which.Status.Should().Be(InvocationStatus.Succeeded);
        Host.RecentLogs.Should().Contain(l => l.Message == "OnStartup ran IsPastDue=False");
    }
}

/// <summary>Timers on demand (schedules off): the host's admin endpoint and the library call, late runs included.</summary>
public sealed class TimerOnDemandTests(DailyTimerHost sample) : IClassFixture<DailyTimerHost>
{
    private FunctionsHost Host => sample.Host;

    [Fact]
    public async Task A_late_run_on_demand_carries_IsPastDue_and_the_schedule_status()
    {
        var outcome = await Host.InvokeTimerAsync("Heartbeat", isPastDue: true);
        outcome.Status.Should().Be(InvocationStatus.Succeeded, sample.Log());

        var nextMidnight = DateTime.UtcNow.Date.AddDays(1).ToString("o", CultureInfo.InvariantCulture);
        var line = Host.RecentLogs.Single(l => l.InvocationId == outcome.InvocationId && l.Message.StartsWith("Heartbeat ", StringComparison.Ordinal));
        line.Message.Should().Contain("IsPastDue=True")
            .And.Contain("Last=0001-01-01T00:00:00.0000000Z", "the status of a timer that never ran on its schedule")
            .And.Contain($"Next={nextMidnight}");
    }

    [Theory]
    [InlineData("""{"input":"{\"IsPastDue\":true}"}""", "IsPastDue=True")]
    [InlineData("""{"input":""}""", "IsPastDue=False")]
    public async Task The_admin_endpoint_runs_a_timer_and_answers_202(string body, string expected)
    {
        var before = Host.RecentInvocations.Count(i => i.FunctionName == "Heartbeat");
        using var response = await PostAsync("admin/functions/Heartbeat", body, SampleHost.MasterKey);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();

        var run = await SampleHost.EventuallyAsync(
            () => Host.RecentInvocations.Where(i => i.FunctionName == "Heartbeat").Skip(before).FirstOrDefault(),
            TimeSpan.FromSeconds(10), sample.Log);
        Host.RecentLogs.Should().Contain(l => l.InvocationId == run.InvocationId && l.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("admin/functions/Heartbeat", null, HttpStatusCode.Unauthorized)]
    [InlineData("admin/functions/Heartbeat", SampleHost.FunctionKey, HttpStatusCode.Unauthorized)]
    [InlineData("admin/functions/NoSuchFunction", SampleHost.MasterKey, HttpStatusCode.NotFound)]
    [InlineData("admin/functions/Health", SampleHost.MasterKey, HttpStatusCode.BadRequest)]
    public async Task The_admin_endpoint_refuses_what_it_cannot_run(string path, string? key, HttpStatusCode expected)
    {
        using var response = await PostAsync(path, """{"input":""}""", key);
        response.StatusCode.Should().Be(expected);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task With_schedules_off_nothing_fires_by_itself()
    {
        await Task.Delay(200);
        Host.RecentInvocations.Should().NotContain(i => i.FunctionName == "OnStartup");
        var unknown = () => Host.InvokeTimerAsync("Health");
        await unknown.Should().ThrowAsync<ArgumentException>();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }
        return await sample.Client.SendAsync(request);
    }
}
