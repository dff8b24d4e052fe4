using System.Text.Json;
using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Model;
using NodaTime;

namespace Finance.Storage.Directory;

/// <summary>
/// Organisations (councils, ICBs, trusts, providers) in the Directory table: partition <c>organisation</c>, row key the
/// organisation id. Pools name them as host, partners, funders and line hosts; imports match them by name and alias.
/// </summary>
public sealed class OrganisationStore(LedgerStorage storage)
{
    public const string Partition = "organisation";

    public const int MaxAliases = 20;

    /// <summary>The most organisations a listing returns.</summary>
    public const int MaxListed = 1000;

    private const string TableName = StorageNames.DirectoryTable;

    private TableClient Table => storage.Table(TableName);

    public async Task<Organisation?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>The organisations with these ids that exist; missing ids are left out.</summary>
    public Task<IReadOnlyDictionary<string, Organisation>> GetManyAsync(IEnumerable<string> ids, CancellationToken cancellationToken) =>
        ManyAsync(ids, id => GetAsync(id, cancellationToken));

    /// <summary>Organisations by id, at most <see cref="MaxListed"/>.</summary>
    public async Task<IReadOnlyList<Organisation>> ListAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<Organisation>();
        // Version rows sort after every id (see OrganisationVersion): the listing stops before them.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey lt {OrganisationVersion.RowPrefix}");
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(FromEntity(row));
            if (list.Count >= MaxListed)
            {
                break;
            }
        }
        return list;
    }

    /// <summary>The organisation's versions (its names over time), in the order they were recorded.</summary>
    public async Task<IReadOnlyList<OrganisationVersion>> ReadVersionsAsync(string id, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var prefix = OrganisationVersion.PrefixOf(id);
        var filter = KeyRanges.StartingWith(Partition, prefix);
        var versions = new List<OrganisationVersion>();
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            versions.Add(OrganisationVersion.FromEntity(row));
        }
        return versions.OrderBy(v => v.Version).ToList();
    }

    /// <summary>
    /// The organisations with these ids as they were named as at <paramref name="asAt"/> as known at
    /// <paramref name="knownAt"/> (<see cref="OrganisationVersion.InEffect"/>); missing ids are left out.
    /// </summary>
    public Task<IReadOnlyDictionary<string, Organisation>> GetManyAsAtAsync(
        IEnumerable<string> ids, Instant asAt, Instant knownAt, CancellationToken cancellationToken) =>
        ManyAsync(ids, async id =>
        {
            var now = GetAsync(id, cancellationToken);
            var versions = ReadVersionsAsync(id, cancellationToken);
            return await now.ConfigureAwait(false) is { } current
                ? OrganisationVersion.InEffect(current, await versions.ConfigureAwait(false), asAt, knownAt)
                : null;
        });

    /// <summary>Each distinct id read at once by <paramref name="read"/>; the ones that do not exist are left out.</summary>
    private static async Task<IReadOnlyDictionary<string, Organisation>> ManyAsync(IEnumerable<string> ids, Func<string, Task<Organisation?>> read)
    {
        var found = await Task.WhenAll(ids.Distinct(StringComparer.Ordinal).Select(read)).ConfigureAwait(false);
        return found.OfType<Organisation>().ToDictionary(o => o.Id.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Creates or replaces the organisation. When its names (name, short name, statement name) change, or it is new, a
    /// version is written in the same transaction, in effect from <paramref name="effectiveFrom"/> (else from
    /// <paramref name="at"/>); an organisation stored before versions were kept first gets a baseline of its names
    /// before. A change made by someone else at the same moment is retried on what they wrote.
    /// </summary>
    public async Task PutAsync(Organisation organisation, string by, Instant at, CancellationToken cancellationToken, Instant? effectiveFrom = null)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var found = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, organisation.Id.Value, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            var existing = found.HasValue ? found.Value! : null;
            var before = existing is null ? null : FromEntity(existing);
            var version = existing?.GetInt64("Version") ?? 0;
            var changed = before is null || OrganisationVersion.NamesOf(before) != OrganisationVersion.NamesOf(organisation);
            var next = changed ? version + 1 : version;
            var entity = new TableEntity(Partition, organisation.Id.Value)
            {
                ["Name"] = organisation.Name,
                ["Kind"] = organisation.Kind.ToString(),
                // Aliases are free text and may hold commas, so they are stored as a JSON array.
                ["Aliases"] = JsonSerializer.Serialize(organisation.Aliases),
                ["UpdatedAt"] = at.ToDateTimeOffset(),
                ["UpdatedBy"] = by,
                ["Version"] = next,
            };
            if (organisation.ShortName is not null)
            {
                entity["ShortName"] = organisation.ShortName;
            }
            if (organisation.StatementName is not null)
            {
                entity["StatementName"] = organisation.StatementName;
            }
            var actions = new List<TableTransactionAction>
            {
                existing is null
                    ? new(TableTransactionActionType.Add, entity)
                    : new(TableTransactionActionType.UpdateReplace, entity, existing.ETag),
            };
            if (changed)
            {
                if (before is not null && version == 0)
                {
                    var was = existing!.Instant(TableName, "UpdatedAt");
                    actions.Add(new(TableTransactionActionType.Add, OrganisationVersion.Of(before, at, was, null, 0).ToEntity()));
                }
                actions.Add(new(TableTransactionActionType.Add, OrganisationVersion.Of(organisation, at, effectiveFrom ?? at, by, next).ToEntity()));
            }
            try
            {
                await TableTransactions.SubmitAsync(Table, actions, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < 5)
            {
                // Someone else put it between the read and the write: apply this put on top of theirs.
            }
        }
    }

    internal static Organisation FromEntity(TableEntity row)
    {
        if (!Identifier.IsValid(row.RowKey))
        {
            throw StoredEntity.Invalid(row, TableName, "the row key is not an organisation id.");
        }
        string[] aliases;
        try
        {
            aliases = JsonSerializer.Deserialize<string[]>(row.Text(TableName, "Aliases")) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw StoredEntity.Invalid(row, TableName, "property Aliases is not a JSON list of names.", e);
        }
        try
        {
            return new Organisation(
                new OrganisationId(row.RowKey),
                row.Text(TableName, "Name"),
                row.Enum<OrganisationKind>(TableName, "Kind"),
                row.OptionalText(TableName, "ShortName"),
                aliases,
                row.OptionalText(TableName, "StatementName"));
        }
        catch (ArgumentException e)
        {
            throw StoredEntity.Invalid(row, TableName, $"it is not a valid organisation: {e.Message}", e);
        }
    }
}
