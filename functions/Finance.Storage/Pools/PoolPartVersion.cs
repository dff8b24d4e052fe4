using System.Globalization;
using Azure.Data.Tables;
using NodaTime;

namespace Finance.Storage.Pools;

/// <summary>Who made a set-up change, when it was recorded, and from when it applies (left out, from when it was recorded).</summary>
public sealed record SetupChange(string By, Instant RecordedAt, Instant? EffectiveFrom = null)
{
    public Instant Effective => EffectiveFrom ?? RecordedAt;
}

/// <summary>
/// One version of a part of a pool's set-up held on the pool row: its name (<see cref="NamePart"/>), one funding stream
/// (<see cref="StreamPart"/>) or the section 75 agreement (<see cref="AgreementPart"/>). Written with the pool row in
/// the same transaction whenever the part changes, and never changed: the part as it then was (JSON), when that was
/// recorded, from when it applies and by whom. Row key <c>partver~{part}~{set-up version}</c> in the pool's partition
/// of the Pools table. A part first changed after versions began to be kept gets, in the same transaction, a
/// <see cref="Baseline"/> version: what it was before, in effect from the pool's creation, recorded with the change
/// (the first moment the ledger can vouch for it), by nobody it can name.
/// </summary>
public sealed record PoolPartVersion(string Part, string Document, Instant RecordedAt, Instant EffectiveFrom, string? By, long SetupVersion)
{
    public const string RowPrefix = "partver~";

    public const string NamePart = "name";

    public const string AgreementPart = "agreement";

    private const string Table = StorageNames.PoolsTable;

    private const string StreamPrefix = "stream:";

    /// <summary>The part a funding stream's versions are kept under.</summary>
    public static string StreamPart(string streamId) => StreamPrefix + streamId;

    /// <summary>Whether this is a version of one of the pool's funding streams.</summary>
    public bool IsStream => Part.StartsWith(StreamPrefix, StringComparison.Ordinal);

    /// <summary>The state before versions were kept, not a change anyone is recorded as making.</summary>
    public bool Baseline => By is null;

    /// <summary>The key prefix of one part's versions (every part's when null).</summary>
    public static string PrefixOf(string? part) => RowPrefix + (part is null ? "" : part + "~");

    private string RowKey => string.Create(CultureInfo.InvariantCulture, $"{PrefixOf(Part)}{SetupVersion:D12}");

    internal TableEntity ToEntity(string poolId)
    {
        var entity = new TableEntity(poolId, RowKey)
        {
            ["Part"] = Part,
            ["Document"] = Document,
            ["RecordedAt"] = RecordedAt.ToDateTimeOffset(),
            ["EffectiveFrom"] = EffectiveFrom.ToDateTimeOffset(),
            ["SetupVersion"] = SetupVersion,
        };
        if (By is not null)
        {
            entity["By"] = By;
        }
        return entity;
    }

    internal static PoolPartVersion FromEntity(TableEntity row)
    {
        var record = StoredEntity.Describe(Table, row);
        var version = new PoolPartVersion(
            row.Text(Table, "Part"), row.Text(Table, "Document"), row.Instant(Table, "RecordedAt"), row.Instant(Table, "EffectiveFrom"),
            row.OptionalText(Table, "By"), row.Int64(Table, "SetupVersion"));
        SetupJson.Check(row.RowKey == version.RowKey, record, "RowKey", "not partver~{Part}~{SetupVersion}");
        // Read the document now, so a malformed one is found where it is stored, not where it is shown.
        switch (version.Part)
        {
            case NamePart:
                version.Name(record);
                break;
            case AgreementPart:
                version.Agreement(record);
                break;
            default:
                SetupJson.Check(version.IsStream, record, "Part", "not name, agreement or stream:{id}");
                version.Stream(record);
                break;
        }
        return version;
    }

    public string Name() => Name(Describe());

    public StreamDocument Stream() => Stream(Describe());

    public AgreementDocument Agreement() => Agreement(Describe());

    private string Describe() => $"{Table} {RowKey}";

    private string Name(string record) => SetupJson.Read<NameDocument>(Document, record, "Document").Name;

    private StreamDocument Stream(string record) => SetupJson.Read<StreamDocument>(Document, record, "Document").Checked(record);

    private AgreementDocument Agreement(string record) => SetupJson.Read<AgreementDocument>(Document, record, "Document").Checked(record);

    /// <summary>The pool's name as a version stores it.</summary>
    private sealed record NameDocument(string Name);

