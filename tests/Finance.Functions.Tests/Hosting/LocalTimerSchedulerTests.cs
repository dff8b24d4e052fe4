using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Finance.Domain.Principals;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Functions.Tests.Access;
using FluentAssertions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Xunit;

namespace Finance.Functions.Tests.Hosting;

/// <summary>The scheduler's parts: which timers it fires, the payload it sends and its loop, on a clock that jumps.</summary>
public sealed class LocalTimerSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 5, 59, 59, 500, TimeSpan.Zero);

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.ToDictionary(v => v.Key, v => (string?)v.Value)).Build();

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("false", false)]
    public void The_setting_is_off_unless_true(string? value, bool expected)
    {
        var configuration = value is null ? Settings() : Settings((AppSettings.TimersRunInProcess.Key, value));
        LocalTimerScheduler.RunsInProcess(configuration).Should().Be(expected);
    }

    [Fact]
    public void A_malformed_setting_is_a_start_up_error()
    {
        var act = () => LocalTimerScheduler.RunsInProcess(Settings((AppSettings.TimersRunInProcess.Key, "yes")));
        act.Should().Throw<InvalidOperationException>().WithMessage("Timers__RunInProcess is 'yes'*");
    }

    [Fact]
    public void Every_mapped_timer_is_found_with_its_schedule_resolved_from_settings()
    {
        using var app = FunctionApp.Build([]);
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).ToList();
        var logger = new ListLogger();

        var timers = LocalTimerScheduler.Resolve(endpoints, Settings(("Heartbeat:Schedule", "*/10 * * * * *"), ("Close:Schedule", "0 0 6 * * *")), logger);

        timers.Select(t => (t.Name, t.Schedule.Expression)).Should().Equal(
            ("Heartbeat", "*/10 * * * * *"), ("MonthEndClose", "0 0 6 * * *"), ("ResumeImports", "0 */2 * * * *"));
        logger.Lines.Should().BeEmpty();
        app.Functions().Where(f => f.Function.Trigger is TimerFunctionTrigger).Select(f => f.Function.Name)
            .Should().BeEquivalentTo(timers.Select(t => t.Name), "the scheduler fires exactly the timers function.json declares");
    }

    [Fact]
    public void A_timer_whose_schedule_is_unset_or_malformed_is_logged_and_not_fired()
    {
        using var app = FunctionApp.Build([]);
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).ToList();
        var logger = new ListLogger();

        var timers = LocalTimerScheduler.Resolve(endpoints, Settings(("Heartbeat:Schedule", "0 61 * * * *")), logger);

        timers.Select(t => t.Name).Should().Equal("ResumeImports");
        logger.Lines.Should().HaveCount(2);
        logger.Lines.Should().Contain(l => l.StartsWith("Error: Timer Heartbeat is not fired") && l.Contains("the minute field '61'"));
        logger.Lines.Should().Contain(l => l.StartsWith("Error: Timer MonthEndClose is not fired") && l.Contains("Close__Schedule is not set"));
    }

    [Fact]
    public void The_payload_is_what_the_host_sends_and_the_handler_reads()
    {
        var due = new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);
        var payload = LocalTimerScheduler.Payload("Heartbeat", due, due.AddDays(-1), due.AddDays(1));

        payload["Metadata"]!["sys"]!["MethodName"]!.GetValue<string>().Should().Be("Heartbeat");
        payload["Data"]!["timer"]!["IsPastDue"]!.GetValue<bool>().Should().BeFalse();
        var invocation = TimerInvocation.Parse("Heartbeat", JsonNode.Parse(payload.ToJsonString()), Instant.FromUtc(2000, 1, 1, 0, 0));
        invocation.IsPastDue.Should().BeFalse();
        invocation.InvokedAt.Should().Be(Instant.FromUtc(2026, 11, 23, 6, 0));
        invocation.ScheduledLast.Should().Be(Instant.FromUtc(2026, 11, 22, 6, 0));
        invocation.ScheduledNext.Should().Be(Instant.FromUtc(2026, 11, 24, 6, 0));

        var first = TimerInvocation.Parse("Heartbeat", JsonNode.Parse(LocalTimerScheduler.Payload("Heartbeat", due, null, null).ToJsonString()), Instant.MinValue);
        first.ScheduledLast.Should().BeNull("nothing fired before the first firing since the handler started");
    }

    [Fact]
    public async Task Each_occurrence_is_posted_in_turn_with_the_hosts_payload()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var handler = new RecordingHandler(_ => Envelope("Heartbeat ran."), stopAfter: 3, stop);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://handler/") };
        var logger = new ListLogger();

        await LocalTimerScheduler.RunAsync(Timer("Heartbeat", "0 0 6 * * *"), client, new JumpingTime(Start), logger, stop.Token);

        handler.Requests.Should().HaveCount(3);
        handler.Requests.Select(r => r.Path).Should().AllBe("/Heartbeat");
        var invocations = handler.Requests.Select(r => TimerInvocation.Parse("Heartbeat", JsonNode.Parse(r.Body), Instant.MinValue)).ToList();
        invocations.Select(i => i.InvokedAt).Should().Equal(Instant.FromUtc(2026, 1, 31, 6, 0), Instant.FromUtc(2026, 2, 1, 6, 0), Instant.FromUtc(2026, 2, 2, 6, 0));
        invocations.Select(i => i.ScheduledLast).Should().Equal(null, Instant.FromUtc(2026, 1, 31, 6, 0), Instant.FromUtc(2026, 2, 1, 6, 0));
        invocations.Select(i => i.ScheduledNext).Should().Equal(Instant.FromUtc(2026, 2, 1, 6, 0), Instant.FromUtc(2026, 2, 2, 6, 0), Instant.FromUtc(2026, 2, 3, 6, 0));
        invocations.Should().OnlyContain(i => !i.IsPastDue);
        logger.Lines.Where(l => l == "Information: Heartbeat: Heartbeat ran.").Should().HaveCount(3, "the envelope's logs are logged");
    }

    [Fact]
    public async Task A_failing_invocation_is_logged_and_the_schedule_goes_on()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var calls = 0;
        var handler = new RecordingHandler(
            _ => Interlocked.Increment(ref calls) switch
            {
                1 => throw new HttpRequestException("Connection refused"),
                2 => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("boom") },
                3 => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("not json") },
                _ => Envelope("fine"),
            },
            stopAfter: 4, stop);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://handler/") };
        var logger = new ListLogger();

        await LocalTimerScheduler.RunAsync(Timer("ResumeImports", "0 */2 * * * *"), client, new JumpingTime(Start), logger, stop.Token);

        handler.Requests.Select(r => JsonNode.Parse(r.Body)!["Metadata"]!["sys"]!["UtcNow"]!.GetValue<string>()).Should().Equal(
            "2026-01-31T06:00:00.0000000+00:00", "2026-01-31T06:02:00.0000000+00:00", "2026-01-31T06:04:00.0000000+00:00", "2026-01-31T06:06:00.0000000+00:00");
        logger.Lines.Should().Contain(l => l.StartsWith("Error: Timer ResumeImports for 2026-01-31T06:00:00") && l.Contains("failed") && l.Contains("Connection refused"));
        logger.Lines.Should().Contain("Error: Timer ResumeImports for 2026-01-31T06:02:00.0000000+00:00 answered 500: boom");
        logger.Lines.Should().Contain(l => l.StartsWith("Error: Timer ResumeImports for 2026-01-31T06:04:00") && l.Contains("failed"));
        logger.Lines.Should().Contain("Information: ResumeImports: fine");
    }

    [Fact]
    public async Task A_schedule_that_never_comes_stops_its_timer_with_a_warning()
    {
        var handler = new RecordingHandler(_ => Envelope("never"), stopAfter: 1, null);
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://handler/") };
        var logger = new ListLogger();

        await LocalTimerScheduler.RunAsync(Timer("MonthEndClose", "0 0 0 30 2 *"), client, new JumpingTime(Start), logger, CancellationToken.None);

        handler.Requests.Should().BeEmpty();
        logger.Lines.Should().Equal("Warning: Timer MonthEndClose (0 0 0 30 2 *) does not fire within 5 years; not firing it");
    }

    internal static LocalTimerScheduler.ScheduledTimer Timer(string name, string expression) => new(name, NCrontab.Parse(expression));

    internal static HttpResponseMessage Envelope(params string[] logs) => new(HttpStatusCode.OK)
    {
        Content = JsonContent.Create(new InvocationResponse(new Dictionary<string, object?>(), logs, null)),
    };

    /// <summary>A clock whose waits take no time: a timer moves the clock to its due time and fires at once.</summary>
    private sealed class JumpingTime(DateTimeOffset start) : TimeProvider
    {
        private long utcTicks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref utcTicks), TimeSpan.Zero);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Add(ref utcTicks, dueTime.Ticks);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new FiredTimer();
        }

        private sealed class FiredTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}

