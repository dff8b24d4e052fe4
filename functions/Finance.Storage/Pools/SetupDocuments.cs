using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using NodaTime;
using NodaTime.Text;

namespace Finance.Storage.Pools;

/// <summary>A funding stream as stored on the pool row. Kinds and natures are the domain's enum names in camelCase.</summary>
public sealed record StreamDocument(
    string Id, string Kind, string Name, string Nature, string? Funder, string? Conditions, string? SpendBy, string? PassThroughTo)
{
    /// <summary>Its place among the statement's budget sources: lower first; sources without one follow, in their order.</summary>
    public int? DisplayOrder { get; init; }

    internal StreamDocument Checked(string record)
    {
        var property = $"Streams[{Id}]";
        SetupJson.Check(Identifier.IsValid(Id), record, property, "id is not an id");
        SetupJson.ParseName<FundingStreamKind>(Kind, record, $"{property}.kind");
        SetupJson.ParseName<FundingNature>(Nature, record, $"{property}.nature");
        SetupJson.Check(Funder is null || Identifier.IsValid(Funder), record, property, "funder is not an id");
        SetupJson.Check(PassThroughTo is null || Identifier.IsValid(PassThroughTo), record, property, "passThroughTo is not an id");
        SetupJson.Check(SpendBy is null || LocalDatePattern.Iso.Parse(SpendBy).Success, record, property, "spendBy is not a date");
        return this;
    }
}

/// <summary>One partner's agreed annual contribution from one stream, in pence.</summary>
public sealed record ContributionDocument(string Partner, string Stream, long AnnualPence);

public sealed record ShareDocument(string Partner, decimal Percent);

public sealed record RiskShareDocument(string Rule, bool IncludeCapital, IReadOnlyList<ShareDocument> Shares);

/// <summary>The section 75 agreement's terms as stored on the pool row. Partners, host and manager come from the pool itself.</summary>
public sealed record AgreementDocument(IReadOnlyList<ContributionDocument> Contributions, RiskShareDocument RiskShare, string Underspend)
{
    internal AgreementDocument Checked(string record)
    {
        SetupJson.ParseName<RiskShareKind>(RiskShare.Rule, record, "Agreement.riskShare.rule");
        SetupJson.ParseName<UnderspendRule>(Underspend, record, "Agreement.underspend");
        SetupJson.Check(Contributions.All(c => Identifier.IsValid(c.Partner) && Identifier.IsValid(c.Stream)), record, "Agreement.contributions",
            "a contribution names something that is not an id");
        SetupJson.Check(RiskShare.Shares.All(s => Identifier.IsValid(s.Partner)), record, "Agreement.riskShare.shares", "a share names something that is not an id");
        return this;
    }
}

/// <summary>A profile as stored: straightLine, customMonthly (twelve amounts in pence) or lumpSum (a month).</summary>
public sealed record ProfileDocument(string Kind, IReadOnlyList<long>? MonthlyPence = null, int? Month = null);

