using System.Globalization;
using System.Numerics;

namespace Finance.Functions.Hosting;

/// <summary>
/// A timer trigger's NCRONTAB schedule, read as the Functions host reads it: six fields, <c>second minute hour
/// day-of-month month day-of-week</c>, in UTC. Each field is <c>*</c>, a number, a range <c>a-b</c>, a step <c>*/n</c>,
/// <c>a/n</c> (a to the field's end) or <c>a-b/n</c>, or a comma list of those. Months are 1-12 or JAN-DEC; days of the
/// week 0-6 from Sunday (7 is Sunday too) or SUN-SAT; names are three letters or the full English name, in any case.
/// </summary>
/// <remarks>
/// Day-of-month and day-of-week: a date fires only when it matches <em>both</em> (and the month). That is what the
/// NCrontab library inside the Functions host does, so <c>0 0 0 13 * 5</c> fires on Friday the 13th here as in Azure.
/// Unix cron differs (when both fields are restricted, either matching is enough); following it here would fire timers
/// locally on days Azure does not. None of the app's schedules restricts both fields.
/// </remarks>
public sealed class NCrontab
{
    /// <summary>How far ahead <see cref="Next"/> looks before deciding a schedule does not fire (the 30th of February).</summary>
    public const int SearchYears = 5;

    private static readonly string[] MonthNames =
        ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"];

    private static readonly string[] DayNames = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

    // In expression order. Day-of-week accepts 7 as well as 0 for Sunday; it is folded onto 0 once parsed.
    private static readonly FieldKind[] Kinds =
    [
        new("second", 0, 59, 59, null),
        new("minute", 0, 59, 59, null),
        new("hour", 0, 23, 23, null),
        new("day-of-month", 1, 31, 31, null),
        new("month", 1, 12, 12, MonthNames),
        new("day-of-week", 0, 6, 7, DayNames),
    ];

    // One bit per allowed value (bit n set: value n fires); every field's values fit in 64 bits.
    private readonly ulong seconds;
    private readonly ulong minutes;
    private readonly ulong hours;
    private readonly ulong daysOfMonth;
    private readonly ulong months;
    private readonly ulong daysOfWeek;

