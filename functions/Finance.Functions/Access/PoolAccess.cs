using Finance.Domain.Principals;

namespace Finance.Functions.Access;

public enum AccessDecision
{
    Allow,

    /// <summary>403: the caller may know the pool exists but may not do this to it.</summary>
    Forbidden,

    /// <summary>404: the caller may not learn whether the pool exists.</summary>
    NotFound,
}

/// <summary>
/// Every rule about who reaches which pool, in one place: the access middleware asks it before a pool-scoped handler
/// runs, and handlers that grow pool data (lines, entries) ask it rather than deciding for themselves.
/// </summary>
public static class PoolAccess
{
    /// <summary>One of the caller's organisations hosts the pool or is a partner in it.</summary>
    public static bool IsParty(Caller caller, PoolParties pool) => caller.BelongsToAny(pool.Organisations);

    public static bool Manages(Caller caller, PoolParties pool) => pool.Managers.Contains(caller.Id, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="reach"/> covers an existing pool.</summary>
    public static bool Covers(Reach reach, Caller caller, PoolParties pool) =>
        reach.HasFlag(Reach.Everything)
        || (reach.HasFlag(Reach.PoolsOfOwnOrganisations) && IsParty(caller, pool))
        || (reach.HasFlag(Reach.ManagedPools) && Manages(caller, pool));

    /// <summary>May the caller learn that this pool exists? Exactly when they may read it.</summary>
    public static bool CanSee(Caller caller, PoolParties pool) => Covers(AccessRules.ReadPool.ReachOf(caller), caller, pool);

    /// <param name="pool">The pool as stored, or null when no pool has that id.</param>
    public static AccessDecision Decide(Caller caller, Reach reach, PoolParties? pool)
    {
        if (reach == Reach.None)
        {
            return AccessDecision.Forbidden;
        }
        if (reach.HasFlag(Reach.Everything))
        {
            return AccessDecision.Allow;
        }
        if (pool is null)
        {
            // Only creation may name a pool that does not exist; everyone else learns nothing more than "not found".
            return reach.HasFlag(Reach.NewPools) ? AccessDecision.Allow : AccessDecision.NotFound;
        }
        if (Covers(reach, caller, pool))
        {
            return AccessDecision.Allow;
        }
        return CanSee(caller, pool) ? AccessDecision.Forbidden : AccessDecision.NotFound;
    }

    /// <summary>
    /// A finance lead posts only to lines their organisation hosts, in a pool that organisation is party to. For the
    /// posting API: the line's host comes from the stored line, never from the request.
    /// </summary>
    public static bool CanPostToLine(Caller caller, PoolParties pool, string lineHostOrganisation) =>
        caller.Has(Role.FinanceLead)
        && caller.Organisations.Contains(lineHostOrganisation)
        && pool.Organisations.Contains(lineHostOrganisation, StringComparer.Ordinal);

    /// <summary>
    /// May the caller post an entry of <paramref name="figure"/> (for a reversal: the kind of the entry it reverses) to
    /// this pool? Monthly figures of a line (actuals, prior-year invoices, accruals, forecasts, nil returns) are the
    /// finance lead's of the organisation hosting the line; budget figures (allocations, contributions, commitments,
    /// releases, carry-forwards, adjustments) are the pool manager's. Null when allowed, else why not.
    /// </summary>
    /// <param name="lineHostOrganisation">The stored line's host, for figures on a line; null otherwise.</param>
    public static string? MayPost(Caller caller, PoolParties pool, Finance.Domain.Ledger.EntryKind figure, string? lineHostOrganisation)
    {
        if (IsFinanceLeadFigure(figure))
        {
            if (lineHostOrganisation is null)
            {
                return $"An entry of kind {Finance.Domain.Ledger.EntryKinds.Name(figure)} is posted to a line.";
            }
            return CanPostToLine(caller, pool, lineHostOrganisation)
                ? null
                : $"Only a finance lead of '{lineHostOrganisation}', which hosts the line, may post its {Describe(figure)}.";
        }
        return caller.Has(Role.PoolManager) && Manages(caller, pool)
            ? null
            : $"Only a manager of pool '{pool.PoolId}' may post {Describe(figure)}.";
    }

    /// <summary>The figures a finance lead submits for the lines their organisation hosts.</summary>
    public static bool IsFinanceLeadFigure(Finance.Domain.Ledger.EntryKind figure) => figure is Finance.Domain.Ledger.EntryKind.Actual
        or Finance.Domain.Ledger.EntryKind.PriorYearInvoice or Finance.Domain.Ledger.EntryKind.Accrual
        or Finance.Domain.Ledger.EntryKind.ForecastOutturn or Finance.Domain.Ledger.EntryKind.NilReturn
        or Finance.Domain.Ledger.EntryKind.Note;

    private static string Describe(Finance.Domain.Ledger.EntryKind figure) => figure switch
    {
        Finance.Domain.Ledger.EntryKind.Actual => "actuals",
        Finance.Domain.Ledger.EntryKind.PriorYearInvoice => "prior-year invoices",
        Finance.Domain.Ledger.EntryKind.Accrual => "accruals",
        Finance.Domain.Ledger.EntryKind.ForecastOutturn => "forecast outturns",
        Finance.Domain.Ledger.EntryKind.NilReturn => "nil returns",
        Finance.Domain.Ledger.EntryKind.Note => "notes",
        Finance.Domain.Ledger.EntryKind.Allocation => "allocations",
        Finance.Domain.Ledger.EntryKind.Contribution => "contributions",
        Finance.Domain.Ledger.EntryKind.Commitment => "commitments",
        Finance.Domain.Ledger.EntryKind.CommitmentRelease => "commitment releases",
        Finance.Domain.Ledger.EntryKind.CarryForwardIn => "carried-forward balances",
        _ => "adjustments",
    };
}
