namespace Finance.Functions.Access;

/// <summary>What access decisions need to know about a pool: who is party to it and who manages it.</summary>
/// <param name="HostOrganisation">The organisation that hosts the pool and keeps its accounts.</param>
/// <param name="PartnerOrganisations">The other section 75 partners.</param>
/// <param name="Managers">Principal ids of the pool's managers.</param>
public sealed record PoolParties(string PoolId, string HostOrganisation, IReadOnlyList<string> PartnerOrganisations, IReadOnlyList<string> Managers)
{
    public IEnumerable<string> Organisations => PartnerOrganisations.Prepend(HostOrganisation);
}

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
}
