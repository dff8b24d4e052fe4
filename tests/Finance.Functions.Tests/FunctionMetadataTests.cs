using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentAssertions;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>The function.json files the app writes agree with the routes the app actually maps.</summary>
public sealed partial class FunctionMetadataTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "function-json-" + Guid.NewGuid().ToString("N"));
    private readonly WebApplication app = FunctionApp.Build([]);

    public void Dispose()
    {
        ((IDisposable)app).Dispose();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^%([A-Za-z0-9_]+)%$")]
    private static partial Regex SettingReference();

    [Fact]
    public void Every_mapped_endpoint_is_a_declared_function()
    {
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>().ToList();
        endpoints.Should().NotBeEmpty();
        endpoints.Where(e => e.Metadata.GetMetadata<FunctionMetadata>() is null).Select(e => e.RoutePattern.RawText)
            .Should().BeEmpty("the Functions host only forwards requests for functions it has a function.json for");
    }

    [Fact]
    public void Written_function_json_matches_each_mapped_route()
    {
        var functions = app.Functions();
        var written = FunctionJsonWriter.Write(functions.Select(f => f.Function), directory);

        Directory.GetDirectories(directory).Select(Path.GetFileName).Should().BeEquivalentTo(written);
        written.Should().OnlyHaveUniqueItems();
        foreach (var (function, endpoint) in functions)
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, function.Name, "function.json")))!;
            var bindings = json["bindings"]!.AsArray();
            var trigger = bindings[0]!;
            var methods = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods;
            endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName.Should().Be(function.Name);
            switch (trigger["type"]!.GetValue<string>())
            {
                case "httpTrigger":
                    endpoint.RoutePattern.RawText.Should().Be("/api/" + trigger["route"]!.GetValue<string>(), function.Name);
                    trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).Should().BeEquivalentTo(methods);
                    var anonymous = endpoint.Metadata.GetMetadata<Finance.Functions.Access.AccessRule>()!.Kind == Finance.Functions.Access.AccessKind.Anonymous;
                    trigger["authLevel"]!.GetValue<string>().Should().Be(anonymous ? "anonymous" : "function",
                        "only the anonymous function (health) needs no key; every other one needs a key in Azure as well as a token");
                    bindings.Should().HaveCount(2);
                    bindings[1]!["type"]!.GetValue<string>().Should().Be("http");
                    break;
                case "timerTrigger":
                    endpoint.RoutePattern.RawText.Should().Be("/" + function.Name, "the host POSTs timer invocations to /{FunctionName}");
                    methods.Should().Equal("POST");
                    trigger["name"]!.GetValue<string>().Should().Be(FunctionMetadata.TimerBindingName);
                    var schedule = trigger["schedule"]!.GetValue<string>();
                    var reference = SettingReference().Match(schedule);
                    if (reference.Success)
                    {
                        var setting = AppSettings.All.SingleOrDefault(s => s.Name == reference.Groups[1].Value);
                        setting.Should().NotBeNull($"{function.Name}'s schedule names a setting the app declares");
                        setting!.InAzure.Should().BeTrue("the deployment must set a timer's schedule");
                        IsNcrontab(setting.LocalDefault).Should().BeTrue(setting.LocalDefault);
                    }
                    else
                    {
                        IsNcrontab(schedule).Should().BeTrue(schedule);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected trigger in {function.Name}: {trigger}");
            }
        }
    }

    [Fact]
    public void The_first_slice_functions_are_declared()
    {
        app.Functions().Select(f => f.Function.Name).Should().Contain(["Health", "PutPool", "GetPool", "Heartbeat", "GetTimerRun", "GetCaller",
            "ListMemberships", "GetMembership", "PutMembership", "DeleteMembership"]);
    }

    [Fact]
    public void The_sample_settings_hold_every_setting_the_app_reads_with_its_local_default()
    {
        var sample = JsonNode.Parse(File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "local.settings.sample.json")))!["Values"]!.AsObject();
        sample.Select(p => p.Key).Should().BeEquivalentTo(AppSettings.All.Select(s => s.Name));
        foreach (var setting in AppSettings.All)
        {
            sample[setting.Name]!.GetValue<string>().Should().Be(setting.LocalDefault, setting.Name);
        }
    }

    [Fact]
    public void Host_json_names_the_handler_and_forwards_http()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "host.json")))!;
        host["version"]!.GetValue<string>().Should().Be("2.0");
        host["customHandler"]!["enableForwardingHttpRequest"]!.GetValue<bool>().Should().BeTrue();
        host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>().Should().Be("handler/Finance.Functions");
        host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>().Should().Be(FunctionMetadata.RoutePrefix);
        host["functionTimeout"].Should().NotBeNull();
    }

    private static bool IsNcrontab(string schedule)
    {
        // {second} {minute} {hour} {day} {month} {day-of-week}
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length == 6 && fields.All(f => Regex.IsMatch(f, @"^[0-9*/,\-A-Za-z]+$"));
    }
}
