using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Finance.Domain;

/// <summary>
/// The one rule every id in the ledger follows: 3 to 63 lower-case letters, digits and hyphens. It is safe as an Azure
/// Table partition or row key and in a URL path without escaping.
/// </summary>
public static partial class Identifier
{
    public const string Rule = "3 to 63 lower-case letters, digits and hyphens";

    // \z, not $: $ also matches before a final newline, which would let "pool\n" through to a table key.
    [GeneratedRegex("^[a-z0-9-]{3,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    public static string? Problem(string? text, string what) =>
        text is null || !Pattern().IsMatch(text)
            ? $"'{text}' is not a valid {what}: use {Rule}."
            : null;

    public static string Validate(string? text, string what) =>
        Problem(text, what) is { } problem ? throw new ArgumentException(problem, nameof(text)) : text!;

    public static bool TryCreate<T>(string? text, string what, Func<string, T> create, [NotNullWhen(true)] out T? id, [NotNullWhen(false)] out string? error)
        where T : class
    {
        error = Problem(text, what);
        id = error is null ? create(text!) : null;
        return error is null;
    }
}