/// <summary>The scheduler in the app: on, it fires the heartbeat through the app's own route; off (the default), nothing.</summary>
public sealed class LocalTimerSchedulerAppTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>Starts the app with <paramref name="settings"/>, its scheduler reaching the in-memory server through <paramref name="recorder"/>.</summary>
    private static Task<TestApp> StartAsync(RecordingHandler recorder, Dictionary<string, string?> settings) =>
        TestApp.StartAsync(settings, configure: builder => builder.Services.AddSingleton(services => new LocalTimerTransport(() =>
        {
            recorder.InnerHandler = ((TestServer)services.GetRequiredService<IServer>()).CreateHandler();
            recorder.ClientsCreated++;
            return new HttpClient(recorder) { BaseAddress = new Uri("http://localhost/") };
        })));

    [Fact]
    public async Task With_the_setting_on_the_heartbeat_fires_on_its_schedule()
    {
        var startedAt = DateTimeOffset.UtcNow;
        var recorder = new RecordingHandler(null, stopAfter: int.MaxValue, null);
        await using var app = await StartAsync(recorder, new Dictionary<string, string?>
        {
            [AppSettings.TimersRunInProcess.Key] = "true",
            [AppSettings.HeartbeatSchedule.Key] = "* * * * * *",
            // A date that never comes, so month end cannot run against the shared storage during the test.
            [AppSettings.CloseSchedule.Key] = "0 0 0 30 2 *",
        });
        var admin = TestApp.Token("timers-admin", null, Role.Administrator);

        JsonElement? run = null;
        for (var waited = TimeSpan.Zero; waited < Patience && run is null; waited += TimeSpan.FromMilliseconds(200))
        {
            await Task.Delay(200);
            using var response = await app.SendAsync(HttpMethod.Get, "api/timers/Heartbeat", admin);
            if (response.StatusCode == HttpStatusCode.OK && await response.Content.ReadFromJsonAsync<JsonElement>() is var found
                && found.GetProperty("scheduledNext").ValueKind == JsonValueKind.String
                && DateTimeOffset.Parse(found.GetProperty("lastRunAt").GetString()!, CultureInfo.InvariantCulture) >= startedAt.AddSeconds(-1))
            {
                run = found;
            }
        }

        run.Should().NotBeNull("the heartbeat fires every second once the app has started");
        var lastRunAt = DateTimeOffset.Parse(run!.Value.GetProperty("lastRunAt").GetString()!, CultureInfo.InvariantCulture);
        lastRunAt.Millisecond.Should().Be(0, "sys.UtcNow is the scheduled whole second");
        DateTimeOffset.Parse(run.Value.GetProperty("scheduledNext").GetString()!, CultureInfo.InvariantCulture).Should().Be(lastRunAt.AddSeconds(1));
        run.Value.GetProperty("lastWasPastDue").GetBoolean().Should().BeFalse();
        recorder.ClientsCreated.Should().Be(1);
        recorder.Requests.Should().Contain(r => r.Path == "/Heartbeat" && r.Status == HttpStatusCode.OK);
        recorder.Requests.Should().NotContain(r => r.Path == "/MonthEndClose");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    public async Task With_the_setting_off_nothing_fires(string? setting)
    {
        var recorder = new RecordingHandler(null, stopAfter: int.MaxValue, null);
        await using var app = await StartAsync(recorder, new Dictionary<string, string?>
        {
            [AppSettings.TimersRunInProcess.Key] = setting,
            [AppSettings.HeartbeatSchedule.Key] = "* * * * * *",
        });

        // With the setting on, the every-second heartbeat fires within about a second of start.
        await Task.Delay(TimeSpan.FromSeconds(2));

        recorder.ClientsCreated.Should().Be(0);
        recorder.Requests.Should().BeEmpty();
    }
}

/// <summary>Records each request the scheduler sends and answers it with <c>answer</c>, or passes it to the inner handler.
/// A request after the first <c>stopAfter</c> cancels <c>stop</c> (stopping the scheduler) and is not recorded.</summary>
internal sealed class RecordingHandler(Func<HttpRequestMessage, HttpResponseMessage>? answer, int stopAfter, CancellationTokenSource? stop) : DelegatingHandler
{
    public ConcurrentQueue<(string Path, string Body, HttpStatusCode? Status)> Requests { get; } = new();

    public int ClientsCreated { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Requests.Count >= stopAfter && stop is not null)
        {
            await stop.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        try
        {
            var response = answer is null ? await base.SendAsync(request, cancellationToken) : answer(request);
            Requests.Enqueue((path, body, response.StatusCode));
            return response;
        }
        catch (HttpRequestException)
        {
            Requests.Enqueue((path, body, null));
            throw;
        }
    }
}

/// <summary>Keeps what is logged as "Level: message".</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var line = $"{logLevel}: {formatter(state, exception)}";
        lines.Enqueue(logLevel >= LogLevel.Error && exception is not null ? $"{line} ({exception.Message})" : line);
    }
}
