using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Outcomes;
using Finance.Storage.Directory;
using NodaTime;

namespace Finance.Functions.Memberships;

public sealed record MembershipBody(IReadOnlyList<string?>? Organisations, IReadOnlyList<string?>? Roles);

public sealed record MembershipResource(string PrincipalId, IReadOnlyList<string> Organisations, IReadOnlyList<string> Roles, Instant UpdatedAt, string UpdatedBy)
{
    public static MembershipResource From(Membership membership)
    {
        ArgumentNullException.ThrowIfNull(membership);
        return new(membership.PrincipalId, membership.Organisations, membership.Roles.Select(r => r.ToString()).ToList(), membership.UpdatedAt,
            membership.UpdatedBy);
    }
}

public sealed record MembershipList(IReadOnlyList<MembershipResource> Items, bool Truncated);

/// <summary>
/// The directory an Administrator keeps: which organisations a principal belongs to and which roles it holds, on top
/// of what its token says. Principals are named by their Entra object id.
/// </summary>
public sealed class MembershipService(MembershipStore store, IClock clock)
{
    public async Task<MembershipList> ListAsync(CancellationToken cancellationToken)
    {
        var (memberships, truncated) = await store.ListAsync(cancellationToken);
        return new MembershipList(memberships.Select(MembershipResource.From).ToList(), truncated);
    }

    public async Task<Outcome<MembershipResource>> GetAsync(string principalId, CancellationToken cancellationToken) =>
        await store.GetAsync(principalId, cancellationToken) is { } membership
            ? Outcome.Of(MembershipResource.From(membership))
            : Refusal.NotFound($"The directory has no memberships for '{principalId}'.");

    /// <summary>Replaces what the directory records for the principal.</summary>
    public async Task<Outcome<MembershipResource>> PutAsync(string principalId, MembershipBody body, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new Dictionary<string, string[]>();
        var organisations = Validate(body.Organisations, "organisations", MembershipStore.MaxOrganisations, Ids.IsLedgerId,
            $"an organisation id is {Ids.LedgerIdRule}", errors);
        var roleNames = Validate(body.Roles, "roles", Roles.All.Count, text => Roles.TryParse(text, out _),
            $"a role is one of {string.Join(", ", Roles.All)}", errors);
        if (errors.Count > 0)
        {
            return Refusal.Invalid(errors);
        }
        var roles = roleNames.Select(Enum.Parse<Role>).ToList();
        var membership = new Membership(principalId, organisations, roles, clock.GetCurrentInstant(), caller.Id);
        await store.PutAsync(membership, cancellationToken);
        return Outcome.Of(MembershipResource.From(membership));
    }

    /// <summary>Idempotent: after it, the principal has no memberships, whether or not it had some before.</summary>
    public Task DeleteAsync(string principalId, CancellationToken cancellationToken) => store.DeleteAsync(principalId, cancellationToken);

    private static List<string> Validate(
        IReadOnlyList<string?>? values, string field, int max, Func<string, bool> valid, string rule, Dictionary<string, string[]> errors)
    {
        if (values is null)
        {
            errors[field] = [$"{field} is required (an empty list is allowed)."];
            return [];
        }
        if (values.Count > max)
        {
            errors[field] = [$"At most {max} {field}."];
            return [];
        }
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } value || !valid(value))
            {
                // The value is not echoed: it may be anything up to the body limit.
                errors[$"{field}[{i}]"] = [$"Not allowed: {rule}."];
            }
        }
        return values.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }
}
