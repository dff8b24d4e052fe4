using Azure;
using Azure.Data.Tables;
using Finance.Domain;
using Finance.Domain.Principals;
using Microsoft.Extensions.Caching.Memory;
using NodaTime;

namespace Finance.Storage.Directory;

/// <summary>The organisations and roles an Administrator has recorded for one principal.</summary>
public sealed record Membership(string PrincipalId, IReadOnlyList<string> Organisations, IReadOnlyList<Role> Roles, Instant UpdatedAt, string UpdatedBy);

/// <summary>
/// Principals' memberships in the Directory table: one entity per principal (partition <c>principal</c>, row key the
/// principal id). Lookups for callers are cached briefly, since every authenticated request makes one.
/// </summary>
public sealed class MembershipStore(LedgerStorage storage) : IDisposable
{
    /// <summary>Principals whose memberships are cached at once; bounded so a stream of distinct principals cannot grow memory.</summary>
    public const int MaxCached = 10_000;

    public const string Partition = "principal";

    public const int MaxOrganisations = 50;

    /// <summary>The most memberships one listing returns; a directory larger than this says it was cut short.</summary>
    public const int MaxListed = 1000;

    /// <summary>How long a change made on another instance can take to reach callers here. Changes made through this
    /// instance apply at once.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private const string TableName = StorageNames.DirectoryTable;

    private const char Separator = ',';

    // Its own cache, with its own size limit, rather than a shared IMemoryCache (whose other users would all have to
    // give sizes once a limit is set).
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxCached });

    private TableClient Table => storage.Table(TableName);

    public void Dispose() => cache.Dispose();

    public async Task<Membership?> GetAsync(string principalId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var found = await Table.GetEntityIfExistsAsync<TableEntity>(Partition, principalId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>What the directory says about a caller, at most <see cref="CacheFor"/> old.</summary>
    public async Task<Membership?> GetForCallerAsync(string principalId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(principalId), out Cached? cached) && cached is not null)
        {
            return cached.Membership;
        }
        var membership = await GetAsync(principalId, cancellationToken).ConfigureAwait(false);
        cache.Set(CacheKey(principalId), new Cached(membership), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheFor });
        return membership;
    }

    public async Task<(IReadOnlyList<Membership> Memberships, bool Truncated)> ListAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<Membership>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var entity in Table.QueryAsync<TableEntity>(filter, maxPerPage: MaxListed, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (list.Count == MaxListed)
            {
                return (list, true);
            }
            list.Add(FromEntity(entity));
        }
        return (list, false);
    }

    public async Task PutAsync(Membership membership, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(membership);
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(Partition, membership.PrincipalId)
        {
            ["Organisations"] = string.Join(Separator, membership.Organisations),
            ["Roles"] = string.Join(Separator, membership.Roles),
            ["UpdatedAt"] = membership.UpdatedAt.ToDateTimeOffset(),
            ["UpdatedBy"] = membership.UpdatedBy,
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        cache.Remove(CacheKey(membership.PrincipalId));
    }

    /// <summary>Removes a principal's memberships; false when there were none.</summary>
    public async Task<bool> DeleteAsync(string principalId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Table.DeleteEntityAsync(Partition, principalId, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        finally
        {
            cache.Remove(CacheKey(principalId));
        }
    }

    private static string CacheKey(string principalId) => "membership:" + principalId;

    /// <summary>Values were checked on the way in; one that does not read back (an edit by hand) is an error, not ignored
    /// or trusted: a membership decides what a principal may do.</summary>
    private static Membership FromEntity(TableEntity entity)
    {
        if (!PrincipalIds.IsValid(entity.RowKey))
        {
            throw StoredEntity.Invalid(entity, TableName, "the row key is not a principal id.");
        }
        var organisations = Split(entity.Text(TableName, "Organisations"));
        if (organisations.FirstOrDefault(o => !Identifier.IsValid(o)) is { } badOrganisation)
        {
            throw StoredEntity.Invalid(entity, TableName, $"property Organisations holds '{badOrganisation}', which is not an organisation id.");
        }
        var roles = new List<Role>();
        foreach (var name in Split(entity.Text(TableName, "Roles")))
        {
            roles.Add(Finance.Domain.Principals.Roles.TryParse(name, out var role)
                ? role
                : throw StoredEntity.Invalid(entity, TableName, $"property Roles holds '{name}', which is not a role."));
        }
        return new Membership(
            entity.RowKey, organisations.Distinct(StringComparer.Ordinal).ToList(), roles.Distinct().ToList(),
            entity.Instant(TableName, "UpdatedAt"), entity.Text(TableName, "UpdatedBy"));
    }

    private static string[] Split(string text) => text.Length == 0 ? [] : text.Split(Separator);

    /// <summary>Holds "no membership" too, so principals the directory does not list are not looked up on every request.</summary>
    private sealed record Cached(Membership? Membership);
}
