using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.LocalHost;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// The packaged worker under the Functions host's protocol: function keys at the host's front door, HTTP forwarded to
/// the worker, timers fired by the host on their schedules and on demand, the admin API, a worker that dies.
/// </summary>
public sealed class HostTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Health_is_anonymous_needs_no_key_and_reports_storage_reachable()
    {
        using var keyless = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        using var response = await keyless.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("healthy");
        body.GetProperty("tables").GetString().Should().Be("ok");
        body.GetProperty("blobs").GetString().Should().Be("ok");
    }

    [Fact]
    public async Task Without_the_function_key_the_host_refuses_every_other_function_even_with_a_token()
    {
        using var keyless = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        keyless.DefaultRequestHeaders.Authorization = new("Bearer", await DevTokens.MintAsync("e2e-admin", [], "Administrator"));
        foreach (var path in new[] { "api/me", "api/pools/riverside-place", "api/openapi.json" })
        {
            using var response = await keyless.GetAsync(path);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, path);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "api/me");
        wrongKey.Headers.Add("x-functions-key", "not-the-key");
        (await keyless.SendAsync(wrongKey)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_is_503_and_functions_503_when_storage_is_unreachable()
    {
        var closedPort = FreePorts.Take(1)[0];
        await using var app = await AppFixture.StartAsync(
            $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
            $"TableEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};BlobEndpoint=http://127.0.0.1:{closedPort}/{Azurite.AccountName};");
        using var response = await app.Client.GetAsync("api/health");
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("unreachable").And.NotContain("Exception").And.NotContain(closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A function that needs storage answers 503 (try again later): no exception, no storage error, no address.
        using var client = app.NewClient(await DevTokens.MintAsync("e2e-admin", [], "Administrator"));
        using var failed = await client.GetAsync("api/pools/riverside-place");
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        failed.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await failed.Content.ReadAsStringAsync()).Should().NotContainAny("Exception", " at ", closedPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "devstoreaccount1");
    }

    [Fact]
    public async Task A_timer_the_host_fires_records_its_run_and_a_late_firing_says_it_was_late()
    {
        var auditor = await fixture.ClientForAsync("e2e-auditor", [], "Auditor");
        (await fixture.App.Host.InvokeTimerAsync("Heartbeat")).Status.Should().Be(InvocationStatus.Succeeded, fixture.App.Log());
        var before = await auditor.GetFromJsonAsync<JsonElement>("api/timers/Heartbeat");
        before.GetProperty("lastWasPastDue").GetBoolean().Should().BeFalse();

        (await fixture.App.Host.InvokeTimerAsync("Heartbeat", isPastDue: true)).Status.Should().Be(InvocationStatus.Succeeded);
        var after = await auditor.GetFromJsonAsync<JsonElement>("api/timers/Heartbeat");
        after.GetProperty("runs").GetInt64().Should().Be(before.GetProperty("runs").GetInt64() + 1);
        after.GetProperty("lastWasPastDue").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Timers_fire_on_the_schedules_their_app_settings_name()
    {
        var storage = await Azurite.StartAsync();
        await using (storage)
        {
            await using var app = await AppFixture.StartAsync(storage.ConnectionString,
                new Dictionary<string, string?> { ["Heartbeat__Schedule"] = "*/1 * * * * *" }, runTimers: true);
            using var auditor = app.NewClient(await DevTokens.MintAsync("e2e-auditor", [], "Auditor"));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            JsonElement run = default;
            while (DateTime.UtcNow < deadline)
            {
                using var response = await auditor.GetAsync("api/timers/Heartbeat");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    run = await response.Content.ReadFromJsonAsync<JsonElement>();
                    if (run.GetProperty("runs").GetInt64() >= 3)
                    {
                        break;
                    }
                }
                await Task.Delay(200);
            }
            run.ValueKind.Should().Be(JsonValueKind.Object, app.Log());
            run.GetProperty("runs").GetInt64().Should().BeGreaterThanOrEqualTo(3, "a one-second schedule fires about once a second");
            app.Host.RecentInvocations.Where(i => i.FunctionName == "Heartbeat").Should().OnlyContain(i => i.Status == InvocationStatus.Succeeded);
        }
    }

    [Fact]
    public async Task The_admin_api_fires_a_timer_with_the_master_key_only()
    {
        using var admin = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        using var keyless = await admin.PostAsJsonAsync("admin/functions/Heartbeat", new { input = "" });
        keyless.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var withFunctionKey = new HttpRequestMessage(HttpMethod.Post, "admin/functions/Heartbeat") { Content = JsonContent.Create(new { input = "" }) };
        withFunctionKey.Headers.Add("x-functions-key", LocalApp.FunctionKey);
        (await admin.SendAsync(withFunctionKey)).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "a function key is not the master key");

        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/functions/Heartbeat") { Content = JsonContent.Create(new { input = "" }) };
        request.Headers.Add("x-functions-key", LocalApp.MasterKey);
        using var accepted = await admin.SendAsync(request);
        accepted.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task The_month_end_timer_runs_when_the_host_fires_it_late()
    {
        var outcome = await fixture.App.Host.InvokeTimerAsync("MonthEndClose", isPastDue: true);
        outcome.Status.Should().Be(InvocationStatus.Succeeded, fixture.App.Log());
    }

    [Fact]
    public async Task An_unknown_route_is_404_problem_json()
    {
        using var response = await fixture.Client.GetAsync("api/no-such-thing");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task A_worker_that_dies_is_replaced_and_the_app_answers_again()
    {
        var storage = await Azurite.SharedAsync();
        await using var app = await AppFixture.StartAsync(storage.ConnectionString);
        var first = app.Host.WorkerProcessId;
        await app.Host.KillWorkerAsync();
        await app.Host.WaitForWorkerAsync(TimeSpan.FromSeconds(60));
        app.Host.WorkerProcessId.Should().NotBe(first);
        (await app.Client.GetAsync("api/health")).StatusCode.Should().Be(HttpStatusCode.OK, app.Log());
    }
}
