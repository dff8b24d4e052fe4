using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>The worker dies and comes back; it is restarted cleanly on request.</summary>
public sealed class WorkerLifecycleTests(SampleHost sample) : IClassFixture<SampleHost>
{
    private FunctionsHost Host => sample.Host;

    [Fact]
    public async Task A_killed_worker_is_restarted_and_serves_again()
    {
        await Host.WaitForWorkerAsync(TimeSpan.FromSeconds(30));
        var first = Host.WorkerProcessId!.Value;
        var starts = Host.WorkerStarts;

        await Host.KillWorkerAsync();
        ProcessIsGone(first).Should().BeTrue();
        await Host.WaitForWorkerAsync(TimeSpan.FromSeconds(30));

        Host.WorkerProcessId.Should().NotBeNull().And.NotBe(first);
        Host.WorkerStarts.Should().Be(starts + 1);
        Host.LastWorkerExitCode.Should().NotBe(0, "it was killed");
        using var response = await sample.Client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
        var status = await StatusAsync();
        status.GetProperty("state").GetString().Should().Be("Running");
        status.GetProperty("worker").GetProperty("processId").GetInt32().Should().Be(Host.WorkerProcessId!.Value);
    }

    [Fact]
    public async Task A_restart_stops_the_worker_with_WorkerTerminate_and_it_exits_0()
    {
        await Host.WaitForWorkerAsync(TimeSpan.FromSeconds(30));
        var first = Host.WorkerProcessId!.Value;
        await Host.RestartWorkerAsync();

        Host.LastWorkerExitCode.Should().Be(0, sample.Log());
        ProcessIsGone(first).Should().BeTrue();
        Host.WorkerProcessId.Should().NotBe(first);
        using var response = await sample.Client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task<JsonElement> StatusAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/host/status");
        request.Headers.Add("x-functions-key", SampleHost.MasterKey);
        using var response = await sample.Client.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static bool ProcessIsGone(int id)
    {
        try
        {
            using var process = Process.GetProcessById(id);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}

/// <summary>Hosts started and stopped inside the test: shutdown, a worker left dead, a worker that cannot start.</summary>
public sealed class ShutdownTests
{
    private readonly SampleHost settings = new();

    [Fact]
    public async Task Disposing_the_host_terminates_the_worker_and_it_exits_0()
    {
        var host = await FunctionsHost.StartAsync(settings.Options());
        var worker = host.WorkerProcessId!.Value;
        var clock = Stopwatch.StartNew();
        await host.DisposeAsync();

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the worker stops on WorkerTerminate, well inside the grace period");
        host.LastWorkerExitCode.Should().Be(0, SampleHost.Describe(host));
        WorkerLifecycleTests.ProcessIsGone(worker).Should().BeTrue();
        host.RecentLogs.Should().Contain(l => l.Message.Contains("exited with code 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_restarts_a_dead_worker_is_reported_and_requests_get_503()
    {
        await using var host = await FunctionsHost.StartAsync(settings.Options(o => new LocalHostOptions
        {
            AppDirectory = o.AppDirectory,
            AppSettings = o.AppSettings,
            MasterKey = o.MasterKey,
            RunTimersOnSchedule = false,
            RestartWorkerOnExit = false,
        }));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        await host.KillWorkerAsync();
        await SampleHost.EventuallyAsync(() => host.WorkerState == WorkerState.Stopped ? "" : null, TimeSpan.FromSeconds(5), () => SampleHost.Describe(host));

        using var response = await client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        using var request = new HttpRequestMessage(HttpMethod.Get, "admin/host/status");
        request.Headers.Add("x-functions-key", SampleHost.MasterKey);
        using var statusResponse = await client.SendAsync(request);
        var status = await statusResponse.Content.ReadFromJsonAsync<JsonElement>();
        status.GetProperty("state").GetString().Should().Be("Error");
        status.GetProperty("worker").GetProperty("state").GetString().Should().Be("Stopped");
        status.GetProperty("worker").TryGetProperty("processId", out _).Should().BeFalse();
        host.WorkerProcessId.Should().BeNull();
    }

    [Fact]
    public async Task A_worker_that_cannot_start_fails_the_start_with_its_output()
    {
        var app = Directory.CreateTempSubdirectory("localhost-broken-app-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(app, "worker.config.json"),
                """{"description": {"defaultExecutablePath": "dotnet", "defaultWorkerPath": "Missing.dll"}}""");
            var start = () => FunctionsHost.StartAsync(new LocalHostOptions { AppDirectory = app, WorkerStartTimeoutSeconds = 30 });
            var failure = await start.Should().ThrowAsync<InvalidOperationException>();
            failure.Which.Message.Should().Contain("exited with code").And.Contain("Missing.dll");
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }
}
