using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Finance.Testing;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>The handler answers the Functions host's two protocols: forwarded HTTP requests and timer invocations.</summary>
public sealed class HostProtocolTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Health_is_anonymous_and_reports_storage_reachable()
    {
        using var response = await Client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("healthy");
        body.GetProperty("tables").GetString().Should().Be("ok");
        body.GetProperty("blobs").GetString().Should().Be("ok");
    }

    [Fact]
    public async Task Health_is_503_when_storage_is_unreachable()
    {
        var closedPort = FreePorts.Take(1)[0];
        await using var app = await AppProcess.StartAsync(new Dictionary<string, string>(DevTokens.AppSettings)
        {
            ["LedgerStorage__ConnectionString"] =
                $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
                $"TableEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};BlobEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};",
        }, waitForHealthy: false);
        using var response = await app.Client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("unreachable").And.NotContain("Exception").And.NotContain(closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A function that needs storage answers 503 (try again later): no exception, no storage error, no address.
        using var read = new HttpRequestMessage(HttpMethod.Get, "api/pools/riverside-place");
        read.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await DevTokens.MintAsync("e2e-admin", [], "Administrator"));
        using var failed = await app.Client.SendAsync(read);
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        failed.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await failed.Content.ReadAsStringAsync()).Should().NotContainAny("Exception", " at ", closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "devstoreaccount1");
    }

    [Fact]
    public async Task A_timer_invocation_gets_the_hosts_response_envelope_and_records_the_run()
    {
        var payload = TimerPayload(isPastDue: false, utcNow: "2026-11-23T06:00:00.0123456Z");
        using var first = await Client.PostAsync("Heartbeat", payload);
        first.StatusCode.Should().Be(HttpStatusCode.OK);
        var envelope = await first.Content.ReadFromJsonAsync<JsonElement>();
        envelope.GetProperty("Outputs").EnumerateObject().Should().BeEmpty();
        envelope.GetProperty("Logs").EnumerateArray().Should().ContainSingle().Which.GetString().Should().Contain("Heartbeat");
        envelope.GetProperty("ReturnValue").ValueKind.Should().Be(JsonValueKind.Null);

        var auditor = await fixture.ClientForAsync("e2e-auditor", [], "Auditor");
        var before = await auditor.GetFromJsonAsync<JsonElement>("api/timers/Heartbeat");
        // A late firing (IsPastDue) is harmless: it records another run and says it was late.
        using var late = await Client.PostAsync("Heartbeat", TimerPayload(isPastDue: true, utcNow: "2026-11-23T07:30:00Z"));
        late.StatusCode.Should().Be(HttpStatusCode.OK);
        var after = await auditor.GetFromJsonAsync<JsonElement>("api/timers/Heartbeat");
        after.GetProperty("runs").GetInt64().Should().Be(before.GetProperty("runs").GetInt64() + 1);
        after.GetProperty("lastWasPastDue").GetBoolean().Should().BeTrue();
        after.GetProperty("lastRunAt").GetString().Should().Be("2026-11-23T07:30:00Z");
        after.GetProperty("scheduledNext").GetString().Should().Be("2026-11-23T06:05:00Z");
    }

    [Fact]
    public async Task Timer_data_sent_as_json_text_is_understood_too()
    {
        var timer = JsonSerializer.Serialize(new { Schedule = new { AdjustForDST = true }, IsPastDue = false });
        var body = JsonSerializer.Serialize(new { Data = new { timer }, Metadata = new { } });
        using var response = await Client.PostAsync("Heartbeat", new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"Data\":{}}")]
    [InlineData("{\"Data\":{\"timer\":{\"IsPastDue\":\"yes\"}}}")]
    [InlineData("{\"Data\":{\"timer\":{\"ScheduleStatus\":{\"Next\":\"tomorrow\"}}}}")]
    public async Task A_malformed_timer_payload_is_400_problem_json(string body)
    {
        using var response = await Client.PostAsync("Heartbeat", new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task An_unknown_route_is_404_problem_json()
    {
        using var response = await Client.GetAsync("api/no-such-thing");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    internal static StringContent TimerPayload(bool isPastDue, string utcNow) => new(
        $$"""
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": { "Last": "2026-11-23T05:55:00+00:00", "Next": "2026-11-23T06:05:00+00:00", "LastUpdated": "2026-11-23T05:55:00+00:00" },
              "IsPastDue": {{(isPastDue ? "true" : "false")}}
            }
          },
          "Metadata": {
            "sys": { "MethodName": "Heartbeat", "UtcNow": "{{utcNow}}", "RandGuid": "{{Guid.NewGuid()}}" }
          }
        }
        """, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_month_end_timer_answers_the_host_with_its_logs_before_and_on_the_working_day()
    {
        using var early = await Client.PostAsync("MonthEndClose", TimerPayload(isPastDue: false, utcNow: "2024-05-02T06:00:00Z"));
        early.StatusCode.Should().Be(HttpStatusCode.OK);
        var notDue = await early.Content.ReadFromJsonAsync<JsonElement>();
        notDue.GetProperty("Logs")[0].GetString().Should().Contain("not due");
        notDue.GetProperty("ReturnValue").ValueKind.Should().Be(JsonValueKind.Null);

        using var due = await Client.PostAsync("MonthEndClose", TimerPayload(isPastDue: true, utcNow: "2024-05-10T06:00:00Z"));
        due.StatusCode.Should().Be(HttpStatusCode.OK);
        var ran = await due.Content.ReadFromJsonAsync<JsonElement>();
        ran.GetProperty("Logs")[0].GetString().Should().StartWith("Month end for 2024/25 M1:");
        var auditor = await fixture.ClientForAsync("e2e-month-end-auditor", [], "Auditor");
        var report = await auditor.GetFromJsonAsync<JsonElement>("api/month-end/runs/latest");
        report.GetProperty("period").GetString().Should().Be("2024/25 M1");
        report.GetProperty("isPastDue").GetBoolean().Should().BeTrue();
    }
}
