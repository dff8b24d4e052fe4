using Finance.Domain;
using Finance.Domain.Principals;

namespace Finance.Functions.Access;

/// <summary>
/// The shapes of the ids access decisions are made on. Every id that reaches a table key or a blob name is checked
/// against one of these first, so quotes, OData operators, slashes and dots never get as far as storage. Both rules
/// are the domain's.
/// </summary>
public static class Ids
{
    /// <summary>The ledger's id rule (pools, organisations, lines).</summary>
    public const string LedgerIdRule = Identifier.Rule;

    /// <summary>Principal ids are Entra object ids (GUIDs) in Azure and short names locally.</summary>
    public const string PrincipalIdRule = PrincipalIds.Rule;

    public static bool IsLedgerId(string? text) => Identifier.IsValid(text);

    public static bool IsPrincipalId(string? text) => PrincipalIds.IsValid(text);
}