/// <summary>A budget line as stored: one row <c>line~{id}</c> in the pool's partition of the Pools table. No amount: the
/// budget is what the ledger has committed to the line.</summary>
public sealed record LineDocument(
    string LineId, string FundingSource, string Title, string Host, int StartMonth, ProfileDocument Profile, string? Commissioner, string? Notes,
    Instant CreatedAt, string CreatedBy, Instant UpdatedAt, string UpdatedBy)
{
    public const string RowPrefix = "line~";

    private const string Table = StorageNames.PoolsTable;

    /// <summary>Its place on the statement: lower first; lines without one follow.</summary>
    public int? DisplayOrder { get; init; }

    /// <summary>The committed item of the summary it is listed under, with the other lines naming it.</summary>
    public string? SummaryGroup { get; init; }

    /// <summary>What the statement's Funding Source column shows for it, instead of the funder's short name.</summary>
    public string? FundingSourceLabel { get; init; }

    internal TableEntity ToEntity(string poolId)
    {
        var entity = new TableEntity(poolId, RowPrefix + LineId)
        {
            ["FundingSource"] = FundingSource,
            ["Title"] = Title,
            ["Host"] = Host,
            ["StartMonth"] = StartMonth,
            ["Profile"] = SetupJson.Write(Profile),
            ["CreatedAt"] = CreatedAt.ToDateTimeOffset(),
            ["CreatedBy"] = CreatedBy,
            ["UpdatedAt"] = UpdatedAt.ToDateTimeOffset(),
            ["UpdatedBy"] = UpdatedBy,
        };
        if (Commissioner is not null)
        {
            entity["Commissioner"] = Commissioner;
        }
        if (Notes is not null)
        {
            entity["Notes"] = Notes;
        }
        if (DisplayOrder is { } order)
        {
            entity["DisplayOrder"] = order;
        }
        if (SummaryGroup is not null)
        {
            entity["SummaryGroup"] = SummaryGroup;
        }
        if (FundingSourceLabel is not null)
        {
            entity["FundingSourceLabel"] = FundingSourceLabel;
        }
        return entity;
    }

    internal static LineDocument FromEntity(TableEntity row)
    {
        var record = StoredEntity.Describe(Table, row);
        var lineId = row.RowKey[RowPrefix.Length..];
        SetupJson.Check(Identifier.IsValid(lineId), record, "RowKey", "the line id is not an id");
        var profile = SetupJson.Read<ProfileDocument>(row.Text(Table, "Profile"), record, "Profile");
        SetupJson.ParseName<ProfileKind>(profile.Kind, record, "Profile.kind");
        var startMonth = row.Int32(Table, "StartMonth");
        SetupJson.Check(startMonth is >= 1 and <= 12, record, "StartMonth", "not a month 1 to 12");
        return new LineDocument(
            lineId,
            row.Text(Table, "FundingSource"),
            row.Text(Table, "Title"),
            row.Text(Table, "Host"),
            startMonth,
            profile,
            row.OptionalText(Table, "Commissioner"),
            row.OptionalText(Table, "Notes"),
            row.Instant(Table, "CreatedAt"),
            row.Text(Table, "CreatedBy"),
            row.Instant(Table, "UpdatedAt"),
            row.Text(Table, "UpdatedBy"))
        {
            // Rows written before lines had these have none: the line keeps its place, its own item, its source's label.
            DisplayOrder = row.GetInt32("DisplayOrder"),
            SummaryGroup = row.OptionalText(Table, "SummaryGroup"),
            FundingSourceLabel = row.OptionalText(Table, "FundingSourceLabel"),
        };
    }
}

/// <summary>How set-up documents are written and read: camelCase, enums as their camelCase names, and read strictly
/// (no unknown member, no missing required one, exact names).</summary>
public static class SetupJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>An enum member's stored (and shown) name: camelCase.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>The member whose camelCase name is exactly <paramref name="name"/>, or null.</summary>
    public static TEnum? TryParseName<TEnum>(string? name)
        where TEnum : struct, Enum => Enum.GetValues<TEnum>().Select(v => (TEnum?)v).FirstOrDefault(v => Name(v!.Value) == name);

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    internal static TEnum ParseName<TEnum>(string? name, string record, string property)
        where TEnum : struct, Enum =>
        TryParseName<TEnum>(name) ?? throw new StorageInvariantException(record, $"{property} is '{name}', which is not a {typeof(TEnum).Name}.");

    internal static T Read<T>(string json, string record, string property)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new StorageInvariantException(record, $"property {property} is not a valid {typeof(T).Name}: {e.Message}", e);
        }
    }

    internal static void Check(bool holds, string record, string property, string problem)
    {
        if (!holds)
        {
            throw new StorageInvariantException(record, $"{property}: {problem}.");
        }
    }
}

/// <summary>Everything postings are checked against, as stored: the pool row and its line rows, read together.</summary>
public sealed record StoredSetup(PoolRecord Pool, IReadOnlyList<LineDocument> Lines)
{
    public LineDocument? Line(string lineId) => Lines.FirstOrDefault(l => string.Equals(l.LineId, lineId, StringComparison.Ordinal));

    public IEnumerable<string> OrganisationIds =>
        Pool.Parties.Organisations
            .Concat(Pool.Streams.SelectMany(s => new[] { s.Funder, s.PassThroughTo }).OfType<string>())
            .Distinct(StringComparer.Ordinal);

    /// <summary>
    /// The domain's view of the set-up, for the ledger. Organisations not (yet) in the directory take their id as their
    /// name. Pieces that disagree are the domain's <see cref="ArgumentException"/>: for a proposed set-up, the caller's
    /// error; for a stored one (which the set-up functions refuse to store), <see cref="PoolSetupStore"/> reports it as
    /// a <see cref="StorageInvariantException"/>.
    /// </summary>
    public LedgerSetup ToLedgerSetup(IReadOnlyDictionary<string, Organisation> directory)
    {
        var pool = ToDomainPool(Pool, directory);
        var lines = Lines.Select(l => ToDomainLine(pool, l)).ToList();
        return new LedgerSetup(pool, lines, Pool.SetupVersion);
    }

