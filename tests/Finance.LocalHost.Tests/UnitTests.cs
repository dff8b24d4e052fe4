using System.Text.Json;
using FluentAssertions;
using Finance.LocalHost.Http;
using Finance.LocalHost.Settings;
using Finance.LocalHost.Timers;
using Finance.LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Finance.LocalHost.Tests;

/// <summary>The host's rules that need no worker: route order, schedules, timer payloads, launch and command line.</summary>
public sealed class UnitTests
{
    [Fact]
    public async Task Routes_are_tried_in_function_name_order_as_in_azure_and_a_shadowed_literal_route_is_reported()
    {
        using var services = new ServiceCollection().AddRouting().AddLogging().BuildServiceProvider();
        var warnings = new List<string>();
        var table = RouteTable.Build(
            [Http("Recent", "api/items/recent"), Http("GetItem", "api/items/{id}"), Http("Zoo", "api/zoo/{n:int}")],
            services.GetRequiredService<IInlineConstraintResolver>(), services, warnings.Add);

        (await MatchAsync(table, services, "/api/items/recent"))!.Function.Name.Should().Be("GetItem");
        (await MatchAsync(table, services, "/api/items/42"))!.Values["id"].Should().Be("42");
        (await MatchAsync(table, services, "/api/zoo/x")).Should().BeNull();
        warnings.Should().ContainSingle().Which.Should().Contain("reaches GetItem, not Recent");
    }

    [Fact]
    public void Setting_names_in_bindings_resolve_as_configuration_keys_do_in_azure()
    {
        var names = new AppSettingNames(new Dictionary<string, string> { ["Close__Schedule"] = "0 0 6 * * *", ["Plain"] = "0 0 7 * * *" });

        names.ResolveWholeString("%Close:Schedule%").Should().Be("0 0 6 * * *", "a double underscore is the section separator");
        names.ResolveWholeString("%close:schedule%").Should().Be("0 0 6 * * *", "configuration keys ignore case");
        names.ResolveWholeString("%Close__Schedule%").Should().BeNull("the host looks the name up as written, and no key is spelled so");
        names.ResolveWholeString("%Plain%").Should().Be("0 0 7 * * *");
        names.ResolveWholeString("%Missing%").Should().BeNull();
        names.ResolveWholeString("0 0 8 * * *").Should().Be("0 0 8 * * *");
    }

    [Theory]
    [InlineData("* * * * * *", true)]
    [InlineData("*/30 * * * * *", true)]
    [InlineData("0 * * * * *", false)]
    [InlineData("0 */5 * * * *", false)]
    [InlineData("0 30 9 * * 1-5", false)]
    [InlineData("*/5 * * * *", false)]
    [InlineData("00:00:30", true)]
    [InlineData("00:05:00", false)]
    public void Schedules_parse_and_follow_the_real_hosts_monitoring_rule(string expression, bool moreThanOncePerMinute)
    {
        TimerSchedule.TryParse(expression, out var schedule).Should().BeTrue();
        schedule.FiresMoreThanOncePerMinute(new DateTime(2026, 12, 1, 10, 0, 7, DateTimeKind.Utc)).Should().Be(moreThanOncePerMinute);
    }

    [Fact]
    public void A_cron_schedule_is_evaluated_in_utc_and_rejects_nonsense()
    {
        TimerSchedule.TryParse("0 30 9 * * *", out var schedule).Should().BeTrue();
        schedule.GetNextOccurrence(new DateTime(2026, 12, 1, 9, 30, 0, DateTimeKind.Utc)).Should().Be(new DateTime(2026, 12, 2, 9, 30, 0));
        TimerSchedule.TryParse("every day", out _).Should().BeFalse();
        TimerSchedule.TryParse("%Missing%", out _).Should().BeFalse();
    }

    [Fact]
    public void The_timer_payload_is_the_workers_TimerInfo()
    {
        var json = JsonDocument.Parse(TimerScheduler.TimerInfoJson(
            new TimerScheduler.ScheduleStatus(DateTime.MinValue, new DateTime(2026, 12, 2), DateTime.MinValue), isPastDue: true)).RootElement;
        json.GetProperty("Schedule").GetProperty("AdjustForDST").GetBoolean().Should().BeTrue();
        json.GetProperty("IsPastDue").GetBoolean().Should().BeTrue();
        json.GetProperty("ScheduleStatus").GetProperty("Next").GetDateTime().Should().Be(new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc));
        JsonDocument.Parse(TimerScheduler.TimerInfoJson(null, false)).RootElement.GetProperty("ScheduleStatus").ValueKind
            .Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public void A_self_contained_worker_config_expands_WorkerRoot()
    {
        var app = Directory.CreateTempSubdirectory("localhost-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(app, "worker.config.json"),
                """{"description": {"defaultExecutablePath": "{WorkerRoot}Finance.Functions", "arguments": ["--x"], "workerArguments": ["--y"]}}""");
            var launch = WorkerLaunch.Read(app);
            launch.Executable.Should().Be(Path.Combine(app, "Finance.Functions"));
            launch.Arguments.Should().Equal("--x", "--y");
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public void The_command_line_merges_settings_file_and_options()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{"IsEncrypted": false, "Values": {"A": "1", "LocalHost__MasterKey": "m"}, "Host": {"LocalHttpPort": 7080}}""");
            var command = CommandLine.Parse(["--app", "out", "--settings", file, "--setting", "A=2", "--function-key", "k", "--no-timers"]);
            command.Verb.Should().Be("run");
            command.Options.Port.Should().Be(7080);
            command.Options.AppSettings.Should().Contain("A", "2").And.Contain("LocalHost__MasterKey", "m");
            command.Options.FunctionKeys.Should().Equal("k");
            command.Options.RunTimersOnSchedule.Should().BeFalse();
            CommandLine.Parse(["--app", "out"]).Options.Port.Should().Be(7071);
            CommandLine.Parse(["measure", "--app", "out", "--runs", "3"]).MeasureRuns.Should().Be(3);
            var wrong = () => CommandLine.Parse(["--app"]);
            wrong.Should().Throw<ArgumentException>();
            CommandLine.Usage.Should().Contain("LOCAL");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static HostedFunction Http(string name, string route) => new()
    {
        Name = name, FunctionId = name, Trigger = FunctionTriggerKind.Http, TriggerType = "httpTrigger", TriggerBindingName = "req",
        Route = route, Methods = ["GET"], AuthLevel = FunctionAuthLevel.Anonymous, EntryPoint = "E", ScriptFile = "S.dll",
    };

    private static Task<RouteMatch?> MatchAsync(RouteTable table, IServiceProvider services, string path)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = "GET";
        context.Request.Path = path;
        return table.MatchAsync(context);
    }
}