    /// <summary>
    /// The versions a change from <paramref name="before"/> (null: the pool is being created) to
    /// <paramref name="after"/> writes, at <paramref name="setupVersion"/>: one for each part that differs (a new
    /// stream, a stream replaced, the agreement set or replaced, the name). <paramref name="unversioned"/> says which
    /// of those parts had no version yet although they existed: each of them gets a <see cref="Baseline"/> of its
    /// state before, at the set-up version before.
    /// </summary>
    public static IReadOnlyList<PoolPartVersion> Changes(
        PoolRecord? before, PoolRecord after, long setupVersion, SetupChange change, IReadOnlySet<string> unversioned)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(unversioned);
        var versions = new List<PoolPartVersion>();
        foreach (var (part, was, now) in Parts(before).FullJoin(Parts(after)))
        {
            if (now is null || was == now)
            {
                continue;
            }
            if (was is not null && unversioned.Contains(part))
            {
                versions.Add(new PoolPartVersion(part, was, change.RecordedAt, before!.CreatedAt, null, setupVersion - 1));
            }
            versions.Add(new PoolPartVersion(part, now, change.RecordedAt, change.Effective, change.By, setupVersion));
        }
        return versions;
    }

    /// <summary>The parts that existed before a change and that it replaces: those a baseline may be owed.</summary>
    public static IReadOnlyList<string> Replaced(PoolRecord? before, PoolRecord after) =>
        Parts(before).FullJoin(Parts(after)).Where(p => p.Was is not null && p.Now is not null && p.Was != p.Now).Select(p => p.Part).ToList();

    /// <summary>Each part of <paramref name="pool"/> and its document as a version stores it.</summary>
    private static Dictionary<string, string> Parts(PoolRecord? pool)
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (pool is null)
        {
            return parts;
        }
        parts[NamePart] = SetupJson.Write(new NameDocument(pool.Name));
        foreach (var stream in pool.Streams)
        {
            parts[StreamPart(stream.Id)] = SetupJson.Write(stream);
        }
        if (pool.Agreement is not null)
        {
            parts[AgreementPart] = SetupJson.Write(pool.Agreement);
        }
        return parts;
    }

    /// <summary>
    /// The pool's name, streams and agreement as at <paramref name="asAt"/> (effective time) as known at
    /// <paramref name="knownAt"/> (recorded time), each part's version by the rule lines follow
    /// (<see cref="VersionSelection.Shown"/>). A part with versions none of which was known then is its earliest
    /// version when that is a baseline (it existed before versions were kept),
    /// else it did not exist then: a stream or agreement is left out, the name (which every pool has) is its first.
    /// A part with no versions at all (set before versions were kept, never changed since) is as it is now.
    /// Parties (host, partners, managers) are as they are now: access is decided on them now.
    /// </summary>
    public static PoolRecord InEffect(PoolRecord now, IReadOnlyList<PoolPartVersion> versions, Instant asAt, Instant knownAt)
    {
        ArgumentNullException.ThrowIfNull(now);
        ArgumentNullException.ThrowIfNull(versions);
        var byPart = versions.GroupBy(v => v.Part, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(v => v.SetupVersion).ToList(), StringComparer.Ordinal);

        PoolPartVersion? Shown(string part, out bool versioned)
        {
            versioned = byPart.TryGetValue(part, out var own);
            if (!versioned)
            {
                return null;
            }
            return VersionSelection.Shown(own!, v => v.RecordedAt, v => v.EffectiveFrom, asAt, knownAt) ?? (own![0].Baseline ? own[0] : null);
        }

        var name = Shown(NamePart, out var nameVersioned) is { } n ? n.Name() : nameVersioned ? byPart[NamePart][0].Name() : now.Name;
        var streams = new List<StreamDocument>();
        var streamIds = now.Streams.Select(s => s.Id)
            .Concat(byPart.Keys.Where(k => k.StartsWith(StreamPrefix, StringComparison.Ordinal)).Select(k => k[StreamPrefix.Length..]))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var id in streamIds)
        {
            if (Shown(StreamPart(id), out var versioned) is { } shown)
            {
                streams.Add(shown.Stream());
            }
            else if (!versioned && now.Streams.FirstOrDefault(s => s.Id == id) is { } current)
            {
                streams.Add(current);
            }
        }
        var agreement = Shown(AgreementPart, out var agreementVersioned) is { } a ? a.Agreement() : agreementVersioned ? null : now.Agreement;
        return now with { Name = name, Streams = streams, Agreement = agreement };
    }
}

/// <summary>Reading part versions from the Pools table.</summary>
public static class PoolPartVersions
{
    /// <summary>Every version of one part of the pool (of every part, when null), in the order they were recorded.</summary>
    public static async Task<IReadOnlyList<PoolPartVersion>> ReadAsync(TableClient table, string poolId, string? part, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var prefix = PoolPartVersion.PrefixOf(part);
        var filter = KeyRanges.StartingWith(poolId, prefix);
        var versions = new List<PoolPartVersion>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            versions.Add(PoolPartVersion.FromEntity(row));
        }
        return versions.OrderBy(v => v.SetupVersion).ToList();
    }

    /// <summary>The actions writing the versions a change from <paramref name="before"/> to <paramref name="after"/>
    /// makes (baselines for replaced parts that had none: one query of each to know).</summary>
    public static async Task<IReadOnlyList<TableTransactionAction>> ActionsAsync(
        TableClient table, PoolRecord? before, PoolRecord after, long setupVersion, SetupChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(after);
        var unversioned = new HashSet<string>(StringComparer.Ordinal);
        if (before is not null)
        {
            foreach (var part in PoolPartVersion.Replaced(before, after))
            {
                if (!await KeyRanges.AnyAsync(table, after.PoolId, PoolPartVersion.PrefixOf(part), cancellationToken).ConfigureAwait(false))
                {
                    unversioned.Add(part);
                }
            }
        }
        return PoolPartVersion.Changes(before, after, setupVersion, change, unversioned)
            .Select(v => new TableTransactionAction(TableTransactionActionType.Add, v.ToEntity(after.PoolId))).ToList();
    }
}

internal static class PartJoins
{
    /// <summary>Every key of either, with its value in each (null where it has none).</summary>
    public static IEnumerable<(string Part, string? Was, string? Now)> FullJoin(this Dictionary<string, string> before, Dictionary<string, string> after) =>
        before.Keys.Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(k => (k, before.GetValueOrDefault(k), after.GetValueOrDefault(k)));
}
