using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>The start-up sequence, the functions read from the worker's metadata, and routing.</summary>
public sealed class StartupTests(SampleHost sample) : IClassFixture<SampleHost>
{
    private FunctionsHost Host => sample.Host;

    [Fact]
    public void The_host_runs_the_real_hosts_start_up_sequence()
    {
        var messages = Host.ProtocolMessages.Where(m => m.Kind is not ("InvocationRequest" or "InvocationResponse" or "InvocationCancel")).ToList();
        var functionCount = Host.Functions.Count;
        functionCount.Should().BeGreaterThan(5);
        messages.Take(5).Select(m => (m.Direction, m.Kind)).Should().Equal(
            (ProtocolDirection.WorkerToHost, "StartStream"),
            (ProtocolDirection.HostToWorker, "WorkerInitRequest"),
            (ProtocolDirection.WorkerToHost, "WorkerInitResponse"),
            (ProtocolDirection.HostToWorker, "FunctionsMetadataRequest"),
            (ProtocolDirection.WorkerToHost, "FunctionMetadataResponse"));
        messages[2].RequestId.Should().Be(messages[1].RequestId, "a reply carries the request_id of its request");
        messages[4].RequestId.Should().Be(messages[3].RequestId);

        var loads = messages.Skip(5).Take(functionCount * 2).ToList();
        loads.Where(m => m.Kind == "FunctionLoadRequest").Select(m => m.Subject).Should().BeEquivalentTo(Host.Functions.Select(f => f.Name));
        loads.Where(m => m.Kind == "FunctionLoadResponse").Select(m => m.RequestId)
            .Should().BeEquivalentTo(loads.Where(m => m.Kind == "FunctionLoadRequest").Select(m => m.RequestId));
        Host.WorkerCapabilities.Should().ContainKey("HttpUri").And.ContainKey("HandlesInvocationCancelMessage");
    }

    [Fact]
    public async Task The_worker_is_started_with_the_real_hosts_arguments_environment_and_folder()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/worker-info");
        request.Headers.Add("x-functions-key", SampleHost.FunctionKey);
        using var response = await sample.Client.SendAsync(request);
        var info = await response.Content.ReadFromJsonAsync<JsonElement>();
        var app = Path.GetFullPath(SampleHost.AppDirectory());
        info.GetProperty("runtime").GetString().Should().Be("dotnet-isolated");
        info.GetProperty("applicationDirectory").GetString().Should().Be(app);
        info.GetProperty("workerDirectory").GetString().Should().Be(app);
        info.GetProperty("currentDirectory").GetString().Should().Be(app);
        info.GetProperty("environment").GetString().Should().Be("Development");
        info.GetProperty("schedule").GetString().Should().Be("0 0 0 1 1 *", "app settings are the worker's environment");
        var arguments = info.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToList();
        arguments.Should().Contain(["--functions-uri", "--functions-worker-id", "--functions-request-id", "--functions-grpc-max-message-length"]);
        arguments[arguments.IndexOf("--functions-grpc-max-message-length") + 1].Should().Be("2147483647");
        arguments[arguments.IndexOf("--functions-uri") + 1].Should().StartWith("http://127.0.0.1:");
    }

    [Fact]
    public void Functions_are_described_from_the_workers_metadata()
    {
        var functions = Host.Functions.ToDictionary(f => f.Name);
        functions["Health"].Should().BeEquivalentTo(new
        {
            Trigger = FunctionTriggerKind.Http, Route = "api/health", Methods = new[] { "GET" }, AuthLevel = FunctionAuthLevel.Anonymous,
        });
        functions["Echo"].Should().BeEquivalentTo(new
        {
            Route = "api/echo/{id}", Methods = new[] { "POST", "PUT" }, AuthLevel = FunctionAuthLevel.Function, TriggerBindingName = "req",
        });
        functions["AdminOnly"].AuthLevel.Should().Be(FunctionAuthLevel.Admin);
        functions["Heartbeat"].Should().BeEquivalentTo(new
        {
            Trigger = FunctionTriggerKind.Timer, DeclaredSchedule = "%Sample:Schedule%", Schedule = "0 0 0 1 1 *", RunOnStartup = false,
            UseMonitor = true, TriggerBindingName = "timer",
        });
        functions["OnStartup"].RunOnStartup.Should().BeTrue();
    }

    [Fact]
    public async Task Health_answers_through_the_host_from_a_live_worker()
    {
        var body = await sample.Client.GetFromJsonAsync<JsonElement>("api/health");
        body.GetProperty("status").GetString().Should().Be("healthy");
        Host.WorkerProcessId.Should().NotBeNull();
        Process.GetProcessById(Host.WorkerProcessId!.Value).HasExited.Should().BeFalse();
    }

    [Theory]
    [InlineData("api/items", HttpStatusCode.OK, null)]
    [InlineData("api/items/7", HttpStatusCode.OK, "7")]
    [InlineData("api/items/seven", HttpStatusCode.NotFound, null)]
    [InlineData("api/files/a/b/c.txt", HttpStatusCode.OK, "a/b/c.txt")]
    [InlineData("api/slow/abc", HttpStatusCode.NotFound, null)]
    [InlineData("API/HEALTH", HttpStatusCode.OK, null)]
    public async Task Routes_follow_aspnet_core_template_semantics(string path, HttpStatusCode status, string? boundValue)
    {
        using var response = await sample.Client.GetAsync(path);
        response.StatusCode.Should().Be(status, sample.Log());
        if (status == HttpStatusCode.OK && !path.Contains("health", StringComparison.OrdinalIgnoreCase))
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("value").ValueKind.Should().Be(boundValue is null ? JsonValueKind.Null : JsonValueKind.String);
            if (boundValue is not null)
            {
                body.GetProperty("value").GetString().Should().Be(boundValue);
            }
        }
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task A_function_that_declares_no_methods_takes_any(string method)
    {
        Host.Functions.Single(f => f.Name == "AnyMethod").Methods.Should().BeNull();
        using var response = await sample.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "api/any"));
        response.StatusCode.Should().Be(HttpStatusCode.OK, sample.Log());
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("value").GetString().Should().Be(method);
    }

    [Theory]
    [InlineData("GET", "api/no-such-function")]
    [InlineData("GET", "api")]
    [InlineData("GET", "")]
    [InlineData("DELETE", "api/health")]
    [InlineData("GET", "api/echo/p1")]
    public async Task A_route_no_function_serves_is_a_404_problem(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("x-functions-key", SampleHost.MasterKey);
        using var response = await sample.Client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.NotFound, "a wrong method is no match in the real host either");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().Should().Be(404);
        problem.GetProperty("title").GetString().Should().Be("Not found.", "a 404 reads the same whether the host or the app answers it");
        problem.GetProperty("detail").GetString().Should().Contain(method);
    }
}
