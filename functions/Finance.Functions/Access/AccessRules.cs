using Finance.Domain.Principals;

namespace Finance.Functions.Access;

/// <summary>
/// The access rules functions are declared with. A rule used by several functions lives here once; the reach of each
/// role over pools is the table in the README's "Identity and access" section.
/// </summary>
public static class AccessRules
{
    /// <summary>The route parameter every pool-scoped function names its pool by.</summary>
    public const string PoolParameter = "poolId";

    /// <summary>Reading a pool: auditors and administrators read all; a pool manager the pools they manage or their
    /// organisations are party to; finance leads and partner viewers the pools their organisations are party to.
    /// Also what decides whether a refused caller may learn that a pool exists (403) or not (404).</summary>
    public static AccessRule ReadPool { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.Administrator] = Reach.Everything,
        [Role.Auditor] = Reach.Everything,
        [Role.PoolManager] = Reach.ManagedPools | Reach.PoolsOfOwnOrganisations,
        [Role.FinanceLead] = Reach.PoolsOfOwnOrganisations,
        [Role.PartnerViewer] = Reach.PoolsOfOwnOrganisations,
    });

    /// <summary>Setting a pool up: administrators any pool; a pool manager the pools they manage, or a new pool, of which
    /// they become a manager.</summary>
    public static AccessRule ManagePool { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.Administrator] = Reach.Everything,
        [Role.PoolManager] = Reach.ManagedPools | Reach.NewPools,
    });

    /// <summary>Uploading a CSV of actuals: finance leads, to pools their organisations are party to (each row's line must
    /// be one their organisation hosts).</summary>
    public static AccessRule UploadActuals { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.FinanceLead] = Reach.PoolsOfOwnOrganisations,
    });

    /// <summary>Submitting a control total from a partner's own ledger: finance leads, for pools their organisations are party to
    /// (and only for their own organisation).</summary>
    public static AccessRule SubmitControlTotals { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.FinanceLead] = Reach.PoolsOfOwnOrganisations,
    });

    /// <summary>Closing and reopening months: the pool's managers only (the month-end timer closes as the system).</summary>
    public static AccessRule ClosePool { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.PoolManager] = Reach.ManagedPools,
    });

    /// <summary>Setting up an existing pool (its streams, agreement and lines): administrators any pool; a pool manager the
    /// pools they manage.</summary>
    public static AccessRule ManagePoolSetup { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.Administrator] = Reach.Everything,
        [Role.PoolManager] = Reach.ManagedPools,
    });

    /// <summary>How the timers are doing: the people who run month end, and auditors.</summary>
    public static AccessRule ReadOperations { get; } = AccessRule.ForRoles(Role.Administrator, Role.PoolManager, Role.Auditor);

    /// <summary>Who belongs to which organisation with which roles: administrators, and auditors read it.</summary>
    public static AccessRule ReadDirectory { get; } = AccessRule.ForRoles(Role.Administrator, Role.Auditor);

    /// <summary>Changing memberships: administrators only.</summary>
    public static AccessRule MaintainDirectory { get; } = AccessRule.ForRoles(Role.Administrator);

    /// <summary>Keeping organisations: administrators and pool managers (who set pools up and name their partners).</summary>
    public static AccessRule MaintainOrganisations { get; } = AccessRule.ForRoles(Role.Administrator, Role.PoolManager);

    /// <summary>Reading organisations: every role; names and kinds of public bodies are not confidential.</summary>
    public static AccessRule ReadOrganisations { get; } =
        AccessRule.ForRoles(Role.Administrator, Role.PoolManager, Role.FinanceLead, Role.PartnerViewer, Role.Auditor);

    /// <summary>Posting to a pool's ledger. Which entries each caller may post is decided per entry
    /// (<see cref="PoolAccess.MayPost"/>): finance leads the monthly figures of lines their organisation hosts; pool
    /// managers the budget figures (allocations, contributions, commitments, releases, adjustments) of pools they manage.</summary>
    public static AccessRule PostToPool { get; } = AccessRule.ForPool(PoolParameter, new Dictionary<Role, Reach>
    {
        [Role.PoolManager] = Reach.ManagedPools,
        [Role.FinanceLead] = Reach.PoolsOfOwnOrganisations,
    });

    /// <summary>The rule a function's <see cref="AccessAttribute"/> names.</summary>
    public static AccessRule Of(Rule rule) => rule switch
    {
        Rule.Anonymous => AccessRule.Anonymous,
        Rule.AnyCaller => AccessRule.AnyCaller,
        Rule.ReadPool => ReadPool,
        Rule.ManagePool => ManagePool,
        Rule.ManagePoolSetup => ManagePoolSetup,
        Rule.PostToPool => PostToPool,
        Rule.UploadActuals => UploadActuals,
        Rule.SubmitControlTotals => SubmitControlTotals,
        Rule.ClosePool => ClosePool,
        Rule.ReadOperations => ReadOperations,
        Rule.ReadDirectory => ReadDirectory,
        Rule.MaintainDirectory => MaintainDirectory,
        Rule.MaintainOrganisations => MaintainOrganisations,
        Rule.ReadOrganisations => ReadOrganisations,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Not an access rule."),
    };
}
