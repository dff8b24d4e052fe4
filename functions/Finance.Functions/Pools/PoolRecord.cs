using System.Reflection;
using Azure;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Storage.Tables;
using NodaTime;

namespace Finance.Functions.Pools;

/// <summary>A pool as stored: one entity in the Pools table (partition = pool id), with the version it was read at.</summary>
/// <param name="HostOrganisation">Organisation id of the host partner.</param>
/// <param name="PartnerOrganisations">Organisation ids of the other partners.</param>
/// <param name="PoolManagers">Principal ids of the pool's managers.</param>
public sealed record PoolRecord(
    string PoolId,
    string Name,
    string HostOrganisation,
    string FinancialYear,
    IReadOnlyList<string> PartnerOrganisations,
    IReadOnlyList<string> PoolManagers,
    Instant CreatedAt,
    Instant UpdatedAt,
    ETag ETag)
{
    /// <summary>Increases with every change to the set-up postings are checked against (the pool itself, its streams,
    /// agreement and lines); the ledger refuses a posting checked against an older one.</summary>
    public long SetupVersion { get; init; }

    /// <summary>Whether the month-end timer closes the pool's months itself when reconciliation finds nothing blocking.</summary>
    public bool AutoClose { get; init; }

    /// <summary>The pool's funding streams as stored (JSON, see <c>Setup.SetupDocuments</c>); null before any.</summary>
    public string? StreamsJson { get; init; }

    /// <summary>The section 75 agreement's terms as stored (JSON); null until set.</summary>
    public string? AgreementJson { get; init; }

    private const string Separator = ",";

    public PoolParties Parties => new(PoolId, HostOrganisation, PartnerOrganisations, PoolManagers);

    public TableEntity ToEntity() => new(PoolId, PoolFields.RowKey)
    {
        ["Name"] = Name,
        ["HostOrganisation"] = HostOrganisation,
        ["FinancialYear"] = FinancialYear,
        // Ids cannot contain the separator, so a joined list reads back exactly.
        ["PartnerOrganisations"] = string.Join(Separator, PartnerOrganisations),
        ["PoolManagers"] = string.Join(Separator, PoolManagers),
        ["CreatedAt"] = CreatedAt.ToDateTimeOffset(),
        ["UpdatedAt"] = UpdatedAt.ToDateTimeOffset(),
        ["SetupVersion"] = SetupVersion,
        ["AutoClose"] = AutoClose,
        ["Streams"] = StreamsJson,
        ["Agreement"] = AgreementJson,
    };

    public static PoolRecord FromEntity(TableEntity entity) => new(
        entity.PartitionKey,
        entity.GetString("Name") ?? "",
        entity.GetString("HostOrganisation") ?? "",
        entity.GetString("FinancialYear") ?? "",
        Split(entity.GetString("PartnerOrganisations")).Where(Ids.IsLedgerId).ToList(),
        Split(entity.GetString("PoolManagers")).Where(Ids.IsPrincipalId).ToList(),
        Instant.FromDateTimeOffset(entity.GetDateTimeOffset("CreatedAt") ?? DateTimeOffset.UnixEpoch),
        Instant.FromDateTimeOffset(entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch),
        entity.ETag)
    {
        SetupVersion = entity.GetInt64("SetupVersion") ?? 0,
        AutoClose = entity.GetBoolean("AutoClose") ?? false,
        StreamsJson = entity.GetString("Streams"),
        AgreementJson = entity.GetString("Agreement"),
    };

    private static string[] Split(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Reads pools for access decisions and handlers.</summary>
public sealed class PoolStore(LedgerStorage storage)
{
    /// <summary>The pool, or null when there is none with that id. <paramref name="poolId"/> must already be a valid id.</summary>
    public async Task<PoolRecord?> GetAsync(string poolId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var found = await storage.Table(StorageNames.PoolsTable).GetEntityIfExistsAsync(poolId, PoolFields.RowKey, cancellationToken: cancellationToken);
        return found.HasValue ? PoolRecord.FromEntity(found.Value!) : null;
    }
}

/// <summary>
/// The pool a pool-scoped function was allowed to act on, as the access middleware read it: handlers use this version
/// (and its ETag) rather than reading again, so a write is conditional on the very version access was decided on.
/// </summary>
/// <param name="Pool">Null when the pool does not exist yet (creation).</param>
public sealed record PoolInScope(string PoolId, PoolRecord? Pool)
{
    public static ValueTask<PoolInScope?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<PoolInScope?>(context.Features.Get<PoolInScope>()
            ?? throw new InvalidOperationException($"No pool was put in scope for {parameter.Member.Name}; its function needs a pool access rule."));
}
