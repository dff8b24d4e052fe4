using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Finance.Domain.Money;

/// <summary>
/// An amount of sterling in whole pence. All arithmetic is exact and checked: money never passes through a float.
/// Statements show whole pounds, rounded half away from zero, unless pence are asked for.
/// </summary>
public readonly record struct Pence : IComparable<Pence>
{
    /// <summary>£1bn: the default largest single amount <see cref="Parse(string?)"/> accepts.</summary>
    public static readonly Pence DefaultParseCeiling = FromPounds(1_000_000_000);

    public Pence(long value) => Value = value;

    /// <summary>The amount in pence.</summary>
    public long Value { get; }

    public static Pence Zero => default;

    public static Pence FromPounds(long pounds) => new(checked(pounds * 100));

    /// <summary>Pounds and pence from a decimal with at most two places, for literals in tests and seed data.</summary>
    public static Pence FromPounds(decimal pounds)
    {
        var pence = pounds * 100m;
        if (pence != decimal.Truncate(pence))
        {
            throw new ArgumentException($"{pounds.ToString(CultureInfo.InvariantCulture)} has more than two decimal places.", nameof(pounds));
        }
        return new Pence(decimal.ToInt64(pence));
    }

    public bool IsZero => Value == 0;

    public bool IsNegative => Value < 0;

    public bool IsPositive => Value > 0;

    public Pence Abs() => new(checked(Math.Abs(Value)));

    /// <summary>Whole pounds, rounded half away from zero: 50p rounds up, −50p rounds down to −£1.</summary>
    public long WholePounds
    {
        get
        {
            var (pounds, pence) = Math.DivRem(Value, 100);
            return pence >= 50 ? pounds + 1 : pence <= -50 ? pounds - 1 : pounds;
        }
    }

    public static Pence Sum(IEnumerable<Pence> amounts)
    {
        ArgumentNullException.ThrowIfNull(amounts);
        long total = 0;
        foreach (var amount in amounts)
        {
            total = checked(total + amount.Value);
        }
        return new Pence(total);
    }

    public static Pence operator +(Pence left, Pence right) => new(checked(left.Value + right.Value));

    public static Pence operator -(Pence left, Pence right) => new(checked(left.Value - right.Value));

    public static Pence operator -(Pence amount) => new(checked(-amount.Value));

    public static bool operator <(Pence left, Pence right) => left.Value < right.Value;

    public static bool operator >(Pence left, Pence right) => left.Value > right.Value;

    public static bool operator <=(Pence left, Pence right) => left.Value <= right.Value;

    public static bool operator >=(Pence left, Pence right) => left.Value >= right.Value;

    public static Pence Add(Pence left, Pence right) => left + right;

    public static Pence Subtract(Pence left, Pence right) => left - right;

    public static Pence Negate(Pence amount) => -amount;

    public static Pence Max(Pence left, Pence right) => left >= right ? left : right;

    public static Pence Min(Pence left, Pence right) => left <= right ? left : right;

    public int CompareTo(Pence other) => Value.CompareTo(other.Value);

    /// <summary>"48,000" or "-45,000": whole pounds, no currency sign, as a statement cell shows them.</summary>
    public string ToWholePoundsString() => WholePounds.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1,234.56" or "-1,234.56".</summary>
    public string ToPoundsAndPenceString() => (Value / 100m).ToString("N2", CultureInfo.InvariantCulture);

    /// <summary>A statement cell: whole pounds by default, or pounds and pence.</summary>
    public string Format(bool withPence) => withPence ? ToPoundsAndPenceString() : ToWholePoundsString();

    /// <summary>"£1,234.56" or "-£1,234.56"; <see cref="Parse(string?)"/> reads it back.</summary>
    public override string ToString() =>
        IsNegative ? "-£" + (-(Value / 100m)).ToString("N2", CultureInfo.InvariantCulture) : "£" + ToPoundsAndPenceString();

    /// <summary>
    /// Reads "£1,234.56", "1234.56", "-12", "(1,234.00)" (a negative in brackets) with at most two decimal places and
    /// at most <see cref="DefaultParseCeiling"/> in size. Throws <see cref="FormatException"/> saying what is wrong.
    /// </summary>
    public static Pence Parse(string? text) => Parse(text, DefaultParseCeiling);

    public static Pence Parse(string? text, Pence ceiling) =>
        TryParse(text, ceiling, out var amount, out var error) ? amount : throw new FormatException(error);

    public static bool TryParse(string? text, out Pence amount, [NotNullWhen(false)] out string? error) =>
        TryParse(text, DefaultParseCeiling, out amount, out error);

    public static bool TryParse(string? text, Pence ceiling, out Pence amount, [NotNullWhen(false)] out string? error)
    {
        error = PenceText.TryRead(text, ceiling, out amount);
        return error is null;
    }
}
