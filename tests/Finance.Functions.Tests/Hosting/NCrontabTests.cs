using System.Globalization;
using Finance.Functions.Configuration;
using Finance.Functions.Hosting;
using Finance.Functions.Imports;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Hosting;

public sealed class NCrontabTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string? NextAfter(string expression, string after) =>
        NCrontab.Parse(expression).Next(Utc(after))?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    [Theory]
    // The heartbeat's default, every five minutes on the minute.
    [InlineData("0 */5 * * * *", "2026-11-23T06:02:30Z", "2026-11-23T06:05:00Z")]
    [InlineData("0 */5 * * * *", "2026-11-23T06:05:00Z", "2026-11-23T06:10:00Z")]
    [InlineData("0 */5 * * * *", "2026-11-23T06:04:59.999Z", "2026-11-23T06:05:00Z")]
    [InlineData("0 */5 * * * *", "2026-12-31T23:57:00Z", "2027-01-01T00:00:00Z")]
    // Month end, daily at 06:00.
    [InlineData("0 0 6 * * *", "2026-11-23T05:59:59Z", "2026-11-23T06:00:00Z")]
    [InlineData("0 0 6 * * *", "2026-11-23T06:00:00Z", "2026-11-24T06:00:00Z")]
    [InlineData("0 0 6 * * *", "2026-11-30T07:00:00Z", "2026-12-01T06:00:00Z")]
    // Import resumption, every two minutes.
    [InlineData("0 */2 * * * *", "2026-11-23T06:01:00.5Z", "2026-11-23T06:02:00Z")]
    [InlineData("0 */2 * * * *", "2026-11-23T06:02:00Z", "2026-11-23T06:04:00Z")]
    [InlineData("0 */2 * * * *", "2026-11-23T23:59:00Z", "2026-11-24T00:00:00Z")]
    public void The_apps_schedules_fire_strictly_after_the_given_instant(string expression, string after, string next) =>
        NextAfter(expression, after).Should().Be(next);

    [Fact]
    public void The_apps_declared_defaults_parse()
    {
        foreach (var expression in new[] { AppSettings.HeartbeatSchedule.LocalDefault, AppSettings.CloseSchedule.LocalDefault, ImportsApi.ResumeSchedule })
        {
            NCrontab.Parse(expression).Expression.Should().Be(expression);
        }
    }

    [Theory]
    [InlineData("* * * * * *", "2026-11-23T06:00:00.250Z", "2026-11-23T06:00:01Z")]
    [InlineData("*/15 * * * * *", "2026-11-23T10:00:14Z", "2026-11-23T10:00:15Z")]
    [InlineData("*/15 * * * * *", "2026-11-23T10:00:45Z", "2026-11-23T10:01:00Z")]
    [InlineData("30 5/20 * * * *", "2026-11-23T10:45:30Z", "2026-11-23T11:05:30Z")] // a/n: 5, 25, 45
    [InlineData("30 5/20 * * * *", "2026-11-23T10:05:31Z", "2026-11-23T10:25:30Z")]
    [InlineData("0 0 9-17/4 * * *", "2026-11-23T13:00:00Z", "2026-11-23T17:00:00Z")] // 9, 13, 17
    [InlineData("0 0 9-17/4 * * *", "2026-11-23T17:00:00Z", "2026-11-24T09:00:00Z")]
    [InlineData("0 0 9-11 * * *", "2026-11-23T10:30:00Z", "2026-11-23T11:00:00Z")]
    [InlineData("0 0 0 1,15 * *", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z")]
    [InlineData("0 10,20-22,40 * * * *", "2026-11-23T10:20:00Z", "2026-11-23T10:21:00Z")]
    [InlineData("0 10,20-22,40 * * * *", "2026-11-23T10:22:00Z", "2026-11-23T10:40:00Z")]
    [InlineData("0 10,20-22,40 * * * *", "2026-11-23T10:40:00Z", "2026-11-23T11:10:00Z")]
    public void Steps_ranges_and_lists(string expression, string after, string next) =>
        NextAfter(expression, after).Should().Be(next);

    [Theory]
    [InlineData("0 0 9 * * 1-5", "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z")] // Friday to Monday
    [InlineData("0 0 9 * * MON-FRI", "2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z")]
    [InlineData("0 0 9 * * 1", "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z")]
    [InlineData("0 0 9 * * mon", "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z")]
    [InlineData("0 0 9 * * Monday", "2026-11-23T09:00:00Z", "2026-11-30T09:00:00Z")]
    [InlineData("0 0 0 * * 0", "2026-11-23T00:00:00Z", "2026-11-29T00:00:00Z")] // Sunday
    [InlineData("0 0 0 * * 7", "2026-11-23T00:00:00Z", "2026-11-29T00:00:00Z")] // 7 is Sunday too
    [InlineData("0 0 0 * * 5-7", "2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z")] // Saturday to Sunday
    [InlineData("0 0 0 * * 6,0", "2026-11-29T00:00:00Z", "2026-12-05T00:00:00Z")]
    [InlineData("0 0 0 * * */2", "2026-11-24T00:00:00Z", "2026-11-26T00:00:00Z")] // Sunday, Tuesday, Thursday, Saturday: Tuesday to Thursday
    public void Days_of_the_week(string expression, string after, string next) =>
        NextAfter(expression, after).Should().Be(next);

    [Theory]
    // Both day fields restricted: the date must match both, as the Functions host's NCrontab does (Friday the 13th).
    [InlineData("0 0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-02-13T00:00:00Z")]
    [InlineData("0 0 0 13 * FRI", "2026-02-13T00:00:00Z", "2026-03-13T00:00:00Z")]
    [InlineData("0 0 0 13 * 5", "2026-11-13T00:00:00Z", "2027-08-13T00:00:00Z")]
    public void Day_of_month_and_day_of_week_must_both_match(string expression, string after, string next) =>
        NextAfter(expression, after).Should().Be(next);

    [Theory]
    [InlineData("0 0 0 31 * *", "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z")] // February has no 31st
    [InlineData("0 0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z")] // nor April
    [InlineData("0 0 0 1 * *", "2026-12-15T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("0 0 12 * 3 *", "2026-03-31T12:00:00Z", "2027-03-01T12:00:00Z")]
    [InlineData("0 0 0 1 JAN,jul *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z")]
    [InlineData("0 0 0 1 October *", "2026-01-01T00:00:00Z", "2026-10-01T00:00:00Z")]
    [InlineData("59 59 23 31 12 *", "2026-12-31T23:59:58Z", "2026-12-31T23:59:59Z")]
    public void Month_boundaries(string expression, string after, string next) =>
        NextAfter(expression, after).Should().Be(next);

    [Theory]
    [InlineData("2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z")]
    [InlineData("2028-02-28T23:59:59Z", "2028-02-29T00:00:00Z")]
    public void The_leap_day(string after, string next) =>
        NextAfter("0 0 0 29 2 *", after).Should().Be(next);

    [Theory]
    [InlineData("0 0 0 30 2 *")]
    [InlineData("0 0 0 31 4,6,9,11 *")]
    public void A_date_that_never_comes_has_no_next_occurrence(string expression) =>
        NCrontab.Parse(expression).Next(Utc("2026-01-01T00:00:00Z")).Should().BeNull();

    [Fact]
    public void An_instant_given_with_an_offset_is_compared_in_utc()
    {
        var schedule = NCrontab.Parse("0 0 6 * * *");
        // 06:30+01:00 is 05:30 UTC, before that day's 06:00 UTC; 07:30+01:00 is 06:30 UTC, after it.
        schedule.Next(new DateTimeOffset(2026, 11, 23, 6, 30, 0, TimeSpan.FromHours(1))).Should().Be(new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero));
        var next = schedule.Next(new DateTimeOffset(2026, 11, 23, 7, 30, 0, TimeSpan.FromHours(1)))!.Value;
        next.Should().Be(new DateTimeOffset(2026, 11, 24, 6, 0, 0, TimeSpan.Zero));
        next.Offset.Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("0 */5 * * *", "has 5 field(s); it needs 6")]
    [InlineData("0 */5 * * * * 2026", "has 7 field(s); it needs 6")]
    [InlineData("", "has 0 field(s)")]
    [InlineData("60 * * * * *", "the second field '60'")]
    [InlineData("a * * * * *", "the second field 'a'")]
    [InlineData("*/0 * * * * *", "the second field '*/0' has step '0'")]
    [InlineData("0 60 * * * *", "the minute field '60'")]
    [InlineData("0 */61 * * * *", "the minute field '*/61' has step '61'")]
    [InlineData("0 */x * * * *", "the minute field '*/x' has step 'x'")]
    [InlineData("0 1,,5 * * * *", "the minute field '1,,5' has an empty item")]
    [InlineData("0 -1 * * * *", "the minute field '-1'")]
    [InlineData("0 0 24 * * *", "the hour field '24'")]
    [InlineData("0 0 17-9 * * *", "the hour field '17-9' has range '17-9', which runs backwards")]
    [InlineData("0 0 0 0 * *", "the day-of-month field '0'")]
    [InlineData("0 0 0 32 * *", "the day-of-month field '32'")]
    [InlineData("0 0 0 1 13 *", "the month field '13'")]
    [InlineData("0 0 0 1 JAN-XYZ *", "the month field 'JAN-XYZ' has 'XYZ'")]
    [InlineData("0 0 0 * * 8", "the day-of-week field '8'")]
    [InlineData("0 0 0 * * FUNDAY", "the day-of-week field 'FUNDAY'")]
    [InlineData("0 0 0 * * */8", "the day-of-week field '*/8' has step '8'")]
    public void Malformed_expressions_are_refused_naming_the_field(string expression, string message)
    {
        var act = () => NCrontab.Parse(expression);
        act.Should().Throw<FormatException>().Which.Message.Should().Contain(message);
    }
}
