using Azure;
using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Calendar;
using Finance.Domain.Principals;
using NodaTime;

namespace Finance.Storage.Pools;

/// <summary>A pool as stored: one entity in the Pools table (partition = pool id, row <c>pool</c>), with the version it was read at.</summary>
/// <param name="HostOrganisation">Organisation id of the host partner.</param>
/// <param name="PartnerOrganisations">Organisation ids of the other partners.</param>
/// <param name="PoolManagers">Principal ids of the pool's managers.</param>
public sealed record PoolRecord(
    string PoolId,
    string Name,
    string HostOrganisation,
    FinancialYear Year,
    IReadOnlyList<string> PartnerOrganisations,
    IReadOnlyList<string> PoolManagers,
    Instant CreatedAt,
    Instant UpdatedAt,
    ETag ETag)
{
    public const string RowKey = "pool";

    private const string Table = StorageNames.PoolsTable;

    // Ids cannot contain the separator, so a joined list reads back exactly.
    private const char Separator = ',';

    /// <summary>Increases with every change to the set-up postings are checked against (the pool itself, its streams,
    /// agreement and lines); the ledger refuses a posting checked against an older one.</summary>
    public long SetupVersion { get; init; }

    /// <summary>Whether the month-end timer closes the pool's months itself when reconciliation finds nothing blocking.</summary>
    public bool AutoClose { get; init; }

    /// <summary>The pool's funding streams, by id.</summary>
    public IReadOnlyList<StreamDocument> Streams { get; init; } = [];

    /// <summary>The section 75 agreement's terms; null until set.</summary>
    public AgreementDocument? Agreement { get; init; }

    public PoolParties Parties => new(PoolId, HostOrganisation, PartnerOrganisations, PoolManagers);

    internal TableEntity ToEntity()
    {
        var entity = new TableEntity(PoolId, RowKey)
        {
            ["Name"] = Name,
            ["HostOrganisation"] = HostOrganisation,
            ["FinancialYear"] = Year.ToString(),
            ["PartnerOrganisations"] = string.Join(Separator, PartnerOrganisations),
            ["PoolManagers"] = string.Join(Separator, PoolManagers),
            ["CreatedAt"] = CreatedAt.ToDateTimeOffset(),
            ["UpdatedAt"] = UpdatedAt.ToDateTimeOffset(),
            ["SetupVersion"] = SetupVersion,
            ["AutoClose"] = AutoClose,
            ["Streams"] = SetupJson.Write(Streams),
        };
        if (Agreement is not null)
        {
            entity["Agreement"] = SetupJson.Write(Agreement);
        }
        return entity;
    }

    internal static PoolRecord FromEntity(TableEntity entity)
    {
        var record = StoredEntity.Describe(Table, entity);
        if (!Identifier.IsValid(entity.PartitionKey) || entity.RowKey != RowKey)
        {
            throw new StorageInvariantException(record, "it is not a pool row.");
        }
        var yearText = entity.Text(Table, "FinancialYear");
        if (!FinancialYear.TryParse(yearText, out var year, out var yearError))
        {
            throw new StorageInvariantException(record, $"property FinancialYear: {yearError}");
        }
        return new PoolRecord(
            entity.PartitionKey,
            entity.Text(Table, "Name"),
            Id(entity.Text(Table, "HostOrganisation"), Identifier.IsValid, record, "HostOrganisation"),
            year,
            Ids(entity.Text(Table, "PartnerOrganisations"), Identifier.IsValid, record, "PartnerOrganisations"),
            Ids(entity.Text(Table, "PoolManagers"), PrincipalIds.IsValid, record, "PoolManagers"),
            entity.Instant(Table, "CreatedAt"),
            entity.Instant(Table, "UpdatedAt"),
            entity.ETag)
        {
            SetupVersion = entity.Int64(Table, "SetupVersion"),
            AutoClose = entity.Boolean(Table, "AutoClose"),
            // A pool is created before its streams are set up; until then the row has none.
            Streams = entity.OptionalText(Table, "Streams") is { } streams
                ? SetupJson.Read<List<StreamDocument>>(streams, record, "Streams").Select(s => s.Checked(record)).ToList()
                : [],
            Agreement = entity.OptionalText(Table, "Agreement") is { } agreement
                ? SetupJson.Read<AgreementDocument>(agreement, record, "Agreement").Checked(record)
                : null,
        };
    }

    private static string Id(string text, Func<string, bool> valid, string record, string property) =>
        valid(text) ? text : throw new StorageInvariantException(record, $"property {property} holds '{text}', which is not an id.");

    private static List<string> Ids(string text, Func<string, bool> valid, string record, string property) =>
        text.Length == 0 ? [] : text.Split(Separator).Select(id => Id(id, valid, record, property)).ToList();
}
