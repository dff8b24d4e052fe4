using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NodaTime;

namespace Finance.Domain.Calendar;

/// <summary>
/// Month <see cref="Number"/> of a financial year: 1 is April, 12 is March. "Month 8" of 2019/20 ends on 30 November 2019.
/// </summary>
public sealed record FinancialMonth : IComparable<FinancialMonth>
{
    public FinancialMonth(FinancialYear year, int number)
    {
        ArgumentNullException.ThrowIfNull(year);
        if (number is < 1 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(number), number,
                $"Month {number} is not a financial month: months run from 1 (April) to 12 (March).");
        }
        Year = year;
        Number = number;
    }

    public FinancialYear Year { get; }

    public int Number { get; }

    /// <summary>"M8".</summary>
    public string Label => string.Create(CultureInfo.InvariantCulture, $"M{Number}");

    public int CalendarYear => Number <= 9 ? Year.StartYear : Year.EndYear;

    /// <summary>1 = January … 12 = December.</summary>
    public int CalendarMonth => ((Number + 2) % 12) + 1;

    public LocalDate FirstDay => new(CalendarYear, CalendarMonth, 1);

    /// <summary>The last day of the month: the date a statement for this month runs "to".</summary>
    public LocalDate PeriodEnd => FirstDay.PlusMonths(1).PlusDays(-1);

    /// <summary>"November 2019".</summary>
    public string Name => FirstDay.ToString("MMMM yyyy", CultureInfo.InvariantCulture);

    public FinancialMonth Next => Number == 12 ? new(Year.Next, 1) : new(Year, Number + 1);

    public FinancialMonth Previous => Number == 1 ? new(Year.Previous, 12) : new(Year, Number - 1);

    public bool Contains(LocalDate date) => date >= FirstDay && date <= PeriodEnd;

    public static FinancialMonth Containing(LocalDate date) =>
        new(FinancialYear.Containing(date), date.Month >= 4 ? date.Month - 3 : date.Month + 9);

    /// <summary>Reads "M8" or "8" (a month number on its own, 1 to 12).</summary>
    public static bool TryParseNumber(string? text, out int number, [NotNullWhen(false)] out string? error)
    {
        var trimmed = text?.Trim() ?? "";
        var digits = trimmed.StartsWith('M') || trimmed.StartsWith('m') ? trimmed[1..] : trimmed;
        if (digits.Length is >= 1 and <= 2
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number)
            && number is >= 1 and <= 12)
        {
            error = null;
            return true;
        }
        number = 0;
        error = $"'{text}' is not a financial month; write M1 (April) to M12 (March).";
        return false;
    }

    /// <summary>Reads "2019/20 M8".</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out FinancialMonth? month, [NotNullWhen(false)] out string? error)
    {
        month = null;
        var parts = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            error = $"'{text}' is not a financial month; write it like 2019/20 M8.";
            return false;
        }
        if (!FinancialYear.TryParse(parts[0], out var year, out error) || !TryParseNumber(parts[1], out var number, out error))
        {
            return false;
        }
        month = new FinancialMonth(year, number);
        return true;
    }

    public static FinancialMonth Parse(string? text) =>
        TryParse(text, out var month, out var error) ? month : throw new FormatException(error);

    public static FinancialMonth Parse(FinancialYear year, string? monthText) =>
        TryParseNumber(monthText, out var number, out var error) ? new FinancialMonth(year, number) : throw new FormatException(error);

    /// <summary>"2019/20 M8".</summary>
    public override string ToString() => $"{Year} {Label}";

    public int CompareTo(FinancialMonth? other) =>
        other is null ? 1 : Year.CompareTo(other.Year) is var byYear and not 0 ? byYear : Number.CompareTo(other.Number);

    public static bool operator <(FinancialMonth left, FinancialMonth right) => Compare(left, right) < 0;

    public static bool operator >(FinancialMonth left, FinancialMonth right) => Compare(left, right) > 0;

    public static bool operator <=(FinancialMonth left, FinancialMonth right) => Compare(left, right) <= 0;

    public static bool operator >=(FinancialMonth left, FinancialMonth right) => Compare(left, right) >= 0;

    private static int Compare(FinancialMonth? left, FinancialMonth? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);
}
