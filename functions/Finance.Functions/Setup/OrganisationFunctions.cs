using System.Text.Json;
using Finance.Domain.Model;
using Finance.Functions.Access;
using Finance.Functions.Catalog;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Storage.Directory;
using Microsoft.Azure.Functions.Worker;
using NodaTime;

namespace Finance.Functions.Setup;

/// <param name="ShortName">What a statement's Funding Source column shows for a stream it funds ("ICB"), at most 20 characters.</param>
/// <param name="StatementName">What a statement's Host column shows when shorter than the formal name ("Warrington Hospital"), at most 60.</param>
/// <param name="EffectiveFrom">From when new names apply, an instant no later than now; left out, from now. Statements as
/// at an earlier instant keep the names then.</param>
public sealed record OrganisationBody(
    string? Name, string? Kind, string? ShortName = null, IReadOnlyList<string?>? Aliases = null, string? StatementName = null,
    string? EffectiveFrom = null);

public sealed record OrganisationResource(string OrganisationId, string Name, string Kind, string? ShortName, IReadOnlyList<string> Aliases)
{
    public string? StatementName { get; init; }

    public static OrganisationResource From(Organisation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new(o.Id.Value, o.Name, JsonNamingPolicy.CamelCase.ConvertName(o.Kind.ToString()), o.ShortName, o.Aliases)
        {
            StatementName = o.StatementName,
        };
    }
}

public sealed record OrganisationList(IReadOnlyList<OrganisationResource> Organisations);

/// <summary>One version of an organisation's names: recorded when, in effect from when, by whom (null, with
/// <paramref name="Baseline"/>, for the names before versions were kept).</summary>
public sealed record OrganisationVersionResource(
    long Version, Instant RecordedAt, Instant EffectiveFrom, string? By, bool Baseline, string Name, string? ShortName, string? StatementName);

/// <summary>Every version of an organisation's names, newest first; none for one not renamed since before versions were kept.</summary>
public sealed record OrganisationHistoryResource(string OrganisationId, IReadOnlyList<OrganisationVersionResource> Versions);

/// <summary>Organisations (councils, ICBs, trusts, providers) that pools name as host, partners, funders and line hosts.</summary>
public sealed class OrganisationService(OrganisationStore organisations, IClock clock)
{
    public async Task<Outcome<OrganisationResource>> PutAsync(string organisationId, OrganisationBody body, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors();
        var name = errors.Text("name", body.Name, Finance.Domain.Limits.MaxNameLength, required: true, singleLine: true);
        var kind = errors.Enum<OrganisationKind>("kind", body.Kind);
        var shortName = errors.Text("shortName", body.ShortName, 20, singleLine: true);
        var statementName = errors.Text("statementName", body.StatementName, 60, singleLine: true);
        var now = clock.GetCurrentInstant();
        var effectiveFrom = errors.Instant("effectiveFrom", body.EffectiveFrom, now);
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
            return Refusal.Invalid(errors.ToDictionary());
        }
        var existed = await organisations.GetAsync(organisationId, cancellationToken) is not null;
        var organisation = new Organisation(new OrganisationId(organisationId), name!, kind!.Value, shortName, aliases, statementName);
        await organisations.PutAsync(organisation, caller.Id, now, cancellationToken, effectiveFrom);
        return existed
            ? Outcome.Of(OrganisationResource.From(organisation))
            : Outcome.Of(OrganisationResource.From(organisation), Done.Created) with { Location = $"/api/organisations/{organisationId}" };
    }

    public async Task<Outcome<OrganisationResource>> GetAsync(string organisationId, CancellationToken cancellationToken) =>
        await organisations.GetAsync(organisationId, cancellationToken) is { } found
            ? Outcome.Of(OrganisationResource.From(found))
            : Refusal.NotFound($"There is no organisation '{organisationId}'.");

    public async Task<Outcome<OrganisationHistoryResource>> HistoryAsync(string organisationId, CancellationToken cancellationToken)
    {
        if (await organisations.GetAsync(organisationId, cancellationToken) is null)
        {
            return Refusal.NotFound($"There is no organisation '{organisationId}'.");
        }
        var versions = await organisations.ReadVersionsAsync(organisationId, cancellationToken);
        return Outcome.Of(new OrganisationHistoryResource(organisationId, versions.Reverse().Select(v => new OrganisationVersionResource(
            v.Version, v.RecordedAt, v.EffectiveFrom, v.By, v.Baseline, v.Name, v.ShortName, v.StatementName)).ToList()));
    }

    public async Task<OrganisationList> ListAsync(CancellationToken cancellationToken) =>
        new((await organisations.ListAsync(cancellationToken)).Select(OrganisationResource.From).ToList());
}

public sealed class OrganisationFunctions(OrganisationService organisations, JsonSerializerOptions json)
{
    [Function("PutOrganisation")]
    [JsonRequest(typeof(OrganisationBody))]
    [Access(Rule.MaintainOrganisations)]
    [Summary("Add or replace an organisation: name, kind (council, integratedCareBoard, nhsTrust, provider...), short name and aliases.")]
    [Responds(typeof(OrganisationResource))]
    [Responds(typeof(OrganisationResource), StatusCodes.Status201Created)]
    [Problems(400, 413, 415)]
    public async Task<IResult> PutOrganisation(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "organisations/{organisationId}")] HttpRequest request, string organisationId,
        FunctionContext context, CancellationToken cancellationToken)
    {
        var read = await JsonBody.ReadOrRefuseAsync<OrganisationBody>(request, json, cancellationToken);
        if (!read.Ok)
        {
            return read.Refusal;
        }
        var body = read.Body;
        return Answers.Of(await organisations.PutAsync(organisationId, body, context.Caller(), cancellationToken), request.HttpContext);
    }

    [Function("GetOrganisation")]
    [Access(Rule.ReadOrganisations)]
    [Summary("One organisation.")]
    [Responds(typeof(OrganisationResource))]
    [Problems(404)]
    public async Task<IResult> GetOrganisation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "organisations/{organisationId}")] HttpRequest request, string organisationId,
        CancellationToken cancellationToken) =>
        Answers.Of(await organisations.GetAsync(organisationId, cancellationToken), request.HttpContext);

    [Function("GetOrganisationHistory")]
    [Access(Rule.ReadOrganisations)]
    [Summary("Every version of an organisation's names, newest first: who changed them, when, and from when they apply.")]
    [Responds(typeof(OrganisationHistoryResource))]
    [Problems(404)]
    public async Task<IResult> GetOrganisationHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "organisations/{organisationId}/history")] HttpRequest request, string organisationId,
        CancellationToken cancellationToken) =>
        Answers.Of(await organisations.HistoryAsync(organisationId, cancellationToken), request.HttpContext);

    [Function("ListOrganisations")]
    [Access(Rule.ReadOrganisations)]
    [Summary("Every organisation, by id.")]
    [Responds(typeof(OrganisationList))]
    public async Task<IResult> ListOrganisations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "organisations")] HttpRequest request, CancellationToken cancellationToken) =>
        TypedResults.Ok(await organisations.ListAsync(cancellationToken));
}
