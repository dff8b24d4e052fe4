using System.Globalization;
using System.Text.RegularExpressions;

namespace Finance.Functions.Pools;

/// <summary>Validation of a pool's fields as the HTTP edge receives them.</summary>
internal static partial class PoolFields
{
    public const string RowKey = "pool";
    public const int MaxTextLength = 200;

    [GeneratedRegex("^[a-z0-9-]{3,63}$")]
    private static partial Regex PoolIdPattern();

    [GeneratedRegex(@"^(\d{4})/(\d{2})$")]
    private static partial Regex YearPattern();

    public static string? ValidatePoolId(string poolId) =>
        PoolIdPattern().IsMatch(poolId) ? null : "A pool id is 3 to 63 lower-case letters, digits and hyphens.";

    public static Dictionary<string, string[]> Validate(PoolsApi.PoolBody body)
    {
        var errors = new Dictionary<string, string[]>();
        Text("name", body.Name, errors);
        Text("hostOrganisation", body.HostOrganisation, errors);
        if (string.IsNullOrWhiteSpace(body.FinancialYear))
        {
            errors["financialYear"] = ["The financial year is required, written like 2024/25."];
        }
        else if (YearPattern().Match(body.FinancialYear.Trim()) is not { Success: true } m
                 || (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1) % 100 != int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
        {
            errors["financialYear"] = [$"'{body.FinancialYear}' is not a financial year; write it like 2024/25 (April 2024 to March 2025)."];
        }
        return errors;
    }

    private static void Text(string field, string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"{field} is required."];
        }
        else if (value.Trim().Length > MaxTextLength)
        {
            errors[field] = [$"{field} is at most {MaxTextLength} characters."];
        }
    }
}
