using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain;

/// <summary>Constructor checks shared by the domain types; every message names the offending value.</summary>
internal static class Require
{
    public static string Text([NotNull] string? value, string what, int maxLength = Limits.MaxNameLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The {what} is required.", what);
        }
        var trimmed = value.Trim();
        if (trimmed.Length > maxLength)
        {
            throw new ArgumentException($"The {what} '{Preview(trimmed)}' is {trimmed.Length} characters long; at most {maxLength} are allowed.", what);
        }
        return trimmed;
    }

    public static string? OptionalText(string? value, string what, int maxLength = Limits.MaxTextLength) =>
        string.IsNullOrWhiteSpace(value) ? null : Text(value, what, maxLength);

    public static T NotNull<T>([NotNull] T? value, string what)
        where T : class =>
        value ?? throw new ArgumentNullException(what, $"The {what} is required.");

    public static IReadOnlyList<T> List<T>(IEnumerable<T>? values, string what, int maxCount)
    {
        var list = values?.ToArray() ?? [];
        if (list.Length > maxCount)
        {
            throw new ArgumentException($"{list.Length} {what} is more than the limit of {maxCount}.", what);
        }
        if (list.Any(v => v is null))
        {
            throw new ArgumentException($"The {what} contain an empty (null) item.", what);
        }
        return Array.AsReadOnly(list);
    }

    private static string Preview(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
