using System.Security.Claims;
using Finance.Domain.Principals;
using Finance.Storage.Directory;

namespace Finance.Functions.Access;

/// <summary>Turns a validated token into a <see cref="Caller"/>: its principal, roles and organisations, joined with the
/// memberships an Administrator recorded in the directory.</summary>
public sealed class CallerResolver(MembershipStore memberships)
{
    /// <summary>Entra's object id of the user or application: stable, unique in the tenant, the same in every app.</summary>
    public const string ObjectIdClaim = "oid";

    public const string SubjectClaim = "sub";

    /// <summary>Entra app roles assigned to the user or application.</summary>
    public const string RolesClaim = "roles";

    /// <summary>Organisation ids, when the issuer sends them (development tokens do; in Entra a claims-mapping policy can).</summary>
    public const string OrganisationsClaim = "organisations";

    /// <summary>The principal id a token names, if it is one this API can use as a key.</summary>
    public static string? PrincipalId(ClaimsPrincipal principal)
    {
        var id = principal.FindFirst(ObjectIdClaim)?.Value ?? principal.FindFirst(SubjectClaim)?.Value;
        return Ids.IsPrincipalId(id) ? id : null;
    }

    /// <summary>Null when the token names no usable principal.</summary>
    public async Task<Caller?> ResolveAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        if (PrincipalId(principal) is not { } id)
        {
            return null;
        }
        var roles = principal.FindAll(RolesClaim).Select(c => Roles.TryParse(c.Value, out var role) ? role : (Role?)null).OfType<Role>().ToHashSet();
        // An organisation id that is not one is ignored rather than trusted as a key.
        var organisations = principal.FindAll(OrganisationsClaim).Select(c => c.Value).Where(Ids.IsLedgerId).ToHashSet(StringComparer.Ordinal);
        if (await memberships.GetForCallerAsync(id, cancellationToken) is { } membership)
        {
            roles.UnionWith(membership.Roles);
            organisations.UnionWith(membership.Organisations);
        }
        return new Caller(id, roles, organisations);
    }
}