    private NCrontab(string expression, ulong[] fields)
    {
        Expression = expression;
        (seconds, minutes, hours, daysOfMonth, months, daysOfWeek) = (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>Parses a six-field NCRONTAB expression.</summary>
    /// <exception cref="FormatException">The expression is not six fields, or a field (named in the message) is malformed or out of range.</exception>
    public static NCrontab Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var texts = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (texts.Length != Kinds.Length)
        {
            throw new FormatException(
                $"NCRONTAB expression '{expression}' has {texts.Length} field(s); it needs {Kinds.Length}: second minute hour day-of-month month day-of-week.");
        }
        var fields = new ulong[Kinds.Length];
        for (var i = 0; i < Kinds.Length; i++)
        {
            fields[i] = ParseField(expression, Kinds[i], texts[i]);
        }
        return new NCrontab(expression, fields);
    }

    /// <summary>The first instant the schedule fires strictly after <paramref name="afterUtc"/> (any offset; compared as
    /// UTC), in whole seconds with offset zero; null when it does not fire within <see cref="SearchYears"/> years.</summary>
    public DateTimeOffset? Next(DateTimeOffset afterUtc)
    {
        var after = afterUtc.UtcDateTime;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(after.Year, DateTime.MaxValue.Year - SearchYears - 1, nameof(afterUtc));
        var limit = after.AddYears(SearchYears);
        var candidate = new DateTime(after.Ticks - (after.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc).AddSeconds(1);
        // Each step either returns or moves the candidate to the start of the next unit that could match, so the loop
        // runs at most a few times per day searched (about 2,000 days).
        while (candidate <= limit)
        {
            var day = candidate.Date;
            if (!Has(months, candidate.Month))
            {
                candidate = day.AddDays(1 - candidate.Day).AddMonths(1);
            }
            else if (!Has(daysOfMonth, candidate.Day) || !Has(daysOfWeek, (int)candidate.DayOfWeek))
            {
                candidate = day.AddDays(1);
            }
            else if (!Has(hours, candidate.Hour))
            {
                var hour = NextAtOrAfter(hours, candidate.Hour);
                candidate = hour < 0 ? day.AddDays(1) : day.AddHours(hour);
            }
            else if (!Has(minutes, candidate.Minute))
            {
                var hourStart = day.AddHours(candidate.Hour);
                var minute = NextAtOrAfter(minutes, candidate.Minute);
                candidate = minute < 0 ? hourStart.AddHours(1) : hourStart.AddMinutes(minute);
            }
            else if (!Has(seconds, candidate.Second))
            {
                var minuteStart = day.AddHours(candidate.Hour).AddMinutes(candidate.Minute);
                var second = NextAtOrAfter(seconds, candidate.Second);
                candidate = second < 0 ? minuteStart.AddMinutes(1) : minuteStart.AddSeconds(second);
            }
            else
            {
                return new DateTimeOffset(candidate, TimeSpan.Zero);
            }
        }
        return null;
    }

    public override string ToString() => Expression;

    private static bool Has(ulong field, int value) => (field & (1UL << value)) != 0;

    /// <summary>The smallest allowed value at or after <paramref name="value"/>, or -1 when there is none.</summary>
    private static int NextAtOrAfter(ulong field, int value)
    {
        var rest = field >> value;
        return rest == 0 ? -1 : value + BitOperations.TrailingZeroCount(rest);
    }

    private static ulong ParseField(string expression, FieldKind kind, string text)
    {
        ulong bits = 0;
        foreach (var item in text.Split(','))
        {
            if (item.Length == 0)
            {
                throw Error(expression, kind, text, "has an empty item in its list");
            }
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var range = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0)
            {
                var stepText = item[(slash + 1)..];
                var largestStep = kind.Max - kind.Min + 1;
                if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > largestStep)
                {
                    throw Error(expression, kind, text, $"has step '{stepText}'; a step is a whole number from 1 to {largestStep}");
                }
            }
            int from, to;
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            if (range == "*")
            {
                (from, to) = (kind.Min, kind.Max);
            }
            else if (dash > 0)
            {
                from = ParseValue(expression, kind, text, range[..dash]);
                to = ParseValue(expression, kind, text, range[(dash + 1)..]);
                if (from > to)
                {
                    throw Error(expression, kind, text, $"has range '{range}', which runs backwards");
                }
            }
            else
            {
                from = ParseValue(expression, kind, text, range);
                // "a/n" runs from a to the field's end; a Sunday written 7 starts the week again.
                from = from > kind.Max ? kind.Min : from;
                to = slash < 0 ? from : kind.Max;
            }
            for (var value = from; value <= to; value += step)
            {
                bits |= 1UL << value;
            }
        }
        if (kind.MaxAccepted > kind.Max && (bits >> (kind.Max + 1)) != 0)
        {
            bits = (bits & ((1UL << (kind.Max + 1)) - 1)) | (1UL << kind.Min);
        }
        return bits;
    }

    private static int ParseValue(string expression, FieldKind kind, string text, string value)
    {
        var range = kind.MaxAccepted > kind.Max ? $"{kind.Min}-{kind.MaxAccepted}" : $"{kind.Min}-{kind.Max}";
        if (value.Length > 0 && char.IsAsciiDigit(value[0]))
        {
            return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= kind.Min && number <= kind.MaxAccepted
                ? number
                : throw Error(expression, kind, text, $"has '{value}', outside {range}");
        }
        if (kind.Names is { } names)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (value.Equals(names[i], StringComparison.OrdinalIgnoreCase) || value.Equals(names[i][..3], StringComparison.OrdinalIgnoreCase))
                {
                    return kind.Min + i;
                }
            }
            throw Error(expression, kind, text, $"has '{value}', which is neither a number in {range} nor a name ({string.Join(", ", names.Select(n => n[..3]))})");
        }
        throw Error(expression, kind, text, $"has '{value}', which is not a number in {range}");
    }

    private static FormatException Error(string expression, FieldKind kind, string text, string reason) =>
        new($"NCRONTAB expression '{expression}': the {kind.Name} field '{text}' {reason}.");

    /// <param name="MaxAccepted">The largest value written in an expression; above <paramref name="Max"/> only for day-of-week (7, Sunday).</param>
    private sealed record FieldKind(string Name, int Min, int Max, int MaxAccepted, string[]? Names);
}
