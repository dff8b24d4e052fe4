using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using NodaTime;

namespace Finance.Domain.Calendar;

/// <summary>An English public-sector financial year, 1 April to 31 March, written "2024/25".</summary>
public sealed record FinancialYear : IComparable<FinancialYear>
{
    public const int MinStartYear = 1990;
    public const int MaxStartYear = 2200;

    public FinancialYear(int startYear)
    {
        if (startYear is < MinStartYear or > MaxStartYear)
        {
            throw new ArgumentOutOfRangeException(nameof(startYear), startYear,
                $"{startYear} is not a supported start year for a financial year; use {MinStartYear} to {MaxStartYear}.");
        }
        StartYear = startYear;
    }

    /// <summary>The calendar year in which the financial year starts (2024 for 2024/25).</summary>
    public int StartYear { get; }

    public int EndYear => StartYear + 1;

    public LocalDate FirstDay => new(StartYear, 4, 1);

    public LocalDate LastDay => new(EndYear, 3, 31);

    public FinancialYear Next => new(StartYear + 1);

    public FinancialYear Previous => new(StartYear - 1);

    /// <summary>Months 1 (April) to 12 (March).</summary>
    public IEnumerable<FinancialMonth> Months => Enumerable.Range(1, 12).Select(Month);

    public FinancialMonth Month(int number) => new(this, number);

    public bool Contains(LocalDate date) => date >= FirstDay && date <= LastDay;

    public static FinancialYear Containing(LocalDate date) => new(date.Month >= 4 ? date.Year : date.Year - 1);

    public static FinancialYear Parse(string? text) =>
        TryParse(text, out var year, out var error) ? year : throw new FormatException(error);

    /// <summary>Reads "2024/25". The second part must be the year after the first, so "2024/26" is refused.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out FinancialYear? year, [NotNullWhen(false)] out string? error)
    {
        year = null;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length != 7 || trimmed[4] != '/'
            || !int.TryParse(trimmed.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !int.TryParse(trimmed.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var end))
        {
            error = $"'{text}' is not a financial year; write it like 2024/25 (April 2024 to March 2025).";
            return false;
        }
        if ((start + 1) % 100 != end)
        {
            error = $"'{text}' is not a financial year: {end:00} does not follow {start}; write it like {start}/{(start + 1) % 100:00}.";
            return false;
        }
        if (start is < MinStartYear or > MaxStartYear)
        {
            error = $"'{text}' is outside the supported financial years {MinStartYear}/{(MinStartYear + 1) % 100:00} to {MaxStartYear}/{(MaxStartYear + 1) % 100:00}.";
            return false;
        }
        year = new FinancialYear(start);
        error = null;
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{StartYear}/{EndYear % 100:00}");

    public int CompareTo(FinancialYear? other) => other is null ? 1 : StartYear.CompareTo(other.StartYear);

    public static bool operator <(FinancialYear left, FinancialYear right) => Compare(left, right) < 0;

    public static bool operator >(FinancialYear left, FinancialYear right) => Compare(left, right) > 0;

    public static bool operator <=(FinancialYear left, FinancialYear right) => Compare(left, right) <= 0;

    public static bool operator >=(FinancialYear left, FinancialYear right) => Compare(left, right) >= 0;

    private static int Compare(FinancialYear? left, FinancialYear? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);
}
