using System.Text.Json;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Storage.Directory;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;

namespace Finance.Functions.Memberships;

/// <summary>
/// The directory an Administrator keeps: which organisations a principal belongs to and which roles it holds, on top
/// of what its token says. Principals are named by their Entra object id.
/// </summary>
public static class MembershipsApi
{
    public static IEndpointRouteBuilder MapMembershipsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("ListMemberships", "GET", "directory/principals", AuthLevel.Function, AccessRules.ReadDirectory, List)
            .WithSummary($"Every principal's memberships (at most {MembershipStore.MaxListed}).");
        app.MapHttpFunction("GetMembership", "GET", "directory/principals/{principalId}", AuthLevel.Function, AccessRules.ReadDirectory, Get)
            .WithSummary("One principal's organisations and roles as the directory records them.");
        app.MapHttpFunction("PutMembership", "PUT", "directory/principals/{principalId}", AuthLevel.Function, AccessRules.MaintainDirectory, Put)
            .WithSummary("Set a principal's organisations and roles (replacing what was recorded).");
        app.MapHttpFunction("DeleteMembership", "DELETE", "directory/principals/{principalId}", AuthLevel.Function, AccessRules.MaintainDirectory, Delete)
            .WithSummary("Remove a principal from the directory; its token's roles and organisations still apply.");
        return app;
    }

    public sealed record MembershipBody(IReadOnlyList<string?>? Organisations, IReadOnlyList<string?>? Roles);

    public sealed record MembershipResource(string PrincipalId, IReadOnlyList<string> Organisations, IReadOnlyList<string> Roles, Instant UpdatedAt, string UpdatedBy);

    public sealed record MembershipList(IReadOnlyList<MembershipResource> Items, bool Truncated);

    internal static async Task<Ok<MembershipList>> List(MembershipStore store, CancellationToken cancellationToken)
    {
        var (memberships, truncated) = await store.ListAsync(cancellationToken);
        return TypedResults.Ok(new MembershipList(memberships.Select(ToResource).ToList(), truncated));
    }

    internal static async Task<Results<Ok<MembershipResource>, ProblemHttpResult>> Get(string principalId, MembershipStore store, CancellationToken cancellationToken)
    {
        var membership = await store.GetAsync(principalId, cancellationToken);
        return membership is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.", detail: $"The directory has no memberships for '{principalId}'.")
            : TypedResults.Ok(ToResource(membership));
    }

    internal static async Task<IResult> Put(
        string principalId, Caller caller, HttpRequest request, MembershipStore store, IClock clock, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        MembershipBody body;
        try
        {
            body = await JsonBody.ReadAsync<MembershipBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = new Dictionary<string, string[]>();
        var organisations = Validate(body.Organisations, "organisations", MembershipStore.MaxOrganisations, Ids.IsLedgerId,
            $"an organisation id is {Ids.LedgerIdRule}", errors);
        var roleNames = Validate(body.Roles, "roles", Finance.Domain.Principals.Roles.All.Count, text => Finance.Domain.Principals.Roles.TryParse(text, out _),
            $"a role is one of {string.Join(", ", Finance.Domain.Principals.Roles.All)}", errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var roles = roleNames.Select(Enum.Parse<Role>).ToList();
        var membership = new Membership(principalId, organisations, roles, clock.GetCurrentInstant(), caller.Id);
        await store.PutAsync(membership, cancellationToken);
        return TypedResults.Ok(ToResource(membership));
    }

    internal static async Task<NoContent> Delete(string principalId, MembershipStore store, CancellationToken cancellationToken)
    {
        // Idempotent: after it, the principal has no memberships, whether or not it had some before.
        await store.DeleteAsync(principalId, cancellationToken);
        return TypedResults.NoContent();
    }

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

    private static MembershipResource ToResource(Membership membership) => new(
        membership.PrincipalId, membership.Organisations, membership.Roles.Select(r => r.ToString()).ToList(), membership.UpdatedAt, membership.UpdatedBy);
}
