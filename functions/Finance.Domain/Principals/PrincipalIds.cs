using System.Text.RegularExpressions;

namespace Finance.Domain.Principals;

/// <summary>
/// The shape of a principal id: an Entra object id (a GUID) in Azure, a short name locally. Safe as a table row key and
/// in a URL path; anything else a token or a request names is refused before it reaches storage.
/// </summary>
public static partial class PrincipalIds
{
    public const string Rule = "1 to 128 letters, digits, '.', '_' and '-', starting with a letter or digit";

    // \z, not $: $ also matches before a final newline, which would let "alice\n" through to a table key.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);
}
