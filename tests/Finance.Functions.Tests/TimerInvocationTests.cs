using System.Text.Json.Nodes;
using FluentAssertions;
using Finance.Functions.Hosting;
using NodaTime;
using Xunit;

namespace Finance.Functions.Tests;

public sealed class TimerInvocationTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 23, 6, 0);

    [Fact]
    public void The_hosts_payload_is_read()
    {
        var payload = JsonNode.Parse("""
            {"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":{"Last":"2026-11-22T06:00:00+00:00","Next":"2026-11-24T06:00:00+00:00","LastUpdated":"2026-11-22T06:00:00+00:00"},"IsPastDue":true}},
             "Metadata":{"sys":{"MethodName":"Heartbeat","UtcNow":"2026-11-23T06:00:01.5Z","RandGuid":"0f8fad5b-d9cb-469f-a165-70867728950e"}}}
            """);
        var invocation = TimerInvocation.Parse("Heartbeat", payload, Now);
        invocation.IsPastDue.Should().BeTrue();
        invocation.ScheduledLast.Should().Be(Instant.FromUtc(2026, 11, 22, 6, 0));
        invocation.ScheduledNext.Should().Be(Instant.FromUtc(2026, 11, 24, 6, 0));
        invocation.InvokedAt.Should().Be(Instant.FromUtc(2026, 11, 23, 6, 0, 1) + Duration.FromMilliseconds(500));
    }

    [Fact]
    public void Missing_status_and_clock_fall_back_to_the_handlers_clock()
    {
        var invocation = TimerInvocation.Parse("Heartbeat", JsonNode.Parse("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}"""), Now);
        invocation.IsPastDue.Should().BeFalse();
        invocation.ScheduledLast.Should().BeNull();
        invocation.InvokedAt.Should().Be(Now);
    }

    [Theory]
    [InlineData("[]", "")]
    [InlineData("""{"Data":{}}""", "Data.timer")]
    [InlineData("""{"Data":{"timer":{"IsPastDue":1}}}""", "Data.timer.IsPastDue")]
    [InlineData("""{"Data":{"timer":{"ScheduleStatus":{"Last":"yesterday"}}}}""", "ScheduleStatus.Last")]
    public void Malformed_payloads_name_the_field(string json, string field)
    {
        var act = () => TimerInvocation.Parse("Heartbeat", JsonNode.Parse(json), Now);
        act.Should().Throw<TimerPayloadException>().Which.Field.Should().Be(field);
    }
}
