using System.Reflection;
using Finance.Domain.Principals;

namespace Finance.Functions.Access;

/// <summary>
/// Who is calling: the principal a valid token names, with the roles and organisations its token carries joined with
/// those an Administrator recorded in the directory. A principal may hold several roles and belong to several
/// organisations; pools name their managers themselves.
/// </summary>
/// <param name="Id">The Entra object id (<c>oid</c>), or <c>sub</c> when a token has no <c>oid</c>.</param>
public sealed record Caller(string Id, IReadOnlySet<Role> Roles, IReadOnlySet<string> Organisations)
{
    public bool Has(Role role) => Roles.Contains(role);

    public bool BelongsToAny(IEnumerable<string> organisations) => organisations.Any(Organisations.Contains);

    /// <summary>Minimal API binding: the caller the access middleware resolved for this request. Handlers of functions
    /// whose rule is anonymous have no caller and must not ask for one.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<Caller?>(context.Features.Get<Caller>()
            ?? throw new InvalidOperationException($"No caller was resolved for this request; does {parameter.Member.Name}'s function have an access rule that needs one?"));
}
