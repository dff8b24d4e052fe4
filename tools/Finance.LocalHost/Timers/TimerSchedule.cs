using System.Globalization;
using NCrontab;

namespace Finance.LocalHost.Timers;

/// <summary>
/// A timer's schedule as the real host reads it: an NCRONTAB expression (six fields with seconds, or five without),
/// else a constant interval such as 00:05:00. Evaluated in UTC here (Azure uses WEBSITE_TIME_ZONE, UTC by default).
/// </summary>
internal abstract class TimerSchedule
{
    public abstract DateTime GetNextOccurrence(DateTime afterUtc);

    /// <summary>The real host's rule: schedules firing more than once a minute keep no schedule status.</summary>
    public abstract bool FiresMoreThanOncePerMinute(DateTime nowUtc);

    public static bool TryParse(string expression, out TimerSchedule schedule)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var cron = CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = fields.Length != 5 });
        if (cron is not null)
        {
            schedule = new Cron(cron, fields);
            return true;
        }
        if (TimeSpan.TryParse(expression, CultureInfo.InvariantCulture, out var interval) && interval > TimeSpan.Zero)
        {
            schedule = new Constant(interval);
            return true;
        }
        schedule = null!;
        return false;
    }

    private sealed class Cron(CrontabSchedule schedule, string[] fields) : TimerSchedule
    {
        public override DateTime GetNextOccurrence(DateTime afterUtc) => schedule.GetNextOccurrence(afterUtc);

        public override bool FiresMoreThanOncePerMinute(DateTime nowUtc)
        {
            // Only "X * * * * *" can fire more than once a minute; then count the next minute's occurrences.
            if (fields.Length != 6 || fields.Skip(1).Any(field => field != "*"))
            {
                return false;
            }
            return schedule.GetNextOccurrences(nowUtc, nowUtc.AddMinutes(1)).Skip(1).Any();
        }
    }

    private sealed class Constant(TimeSpan interval) : TimerSchedule
    {
        public override DateTime GetNextOccurrence(DateTime afterUtc) => afterUtc + interval;

        public override bool FiresMoreThanOncePerMinute(DateTime nowUtc) => interval < TimeSpan.FromMinutes(1);
    }
}
