using Finance.Domain.Principals;

namespace Finance.Functions.Access;

/// <summary>How far a role reaches at one function. Flags: a role may reach its own organisations' pools and the pools it
/// manages at once; a caller with several roles reaches the union of them.</summary>
[Flags]
public enum Reach
{
    /// <summary>Refused (403) before anything is read.</summary>
    None = 0,

    /// <summary>Pools whose host or partner organisations include one of the caller's organisations.</summary>
    PoolsOfOwnOrganisations = 1,

    /// <summary>Pools that list the caller among their managers.</summary>
    ManagedPools = 2,

    /// <summary>A pool id not yet in use: the caller creates that pool.</summary>
    NewPools = 4,

    /// <summary>Everything the function serves.</summary>
    Everything = 8,
}

public enum AccessKind
{
    /// <summary>No token: only health, which says nothing about the ledger.</summary>
    Anonymous,

    /// <summary>Any valid token, with or without a role.</summary>
    AnyCaller,

    /// <summary>A valid token whose principal holds one of the granted roles.</summary>
    Roles,

    /// <summary>A valid token, a granted role, and the pool named by a route parameter within that role's reach.</summary>
    Pool,
}

/// <summary>
/// Who may call one function, declared beside the function (<c>[Access(Rule.X)]</c> on its <c>[Function]</c> method) and enforced by
/// <see cref="HttpFunctionMiddleware"/> before the function runs. The README's access table and the access matrix test are
/// generated from these rules, so the three cannot drift apart.
/// </summary>
public sealed class AccessRule
{
    private AccessRule(AccessKind kind, string? poolParameter, IReadOnlyDictionary<Role, Reach> grants)
    {
        Kind = kind;
        PoolParameter = poolParameter;
        Grants = Finance.Domain.Principals.Roles.All.ToDictionary(role => role, role => grants.GetValueOrDefault(role, Reach.None));
    }

    public AccessKind Kind { get; }

    /// <summary>The route parameter naming the pool, for <see cref="AccessKind.Pool"/> rules.</summary>
    public string? PoolParameter { get; }

    /// <summary>Every role's reach; <see cref="Reach.None"/> for roles the rule does not grant.</summary>
    public IReadOnlyDictionary<Role, Reach> Grants { get; }

    public static AccessRule Anonymous { get; } = new(AccessKind.Anonymous, null, new Dictionary<Role, Reach>());

    public static AccessRule AnyCaller { get; } = new(AccessKind.AnyCaller, null, new Dictionary<Role, Reach>());

    /// <summary>The named roles, with no further scoping.</summary>
    public static AccessRule ForRoles(params Role[] roles) =>
        new(AccessKind.Roles, null, roles.Distinct().ToDictionary(role => role, _ => Reach.Everything));

    /// <summary>Each role's reach over the pool named by <paramref name="poolParameter"/>.</summary>
    public static AccessRule ForPool(string poolParameter, IReadOnlyDictionary<Role, Reach> grants)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(poolParameter);
        return new(AccessKind.Pool, poolParameter, grants);
    }

    /// <summary>The union of the reach of every role the caller holds.</summary>
    public Reach ReachOf(Caller caller) =>
        caller.Roles.Aggregate(Reach.None, (reach, role) => reach | Grants[role]);

    /// <summary>Refuses rules that contradict the function they are attached to; called once, where the function is mapped.</summary>
    internal void Check(string functionName, string method, IReadOnlyCollection<string> routeParameters, bool anonymousAuthLevel)
    {
        var writes = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method);
        if (anonymousAuthLevel != (Kind == AccessKind.Anonymous))
        {
            throw new InvalidOperationException(
                $"{functionName}: only a function whose access rule is anonymous may have the anonymous auth level, and the other way round.");
        }
        if (writes && Kind is AccessKind.Anonymous or AccessKind.AnyCaller)
        {
            throw new InvalidOperationException($"{functionName} writes, so it needs a rule naming the roles that may call it.");
        }
        if (writes && Grants[Role.Auditor] != Reach.None)
        {
            throw new InvalidOperationException($"{functionName} writes, and an auditor writes nothing.");
        }
        if (!writes && Kind is AccessKind.Roles or AccessKind.Pool && Grants[Role.Auditor] != Reach.Everything)
        {
            throw new InvalidOperationException($"{functionName} reads, and an auditor reads everything.");
        }
        if (!writes && Grants.Values.Any(reach => reach.HasFlag(Reach.NewPools)))
        {
            throw new InvalidOperationException($"{functionName} only reads, so it cannot create pools.");
        }
        if (Kind == AccessKind.Pool && !routeParameters.Contains(PoolParameter!, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{functionName}'s access rule names route parameter '{PoolParameter}', which its route does not have.");
        }
        if (Kind == AccessKind.Roles && Grants.Values.Any(reach => reach is not (Reach.None or Reach.Everything)))
        {
            throw new InvalidOperationException($"{functionName}'s access rule scopes to pools but names no pool parameter.");
        }
    }

    /// <summary>What one role may do here, in words, for the README's access table.</summary>
    public string Describe(Role role)
    {
        if (Kind == AccessKind.Anonymous)
        {
            return "anyone, no token";
        }
        if (Kind == AccessKind.AnyCaller)
        {
            return "yes";
        }
        var reach = Grants[role];
        if (reach == Reach.None)
        {
            return "no (403)";
        }
        if (reach.HasFlag(Reach.Everything))
        {
            return "all";
        }
        var parts = new List<string>();
        if (reach.HasFlag(Reach.ManagedPools))
        {
            parts.Add("pools they manage");
        }
        if (reach.HasFlag(Reach.PoolsOfOwnOrganisations))
        {
            parts.Add("pools of their organisations");
        }
        if (reach.HasFlag(Reach.NewPools))
        {
            parts.Add("new pools");
        }
        return string.Join(", ", parts);
    }
}
