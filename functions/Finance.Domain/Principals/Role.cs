namespace Finance.Domain.Principals;

/// <summary>What a principal does in the partnership: the API app registration's Entra app roles, by the same names.</summary>
public enum Role
{
    /// <summary>A partner's finance lead: posts actuals, accruals and forecasts for the lines their organisation hosts.</summary>
    FinanceLead,

    /// <summary>Sets up and runs the pools they manage: budgets, lines, commitments, month-end close.</summary>
    PoolManager,

    /// <summary>A section 75 partner: reads the pools their organisation is party to.</summary>
    PartnerViewer,

    /// <summary>Reads everything, writes nothing.</summary>
    Auditor,

    /// <summary>Maintains the directory of memberships, and may do anything a pool manager may do to any pool.</summary>
    Administrator,
}

public static class Roles
{
    public static IReadOnlyList<Role> All { get; } = Enum.GetValues<Role>();

    /// <summary>Parses a role name exactly as the app role's value is spelled; other values (other apps' roles) are not roles here.</summary>
    public static bool TryParse(string? text, out Role role)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.Ordinal))
            {
                role = candidate;
                return true;
            }
        }
        role = default;
        return false;
    }
}
