using System.Text.Json;
using Finance.Domain.Model;
using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Finance.Storage.Directory;
using NodaTime;

namespace Finance.Functions.Setup;

public static class OrganisationsApi
{
    public static IEndpointRouteBuilder MapOrganisationsApi(this IEndpointRouteBuilder app)
    {
        app.MapHttpFunction("PutOrganisation", "PUT", "organisations/{organisationId}", AuthLevel.Function, AccessRules.MaintainOrganisations, PutOrganisation)
            .WithSummary("Create or replace an organisation: its name, kind, the short name statements show, and the aliases partners' ledger exports use.");
        app.MapHttpFunction("GetOrganisation", "GET", "organisations/{organisationId}", AuthLevel.Function, AccessRules.ReadOrganisations, GetOrganisation)
            .WithSummary("One organisation.");
        app.MapHttpFunction("ListOrganisations", "GET", "organisations", AuthLevel.Function, AccessRules.ReadOrganisations, ListOrganisations)
            .WithSummary("Every organisation, by id.");
        return app;
    }

    public sealed record OrganisationBody(string? Name, string? Kind, string? ShortName = null, IReadOnlyList<string?>? Aliases = null);

    public sealed record OrganisationResource(string OrganisationId, string Name, string Kind, string? ShortName, IReadOnlyList<string> Aliases);

    internal static async Task<IResult> PutOrganisation(
        string organisationId, Caller caller, HttpRequest request, OrganisationStore organisations, IClock clock, JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        OrganisationBody body;
        try
        {
            body = await JsonBody.ReadAsync<OrganisationBody>(request, json, JsonBody.DefaultMaxBytes, cancellationToken);
        }
        catch (JsonBodyException e)
        {
            return e.ToResult();
        }
        var errors = new FieldErrors();
        var name = errors.Text("name", body.Name, Finance.Domain.Limits.MaxNameLength, required: true);
        var kind = errors.Enum<OrganisationKind>("kind", body.Kind);
        var shortName = errors.Text("shortName", body.ShortName, 20);
        var aliases = new List<string>();
        if (body.Aliases is { Count: > OrganisationStore.MaxAliases })
        {
            errors.Add("aliases", $"At most {OrganisationStore.MaxAliases} aliases.");
        }
        else
        {
            for (var i = 0; i < (body.Aliases?.Count ?? 0); i++)
            {
                if (errors.Text($"aliases[{i}]", body.Aliases![i], Finance.Domain.Limits.MaxNameLength, required: true) is { } alias)
                {
                    aliases.Add(alias);
                }
            }
        }
        if (errors.Any)
        {
            return Problems.Validation(errors.ToDictionary());
        }
        var existed = await organisations.GetAsync(organisationId, cancellationToken) is not null;
        var organisation = new Organisation(new OrganisationId(organisationId), name!, kind!.Value, shortName, aliases);
        await organisations.PutAsync(organisation, caller.Id, clock.GetCurrentInstant(), cancellationToken);
        return existed
            ? TypedResults.Ok(ToResource(organisation))
            : TypedResults.Created($"/api/organisations/{organisationId}", ToResource(organisation));
    }

    internal static async Task<IResult> GetOrganisation(string organisationId, OrganisationStore organisations, CancellationToken cancellationToken) =>
        await organisations.GetAsync(organisationId, cancellationToken) is { } found
            ? TypedResults.Ok(ToResource(found))
            : Problems.NotFound($"There is no organisation '{organisationId}'.");

    internal static async Task<IResult> ListOrganisations(OrganisationStore organisations, CancellationToken cancellationToken) =>
        TypedResults.Ok(new { organisations = (await organisations.ListAsync(cancellationToken)).Select(ToResource) });

    public static OrganisationResource ToResource(Organisation o) =>
        new(o.Id.Value, o.Name, JsonNamingPolicy.CamelCase.ConvertName(o.Kind.ToString()), o.ShortName, o.Aliases);
}