    /// <summary>The domain pool of <paramref name="record"/> (its streams and agreement as stored).</summary>
    public static Pool ToDomainPool(PoolRecord record, IReadOnlyDictionary<string, Organisation> directory)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(directory);
        var where = StoredEntity.Describe(StorageNames.PoolsTable, new TableEntity(record.PoolId, PoolRecord.RowKey));
        var organisations = record.Parties.Organisations
            .Concat(record.Streams.SelectMany(s => new[] { s.Funder, s.PassThroughTo }).OfType<string>())
            .Distinct(StringComparer.Ordinal)
            .Select(id => directory.TryGetValue(id, out var known) ? known : new Organisation(new OrganisationId(id), id, OrganisationKind.Other))
            .ToList();
        var partners = record.Parties.Organisations.Select(o => new OrganisationId(o)).ToList();
        var terms = record.Agreement ?? new AgreementDocument([], new RiskShareDocument(SetupJson.Name(RiskShareKind.ProportionalToContributions), false, []),
            SetupJson.Name(UnderspendRule.CarryForward));
        var s75 = new Section75Agreement(
            partners,
            new OrganisationId(record.HostOrganisation),
            record.PoolManagers.Count > 0 ? string.Join(", ", record.PoolManagers) : "(no manager named)",
            terms.Contributions.Select(c => new AgreedContribution(new OrganisationId(c.Partner), new FundingStreamId(c.Stream), new Pence(c.AnnualPence))),
            ToRule(terms.RiskShare, where),
            SetupJson.ParseName<UnderspendRule>(terms.Underspend, where, "Agreement.underspend"));
        // The statement lists sources in the pool's order.
        var streams = DisplayOrder.Sort(record.Streams, s => s.DisplayOrder).Select(s => ToDomainStream(s, where));
        return new Pool(new PoolId(record.PoolId), record.Name, record.Year, organisations, streams, s75);
    }

    public static BudgetLine ToDomainLine(Pool pool, LineDocument l)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(l);
        var where = $"{StorageNames.PoolsTable} {pool.Id}/{LineDocument.RowPrefix}{l.LineId}";
        return new BudgetLine(
            pool,
            new LineId(l.LineId),
            new FundingStreamId(l.FundingSource),
            l.Title,
            new OrganisationId(l.Host),
            l.StartMonth,
            ToProfile(l.Profile, where),
            l.Commissioner is null ? null : new OrganisationId(l.Commissioner),
            l.Notes,
            new LineDisplay(l.DisplayOrder, l.SummaryGroup, l.FundingSourceLabel));
    }

    private static FundingStream ToDomainStream(StreamDocument s, string where) => new(
        new FundingStreamId(s.Id),
        SetupJson.ParseName<FundingStreamKind>(s.Kind, where, "stream kind"),
        s.Name,
        SetupJson.ParseName<FundingNature>(s.Nature, where, "stream nature"),
        s.Funder is null ? null : new OrganisationId(s.Funder),
        s.Conditions,
        s.SpendBy is null ? null : LocalDatePattern.Iso.Parse(s.SpendBy).Value,
        s.PassThroughTo is null ? null : new OrganisationId(s.PassThroughTo));

    private static RiskShareRule ToRule(RiskShareDocument d, string where) => SetupJson.ParseName<RiskShareKind>(d.Rule, where, "risk-share rule") switch
    {
        RiskShareKind.FixedPercentages => new RiskShareRule.FixedPercentages(d.Shares.Select(s => new PartnerShare(new OrganisationId(s.Partner), s.Percent))),
        RiskShareKind.HostBearsAll => new RiskShareRule.HostBearsAll(),
        RiskShareKind.CommissionerBearsOwnSchemes => new RiskShareRule.CommissionerBearsOwnSchemes(),
        _ => new RiskShareRule.ProportionalToContributions(d.IncludeCapital),
    };

    private static Profile ToProfile(ProfileDocument d, string where) => SetupJson.ParseName<ProfileKind>(d.Kind, where, "profile kind") switch
    {
        ProfileKind.CustomMonthly => new Profile.CustomMonthly((d.MonthlyPence
            ?? throw new StorageInvariantException(where, "a customMonthly profile has no monthly amounts.")).Select(p => new Pence(p))),
        ProfileKind.LumpSum => new Profile.LumpSum(d.Month ?? throw new StorageInvariantException(where, "a lumpSum profile has no month.")),
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

/// <summary>
/// One version of a line, written with the line row in the same transaction each time the line is put, and never
/// changed: the whole line as put, when it was recorded (the put's time), from when it takes effect (given, else the
/// put's time) and by whom. Row key <c>linever~{lineId}~{setup version}</c>, in the pool's partition of the Pools table.
/// </summary>
public sealed record LineVersion(LineDocument Line, Instant RecordedAt, Instant EffectiveFrom, string By, long SetupVersion)
{
    public const string RowPrefix = "linever~";

    /// <summary>The key prefix of one line's versions (every line's when null).</summary>
    public static string PrefixOf(string? lineId) => RowPrefix + (lineId is null ? "" : lineId + "~");

    /// <summary>The line as it was before versions were kept, written at its first put after: recorded when its row says
    /// it was last put, by whom it says, in effect from its creation (what is known of its history before is this).</summary>
    public bool Baseline { get; init; }

    /// <summary>The baseline of a line stored before versions were kept, at the set-up version before the put that
    /// replaces it.</summary>
    public static LineVersion BaselineOf(LineDocument stored, long setupVersion)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new LineVersion(stored, stored.UpdatedAt, stored.CreatedAt, stored.UpdatedBy, setupVersion) { Baseline = true };
    }

    private const string Table = StorageNames.PoolsTable;

    /// <summary>The line row's own properties (so a version reads as the line did), under the version's key, with its times.</summary>
    internal TableEntity ToEntity(string poolId)
    {
        var entity = Line.ToEntity(poolId);
        entity.RowKey = string.Create(CultureInfo.InvariantCulture, $"{RowPrefix}{Line.LineId}~{SetupVersion:D12}");
        entity["RecordedAt"] = RecordedAt.ToDateTimeOffset();
        entity["EffectiveFrom"] = EffectiveFrom.ToDateTimeOffset();
        entity["By"] = By;
        entity["SetupVersion"] = SetupVersion;
        if (Baseline)
        {
            entity["Baseline"] = true;
        }
        return entity;
    }

    internal static LineVersion FromEntity(TableEntity row)
    {
        var record = StoredEntity.Describe(Table, row);
        var key = row.RowKey[RowPrefix.Length..];
        var cut = key.LastIndexOf('~');
        SetupJson.Check(cut > 0, record, "RowKey", "not linever~{line}~{version}");
        var asLine = new TableEntity(row) { RowKey = LineDocument.RowPrefix + key[..cut] };
        return new LineVersion(
            LineDocument.FromEntity(asLine), row.Instant(Table, "RecordedAt"), row.Instant(Table, "EffectiveFrom"), row.Text(Table, "By"),
            row.Int64(Table, "SetupVersion"))
        {
            Baseline = row.GetBoolean("Baseline") ?? false,
        };
    }

    /// <summary>The line's fields, as the API names them, that differ from <paramref name="before"/> (every one for the first version).</summary>
    public IReadOnlyList<string> ChangedFrom(LineDocument? before)
    {
        var fields = new (string Name, Func<LineDocument, object?> Of)[]
        {
            ("fundingSource", l => l.FundingSource), ("title", l => l.Title), ("host", l => l.Host), ("startMonth", l => l.StartMonth),
            ("profile", l => SetupJson.Write(l.Profile)), ("commissioner", l => l.Commissioner), ("notes", l => l.Notes),
            ("displayOrder", l => l.DisplayOrder), ("summaryGroup", l => l.SummaryGroup), ("fundingSourceLabel", l => l.FundingSourceLabel),
        };
        return fields.Where(f => before is null || !Equals(f.Of(before), f.Of(Line))).Select(f => f.Name).ToList();
    }

    /// <summary>
    /// The lines as at <paramref name="asAt"/> (effective time) as known at <paramref name="knownAt"/> (recorded time):
    /// for each line, the latest version recorded by the known-at that had taken effect by the as-at; a line with
    /// versions known but none yet in effect is shown as its first known version (entries dated before a line was set
    /// up are never dropped from a statement); a line not yet recorded by the known-at is left out. Lines written before
    /// versions were kept have none: they are as they are now, from when they were created; one of those put again since
    /// shows, as known before that put, its first version (the nearest to what was known), never nothing.
    /// </summary>
    public static IReadOnlyList<LineDocument> InEffect(
        IReadOnlyList<LineDocument> current, IReadOnlyList<LineVersion> versions, Instant asAt, Instant knownAt)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(versions);
        var byLine = versions.GroupBy(v => v.Line.LineId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var lines = new List<LineDocument>();
        foreach (var line in current)
        {
            if (!byLine.TryGetValue(line.LineId, out var own))
            {
                if (line.CreatedAt <= knownAt)
                {
                    lines.Add(line);
                }
                continue;
            }
            var ordered = own.OrderBy(v => v.SetupVersion).ToList();
            if (VersionSelection.Shown(ordered, v => v.RecordedAt, v => v.EffectiveFrom, asAt, knownAt) is { } shown)
            {
                lines.Add(shown.Line);
            }
            else if (line.CreatedAt <= knownAt)
            {
                // Created before versions were kept, and first put again after the known-at: its entries from then on
                // must still have their line.
                lines.Add(ordered[0].Line);
            }
        }
        return lines;
    }
}
