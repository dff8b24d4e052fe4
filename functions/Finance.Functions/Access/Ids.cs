using System.Text.RegularExpressions;
using Finance.Domain;

namespace Finance.Functions.Access;

/// <summary>
/// The shapes of the ids access decisions are made on. Every id that reaches a table key or a blob name is checked
/// against one of these first, so quotes, OData operators, slashes and dots never get as far as storage.
/// </summary>
public static partial class Ids
{
    /// <summary>The ledger's id rule (pools, organisations, lines): the domain's.</summary>
    public const string LedgerIdRule = Identifier.Rule;

    /// <summary>Principal ids are Entra object ids (GUIDs) in Azure and short names locally.</summary>
    public const string PrincipalIdRule = "1 to 128 letters, digits, '.', '_' and '-', starting with a letter or digit";

    // \z, not $: $ also matches before a final newline, which would let "alice\n" through to a table key.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex PrincipalIdPattern();

    public static bool IsLedgerId(string? text) => Identifier.IsValid(text);

    public static bool IsPrincipalId(string? text) => text is not null && PrincipalIdPattern().IsMatch(text);
}
