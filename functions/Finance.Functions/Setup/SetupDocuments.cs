using System.Globalization;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Functions.Pools;
using Finance.Storage.Ledger;
using Finance.Storage.Tables;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Setup;

/// <summary>A funding stream as stored on the pool row (and shown by the API).</summary>
public sealed record StreamDocument(
    string Id, string Kind, string Name, string Nature, string? Funder, string? Conditions, string? SpendBy, string? PassThroughTo);

/// <summary>One partner's agreed annual contribution from one stream, in pence.</summary>
public sealed record ContributionDocument(string Partner, string Stream, long AnnualPence);

public sealed record ShareDocument(string Partner, decimal Percent);

public sealed record RiskShareDocument(string Rule, bool IncludeCapital, IReadOnlyList<ShareDocument> Shares);

/// <summary>The section 75 agreement's terms as stored on the pool row. Partners, host and manager come from the pool itself.</summary>
public sealed record AgreementDocument(IReadOnlyList<ContributionDocument> Contributions, RiskShareDocument RiskShare, string Underspend);

/// <summary>A profile as stored: straightLine, customMonthly (twelve amounts in pence) or lumpSum (a month).</summary>
public sealed record ProfileDocument(string Kind, IReadOnlyList<long>? MonthlyPence = null, int? Month = null);

/// <summary>A budget line as stored: one row <c>line~{id}</c> in the pool's partition of the Pools table. No amount: the
/// budget is what the ledger has committed to the line.</summary>
public sealed record LineDocument(
    string LineId, string FundingSource, string Title, string Host, int StartMonth, ProfileDocument Profile, string? Commissioner, string? Notes,
    Instant CreatedAt, string CreatedBy, Instant UpdatedAt, string UpdatedBy)
{
    public const string RowPrefix = "line~";

    public TableEntity ToEntity(string poolId) => new(poolId, RowPrefix + LineId)
    {
        ["FundingSource"] = FundingSource,
        ["Title"] = Title,
        ["Host"] = Host,
        ["StartMonth"] = StartMonth,
        ["Profile"] = JsonSerializer.Serialize(Profile, SetupJson.Options),
        ["Commissioner"] = Commissioner,
        ["Notes"] = Notes,
        ["CreatedAt"] = CreatedAt.ToDateTimeOffset(),
        ["CreatedBy"] = CreatedBy,
        ["UpdatedAt"] = UpdatedAt.ToDateTimeOffset(),
        ["UpdatedBy"] = UpdatedBy,
    };

    public static LineDocument FromEntity(TableEntity row) => new(
        row.RowKey[RowPrefix.Length..],
        row.GetString("FundingSource") ?? "",
        row.GetString("Title") ?? "",
        row.GetString("Host") ?? "",
        row.GetInt32("StartMonth") ?? 1,
        JsonSerializer.Deserialize<ProfileDocument>(row.GetString("Profile") ?? "{}", SetupJson.Options) ?? new ProfileDocument("straightLine"),
        row.GetString("Commissioner"),
        row.GetString("Notes"),
        Instant.FromDateTimeOffset(row.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch),
        row.GetString("CreatedBy") ?? "",
        Instant.FromDateTimeOffset(row.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch),
        row.GetString("UpdatedBy") ?? "");
}

/// <summary>How set-up documents are written: camelCase, enums as their camelCase names.</summary>
public static class SetupJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    public static TEnum Parse<TEnum>(string? name, TEnum fallback)
        where TEnum : struct, Enum => Enum.TryParse<TEnum>(name, ignoreCase: true, out var value) ? value : fallback;

    public static IReadOnlyList<StreamDocument> Streams(PoolRecord pool) =>
        pool.StreamsJson is { } json ? JsonSerializer.Deserialize<List<StreamDocument>>(json, Options) ?? [] : [];

    public static AgreementDocument? Agreement(PoolRecord pool) =>
        pool.AgreementJson is { } json ? JsonSerializer.Deserialize<AgreementDocument>(json, Options) : null;

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}

/// <summary>Everything postings are checked against, as stored: the pool row and its line rows, read together.</summary>
public sealed record StoredSetup(PoolRecord Pool, IReadOnlyList<LineDocument> Lines)
{
    public LineDocument? Line(string lineId) => Lines.FirstOrDefault(l => string.Equals(l.LineId, lineId, StringComparison.Ordinal));

