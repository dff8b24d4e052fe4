using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Finance.Domain.Calendar;

/// <summary>
/// Instants are stored in UTC; people see dates in Europe/London. Every instant-to-date conversion goes through here
/// so that a posting at 00:30 BST on 1 April lands in month 1, not month 12 of the previous year.
/// </summary>
public static class LondonTime
{
    private static readonly ZonedDateTimePattern DisplayPattern =
        ZonedDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm", DateTimeZoneProviders.Tzdb);

    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb["Europe/London"];

    public static LocalDate DateOf(Instant instant) => instant.InZone(Zone).Date;

    public static LocalDate Today(IClock clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return DateOf(clock.GetCurrentInstant());
    }

    public static FinancialMonth MonthOf(Instant instant) => FinancialMonth.Containing(DateOf(instant));

    /// <summary>The first instant of a London day (midnight, or the first valid moment on a clock-change day).</summary>
    public static Instant StartOfDay(LocalDate date) => Zone.AtStartOfDay(date).ToInstant();

    /// <summary>The last instant that still falls on a London day: a statement drawn "at the end of 30 November".</summary>
    public static Instant EndOfDay(LocalDate date) => StartOfDay(date.PlusDays(1)) - Duration.Epsilon;

    /// <summary>"2024-12-09 14:05" in London time.</summary>
    public static string Format(Instant instant) => DisplayPattern.Format(instant.InZone(Zone));

    internal static string FormatDate(LocalDate date) => date.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
}
