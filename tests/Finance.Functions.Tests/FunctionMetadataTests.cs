using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Finance.Functions.Catalog;
using Finance.Functions.Configuration;
using Finance.Functions.Tests.Access;
using FluentAssertions;
using Microsoft.Azure.Functions.Worker;
using NCrontab;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>
/// What the Functions host is told about the functions agrees with what the app declares: functions.metadata (written by
/// the Worker SDK at build, the host's copy), the worker's own answer to the host's metadata request (read through the
/// local host), the catalog the access middleware and the README are built from, the settings timer schedules name, and
/// host.json.
/// </summary>
public sealed partial class FunctionMetadataTests
{
    private static readonly FunctionCatalog Catalog = FunctionCatalog.App;

    [GeneratedRegex(@"^%([^%]+)%$")]
    private static partial Regex SettingReference();

    private static JsonArray BuiltMetadata() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Finance.Testing.LocalApp.BuildDirectory(), "functions.metadata")))!.AsArray();

    [Fact]
    public void Functions_metadata_holds_each_declared_function_with_its_trigger()
    {
        var metadata = BuiltMetadata().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        metadata.Keys.Should().BeEquivalentTo(Catalog.Functions.Select(f => f.Name), "the SDK and the catalog read the same [Function] methods");
        foreach (var function in Catalog.Functions)
        {
            var entry = metadata[function.Name];
            entry["entryPoint"]!.GetValue<string>().Should().Be($"{function.Method.DeclaringType!.FullName}.{function.Method.Name}");
            entry["scriptFile"]!.GetValue<string>().Should().Be("Finance.Functions.dll");
            var trigger = entry["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal))!;
            if (function.Http is { } http)
            {
                trigger["type"]!.GetValue<string>().Should().Be("httpTrigger");
                trigger["route"]!.GetValue<string>().Should().Be(http.Route, function.Name);
                trigger["methods"]!.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).Should().Equal(http.Methods);
                trigger["authLevel"]!.GetValue<string>().Should().Be(http.AuthLevel.ToString());
            }
            else
            {
                trigger["type"]!.GetValue<string>().Should().Be("timerTrigger");
                trigger["schedule"]!.GetValue<string>().Should().Be(function.Timer!.Schedule);
            }
        }
    }

    [Fact]
    public void Every_timer_schedule_is_ncrontab_or_names_a_setting_the_deployment_sets()
    {
        foreach (var function in Catalog.Functions.Where(f => f.Timer is not null))
        {
            var schedule = function.Timer!.Schedule;
            function.Timer.RunOnStartup.Should().BeFalse($"{function.Name}: every instance would run it at each start");
            var reference = SettingReference().Match(schedule);
            if (!reference.Success)
            {
                IsNcrontab(schedule).Should().BeTrue($"{function.Name}: {schedule}");
                continue;
            }
            // The host resolves %Key% as a configuration key: the setting Close__Schedule is the key Close:Schedule.
            var setting = AppSettings.All.SingleOrDefault(s => string.Equals(s.Key, reference.Groups[1].Value, StringComparison.OrdinalIgnoreCase));
            setting.Should().NotBeNull($"{function.Name}'s schedule names a setting the app declares (by its key, with ':')");
            setting!.InAzure.Should().BeTrue("the deployment must set a timer's schedule");
            IsNcrontab(setting.LocalDefault).Should().BeTrue(setting.LocalDefault);
        }
    }

    [Fact]
    public async Task The_worker_tells_the_host_the_same_functions()
    {
        await using var app = await TestApp.StartAsync();
        var hosted = app.App.Host.Functions.ToDictionary(f => f.Name);
        hosted.Keys.Should().BeEquivalentTo(Catalog.Functions.Select(f => f.Name));
        foreach (var function in Catalog.Functions)
        {
            var seen = hosted[function.Name];
            if (function.Http is { } http)
            {
                seen.Route.Should().Be($"{FunctionCatalog.RoutePrefix}/{http.Route}");
                seen.Methods.Should().Equal(http.Methods);
                seen.AuthLevel.Should().Be(http.AuthLevel == AuthorizationLevel.Anonymous ? Finance.LocalHost.FunctionAuthLevel.Anonymous : Finance.LocalHost.FunctionAuthLevel.Function);
            }
            else
            {
                seen.DeclaredSchedule.Should().Be(function.Timer!.Schedule);
                seen.Schedule.Should().NotBeNull($"{function.Name}'s schedule resolves from the app settings");
            }
        }
    }

    [Fact]
    public void The_readme_lists_every_timer_with_its_schedule()
    {
        var readme = File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "README.md")).ReplaceLineEndings("\n");
        var section = readme[readme.IndexOf("## Functions\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var rows = section.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).Select(l => l.Split('|')[1].Trim()).ToList();
        rows.Should().BeEquivalentTo(Catalog.Functions.Where(f => f.Timer is not null).Select(f => f.Name), "the README's timer table lists the timers");
        foreach (var timer in Catalog.Functions.Where(f => f.Timer is not null))
        {
            section.Should().Contain($"| {timer.Name} | `{timer.Timer!.Schedule}`", "the README shows each timer's schedule as declared");
        }
    }

    [Fact]
    public void The_first_slice_functions_are_declared()
    {
        Catalog.Functions.Select(f => f.Name).Should().Contain(["Health", "PutPool", "GetPool", "Heartbeat", "GetTimerRun", "GetCaller",
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
    public void Host_json_is_for_an_isolated_worker_with_the_route_prefix_the_app_uses()
    {
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "host.json")))!.AsObject();
        host["version"]!.GetValue<string>().Should().Be("2.0");
        host.ContainsKey("customHandler").Should().BeFalse("the worker speaks gRPC to the host; there is no custom handler");
        host.ContainsKey("extensionBundle").Should().BeFalse("an isolated worker ships its extensions in .azurefunctions");
        host["extensions"]!["http"]!["routePrefix"]!.GetValue<string>().Should().Be(FunctionCatalog.RoutePrefix);
        host["functionTimeout"].Should().NotBeNull();
        File.ReadAllText(Path.Combine(Finance.Testing.LocalApp.BuildDirectory(), "host.json")).Should()
            .Be(File.ReadAllText(Path.Combine(Finance.Testing.RepositoryRoot.Path, "host.json")), "the build carries the checkout's host.json");
    }

    private static bool IsNcrontab(string schedule) =>
        CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true }) is not null;
}
