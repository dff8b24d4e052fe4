using Finance.Functions.Access;

namespace Finance.Functions.Http;

/// <summary>
/// Every route parameter any function may declare, with the shape its values must have. The access middleware checks
/// values against these before a token's memberships or any pool is read, so quotes, OData operators, dots and
/// slashes in ids are refused (400) before storage is touched. A function whose route declares a parameter not listed
/// here is refused where it is mapped.
/// </summary>
public static class RouteParameters
{
    private static readonly Dictionary<string, (Func<string, bool> Valid, string Message)> Known = new(StringComparer.Ordinal)
    {
        [AccessRules.PoolParameter] = (Ids.IsLedgerId, "A pool id is 3 to 63 lower-case letters, digits and hyphens."),
        ["organisationId"] = (Ids.IsLedgerId, $"An organisation id is {Ids.LedgerIdRule}."),
        ["streamId"] = (Ids.IsLedgerId, $"A funding stream id is {Ids.LedgerIdRule}."),
        ["lineId"] = (Ids.IsLedgerId, $"A line id is {Ids.LedgerIdRule}."),
        ["entryId"] = (Ids.IsLedgerId, $"An entry id is {Ids.LedgerIdRule}."),
        ["importId"] = (Ids.IsLedgerId, $"An import id is {Ids.LedgerIdRule}."),
        ["year"] = (IsYear, "A financial year in a route is written 2024-25."),
        ["month"] = (m => m.Length is 1 or 2 && m.All(char.IsAsciiDigit) && int.Parse(m, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 12,
            "A month is 1 (April) to 12 (March)."),
        ["principalId"] = (Ids.IsPrincipalId, $"A principal id is {Ids.PrincipalIdRule}."),
        // Timer function names, as GetTimerRun reads them.
        ["name"] = (name => name.Length is > 0 and <= 64 && name.All(char.IsAsciiLetterOrDigit), "A timer name is letters and digits."),
    };

    private static bool IsYear(string text) =>
        text.Length == 7 && text[4] == '-' && Finance.Domain.Calendar.FinancialYear.TryParse(text.Replace('-', '/'), out _, out _);

    public static bool IsKnown(string parameter) => Known.ContainsKey(parameter);

    /// <summary>Why <paramref name="value"/> is not a valid <paramref name="parameter"/>, or null when it is.</summary>
    public static string? Problem(string parameter, string? value) =>
        !Known.TryGetValue(parameter, out var rule) ? $"'{parameter}' is not a known route parameter."
        : value is null || !rule.Valid(value) ? rule.Message
        : null;
}
