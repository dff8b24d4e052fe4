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
    public async Task<IReadOnlyDictionary<string, Organisation>> GetManyAsync(IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var found = await Task.WhenAll(distinct.Select(id => GetAsync(id, cancellationToken))).ConfigureAwait(false);
        return found.OfType<Organisation>().ToDictionary(o => o.Id.Value, StringComparer.Ordinal);
    }

    /// <summary>Organisations by id, at most <see cref="MaxListed"/>.</summary>
    public async Task<IReadOnlyList<Organisation>> ListAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<Organisation>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
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

    /// <summary>Creates or replaces the organisation; says whether it existed before.</summary>
    public async Task PutAsync(Organisation organisation, string by, Instant at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition, organisation.Id.Value)
        {
            ["Name"] = organisation.Name,
            ["Kind"] = organisation.Kind.ToString(),
            // Aliases are free text and may hold commas, so they are stored as a JSON array.
            ["Aliases"] = JsonSerializer.Serialize(organisation.Aliases),
            ["UpdatedAt"] = at.ToDateTimeOffset(),
            ["UpdatedBy"] = by,
        };
        if (organisation.ShortName is not null)
        {
            entity["ShortName"] = organisation.ShortName;
        }
        if (organisation.StatementName is not null)
        {
            entity["StatementName"] = organisation.StatementName;
        }
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    private static Organisation FromEntity(TableEntity row)
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
