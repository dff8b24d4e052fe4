using System.Globalization;
using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Model;
using NodaTime;

namespace Finance.Storage.Directory;

/// <summary>
/// One version of an organisation's names (formal, short, statement), written with the organisation's row in the same
/// transaction whenever they change, never changed: the names, when recorded, from when they apply, by whom (null for
/// a baseline: the names before versions were kept, written at the first change after). Row key
/// <c>~ver~{id}~{version}</c> in the organisation partition of the Directory table: <c>~</c> sorts after every
/// character an id may hold, so versions follow the organisations and a listing stops before them.
/// </summary>
public sealed record OrganisationVersion(
    string OrganisationId, string Name, string? ShortName, string? StatementName, Instant RecordedAt, Instant EffectiveFrom, string? By, long Version)
{
    public const string RowPrefix = "~ver~";

    private const string Table = StorageNames.DirectoryTable;

    public bool Baseline => By is null;

    public static string PrefixOf(string organisationId) => RowPrefix + organisationId + "~";

    /// <summary>The names a statement shows, compared to know whether a put changes them.</summary>
    public static (string Name, string? ShortName, string? StatementName) NamesOf(Organisation organisation)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        return (organisation.Name, organisation.ShortName, organisation.StatementName);
    }

    public static OrganisationVersion Of(Organisation organisation, Instant recordedAt, Instant effectiveFrom, string? by, long version)
    {
        ArgumentNullException.ThrowIfNull(organisation);
        return new(organisation.Id.Value, organisation.Name, organisation.ShortName, organisation.StatementName, recordedAt, effectiveFrom, by, version);
    }

    internal TableEntity ToEntity()
    {
        var entity = new TableEntity(OrganisationStore.Partition, string.Create(CultureInfo.InvariantCulture, $"{PrefixOf(OrganisationId)}{Version:D12}"))
        {
            ["Name"] = Name,
            ["RecordedAt"] = RecordedAt.ToDateTimeOffset(),
            ["EffectiveFrom"] = EffectiveFrom.ToDateTimeOffset(),
            ["Version"] = Version,
        };
        if (ShortName is not null)
        {
            entity["ShortName"] = ShortName;
        }
        if (StatementName is not null)
        {
            entity["StatementName"] = StatementName;
        }
        if (By is not null)
        {
            entity["By"] = By;
        }
        return entity;
    }

    internal static OrganisationVersion FromEntity(TableEntity row)
    {
        var key = row.RowKey.StartsWith(RowPrefix, StringComparison.Ordinal) ? row.RowKey[RowPrefix.Length..] : "";
        var cut = key.LastIndexOf('~');
        var id = cut > 0 ? key[..cut] : "";
        if (!Identifier.IsValid(id))
        {
            throw StoredEntity.Invalid(row, Table, "the row key is not ~ver~{organisation}~{version}.");
        }
        var version = new OrganisationVersion(
            id, row.Text(Table, "Name"), row.OptionalText(Table, "ShortName"), row.OptionalText(Table, "StatementName"),
            row.Instant(Table, "RecordedAt"), row.Instant(Table, "EffectiveFrom"), row.OptionalText(Table, "By"), row.Int64(Table, "Version"));
        if (version.ToEntity().RowKey != row.RowKey)
        {
            throw StoredEntity.Invalid(row, Table, "the row key does not name its version.");
        }
        return version;
    }

    /// <summary>
    /// The organisation named as at <paramref name="asAt"/> as known at <paramref name="knownAt"/>, by the rule lines
    /// follow (<see cref="VersionSelection.Shown"/>); when none was known, its first version (the nearest to what was). With no versions (named before versions
    /// were kept and not renamed since) it is as it is now. Kind and aliases are always as now: a statement shows neither.
    /// </summary>
    public static Organisation InEffect(Organisation current, IReadOnlyList<OrganisationVersion> versions, Instant asAt, Instant knownAt)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(versions);
        var ordered = versions.OrderBy(v => v.Version).ToList();
        if (ordered.Count == 0)
        {
            return current;
        }
        var shown = VersionSelection.Shown(ordered, v => v.RecordedAt, v => v.EffectiveFrom, asAt, knownAt) ?? ordered[0];
        return new Organisation(current.Id, shown.Name, current.Kind, shown.ShortName, current.Aliases, shown.StatementName);
    }
}