    public IEnumerable<string> OrganisationIds =>
        Pool.Parties.Organisations
            .Concat(SetupJson.Streams(Pool).SelectMany(s => new[] { s.Funder, s.PassThroughTo }).OfType<string>())
            .Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The domain's view of the set-up, for the ledger. Organisations not (yet) in the directory take their id as their
    /// name. Throws <see cref="ArgumentException"/> when the stored pieces disagree (which the set-up functions refuse to
    /// store).
    /// </summary>
    public LedgerSetup ToLedgerSetup(IReadOnlyDictionary<string, Organisation> directory)
    {
        var pool = ToDomainPool(Pool, SetupJson.Streams(Pool), SetupJson.Agreement(Pool), directory, OrganisationIds);
        var lines = Lines.Select(l => ToDomainLine(pool, l)).ToList();
        return new LedgerSetup(pool, lines, Pool.SetupVersion);
    }

    public static Pool ToDomainPool(
        PoolRecord record, IReadOnlyList<StreamDocument> streams, AgreementDocument? agreement, IReadOnlyDictionary<string, Organisation> directory,
        IEnumerable<string> organisationIds)
    {
        var organisations = organisationIds
            .Concat(streams.SelectMany(s => new[] { s.Funder, s.PassThroughTo }).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .Select(id => directory.TryGetValue(id, out var known) ? known : new Organisation(new OrganisationId(id), id, OrganisationKind.Other))
            .ToList();
        var partners = record.Parties.Organisations.Select(o => new OrganisationId(o)).ToList();
        var terms = agreement ?? new AgreementDocument([], new RiskShareDocument("proportionalToContributions", false, []), "carryForward");
        var s75 = new Section75Agreement(
            partners,
            new OrganisationId(record.HostOrganisation),
            record.PoolManagers.Count > 0 ? string.Join(", ", record.PoolManagers) : "(no manager named)",
            terms.Contributions.Select(c => new AgreedContribution(new OrganisationId(c.Partner), new FundingStreamId(c.Stream), new Pence(c.AnnualPence))),
            ToRule(terms.RiskShare),
            SetupJson.Parse(terms.Underspend, UnderspendRule.CarryForward));
        return new Pool(
            new PoolId(record.PoolId), record.Name, FinancialYear.Parse(record.FinancialYear), organisations, streams.Select(ToDomainStream), s75);
    }

    public static FundingStream ToDomainStream(StreamDocument s) => new(
        new FundingStreamId(s.Id),
        SetupJson.Parse(s.Kind, FundingStreamKind.Other),
        s.Name,
        SetupJson.Parse(s.Nature, FundingNature.Revenue),
        s.Funder is null ? null : new OrganisationId(s.Funder),
        s.Conditions,
        s.SpendBy is null ? null : LocalDatePattern.Iso.Parse(s.SpendBy).Value,
        s.PassThroughTo is null ? null : new OrganisationId(s.PassThroughTo));

    public static RiskShareRule ToRule(RiskShareDocument d) => SetupJson.Parse(d.Rule, RiskShareKind.ProportionalToContributions) switch
    {
        RiskShareKind.FixedPercentages => new RiskShareRule.FixedPercentages(d.Shares.Select(s => new PartnerShare(new OrganisationId(s.Partner), s.Percent))),
        RiskShareKind.HostBearsAll => new RiskShareRule.HostBearsAll(),
        RiskShareKind.CommissionerBearsOwnSchemes => new RiskShareRule.CommissionerBearsOwnSchemes(),
        _ => new RiskShareRule.ProportionalToContributions(d.IncludeCapital),
    };

    public static BudgetLine ToDomainLine(Pool pool, LineDocument l) => new(
        pool,
        new LineId(l.LineId),
        new FundingStreamId(l.FundingSource),
        l.Title,
        new OrganisationId(l.Host),
        l.StartMonth,
        ToProfile(l.Profile),
        l.Commissioner is null ? null : new OrganisationId(l.Commissioner),
        l.Notes);

    public static Profile ToProfile(ProfileDocument d) => SetupJson.Parse(d.Kind, ProfileKind.StraightLine) switch
    {
        ProfileKind.CustomMonthly => new Profile.CustomMonthly((d.MonthlyPence ?? []).Select(p => new Pence(p))),
        ProfileKind.LumpSum => new Profile.LumpSum(d.Month ?? 0),
        _ => new Profile.StraightLine(),
    };

    public static string Describe(decimal percent) => percent.ToString("0.##", CultureInfo.InvariantCulture);
}

public enum RiskShareKind
{
    ProportionalToContributions,
    FixedPercentages,
    HostBearsAll,
    CommissionerBearsOwnSchemes,
}

public enum ProfileKind
{
    StraightLine,
    CustomMonthly,
    LumpSum,
}
