using Finance.Domain.Calendar;
using Finance.Functions.Access;

namespace Finance.Functions.Pools;

/// <summary>Validation of a pool's fields as the HTTP edge receives them.</summary>
internal static partial class PoolFields
{
    public const int MaxTextLength = 200;

    /// <summary>Partners besides the host; section 75 pools have a handful.</summary>
    public const int MaxPartnerOrganisations = 20;

    public const int MaxPoolManagers = 20;

    public static Dictionary<string, string[]> Validate(PoolBody body)
    {
        var errors = new Dictionary<string, string[]>();
        Text("name", body.Name, errors);
        if (string.IsNullOrWhiteSpace(body.HostOrganisation))
        {
            errors["hostOrganisation"] = ["hostOrganisation is required: the organisation id of the host partner."];
        }
        else if (!Ids.IsLedgerId(body.HostOrganisation))
        {
            errors["hostOrganisation"] = [$"hostOrganisation is an organisation id: {Ids.LedgerIdRule}."];
        }
        List("partnerOrganisations", body.PartnerOrganisations, MaxPartnerOrganisations, Ids.IsLedgerId, $"an organisation id is {Ids.LedgerIdRule}", errors);
        List("poolManagers", body.PoolManagers, MaxPoolManagers, Ids.IsPrincipalId, $"a principal id is {Ids.PrincipalIdRule}", errors);
        if (string.IsNullOrWhiteSpace(body.FinancialYear))
        {
            errors["financialYear"] = ["The financial year is required, written like 2024/25."];
        }
        else if (!FinancialYear.TryParse(body.FinancialYear, out _, out var yearError))
        {
            errors["financialYear"] = [yearError];
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
        else if (Finance.Domain.TextRule.Problem(value.Trim(), singleLine: true) is { } problem)
        {
            errors[field] = [$"{field} {problem}."];
        }
    }

    private static void List(string field, IReadOnlyList<string?>? values, int max, Func<string, bool> valid, string rule, Dictionary<string, string[]> errors)
    {
        if (values is null)
        {
            return;
        }
        if (values.Count > max)
        {
            errors[field] = [$"At most {max} {field}."];
            return;
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } value || !valid(value))
            {
                // The value is not echoed: it may be anything up to the body limit.
                errors[$"{field}[{i}]"] = [$"Not allowed: {rule}."];
            }
        }
    }
}
