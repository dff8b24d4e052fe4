using System.Buffers;
using System.Globalization;

namespace Finance.Domain.Money;

/// <summary>
/// The amount reader behind <see cref="Pence.Parse(string?)"/>. Strict on purpose: finance leads' CSV exports are the
/// main input, and a misread amount is worse than a refused one, so every refusal says exactly what was wrong.
/// </summary>
internal static class PenceText
{
    private const int MaxInputLength = 40;
    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    private static readonly SearchValues<char> DigitsAndCommas = SearchValues.Create("0123456789,");
    private const string Shape = "write it like £1,234.56, 1234.56, -12 or (1,234.00)";

    /// <returns>null when <paramref name="amount"/> was read, otherwise why not.</returns>
    public static string? TryRead(string? text, Pence ceiling, out Pence amount)
    {
        amount = Pence.Zero;
        if (ceiling.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(ceiling), ceiling, "The ceiling for an amount cannot be negative.");
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return "The amount is empty; " + Shape + ".";
        }
        var s = text.Trim();
        if (s.Length > MaxInputLength)
        {
            return $"'{s[..MaxInputLength]}…' is too long to be an amount.";
        }
        if (s.Contains("nan", StringComparison.OrdinalIgnoreCase) || s.Contains("inf", StringComparison.OrdinalIgnoreCase) || s.Contains('∞', StringComparison.Ordinal))
        {
            return $"'{s}' is not an amount; {Shape}.";
        }
        if (s.Contains('e', StringComparison.OrdinalIgnoreCase))
        {
            return $"'{s}' uses an exponent; amounts must be written out in full, {Shape}.";
        }

        var negative = false;
        var body = s.AsSpan();
        if (body.Length >= 2 && body[0] == '(' && body[^1] == ')')
        {
            negative = true;
            body = body[1..^1].Trim();
        }
        var signs = 0;
        var pound = false;
        while (body.Length > 0 && (body[0] is '-' or '\u2212' or '£' or '+'))
        {
            if (body[0] == '£')
            {
                if (pound)
                {
                    return $"'{s}' has more than one £ sign.";
                }
                pound = true;
            }
            else
            {
                signs++;
                negative |= body[0] != '+';
            }
            body = body[1..].TrimStart();
        }
        if (signs > 1 || (signs == 1 && s.StartsWith('(')))
        {
            return $"'{s}' has more than one sign; {Shape}.";
        }

        var point = body.IndexOf('.');
        var whole = point < 0 ? body : body[..point];
        var fraction = point < 0 ? [] : body[(point + 1)..];
        if (point >= 0 && fraction.Length == 0)
        {
            return $"'{s}' ends with a decimal point; {Shape}.";
        }
        if (fraction.ContainsAnyExcept(Digits))
        {
            return fraction.Contains('.') ? $"'{s}' has more than one decimal point." : $"'{s}' is not an amount; {Shape}.";
        }
        if (fraction.Length > 2)
        {
            return $"'{s}' has {fraction.Length} decimal places; an amount has at most two (pounds and pence).";
        }
        if (whole.Length == 0 && fraction.Length == 0)
        {
            return $"'{s}' has no digits; {Shape}.";
        }
        if (whole.ContainsAnyExcept(DigitsAndCommas))
        {
            return $"'{s}' is not an amount; {Shape}.";
        }
        if (whole.Contains(',') && !GroupedInThousands(whole))
        {
            return $"'{s}' has a comma out of place; commas may only separate thousands, as in 1,234,567.89.";
        }

        var digits = string.Concat(whole.ToString().Replace(",", "", StringComparison.Ordinal), fraction.ToString().PadRight(2, '0'));
        digits = digits.TrimStart('0');
        // 19 digits of pence is already beyond £10 quadrillion: far over any ceiling, and beyond a long.
        if (digits.Length > 18)
        {
            return $"'{s}' is larger than the most a single amount can be ({ceiling}).";
        }
        var pence = digits.Length == 0 ? 0 : long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (pence > ceiling.Value)
        {
            return $"'{s}' is larger than the most a single amount can be ({ceiling}).";
        }
        amount = new Pence(negative ? -pence : pence);
        return null;
    }

    private static bool GroupedInThousands(ReadOnlySpan<char> whole)
    {
        var groups = whole.ToString().Split(',');
        return groups[0].Length is >= 1 and <= 3 && groups.Skip(1).All(g => g.Length == 3);
    }
}
