using Azure;
using Finance.Functions.Access;
using Finance.Functions.Configuration;
using Finance.Storage.Tables;
using Microsoft.Extensions.Caching.Memory;
using NodaTime;

namespace Finance.Functions.Memberships;

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

    private const string Separator = ",";

    // Its own cache, with its own size limit, rather than the shared IMemoryCache (whose other users would all have to
    // give sizes once a limit is set).
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = MaxCached });

    public void Dispose() => cache.Dispose();

    public async Task<Membership?> GetAsync(string principalId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var found = await Table.GetEntityIfExistsAsync(Partition, principalId, cancellationToken: cancellationToken);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>What the directory says about a caller, at most <see cref="CacheFor"/> old.</summary>
    public async Task<Membership?> GetForCallerAsync(string principalId, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(CacheKey(principalId), out Cached? cached) && cached is not null)
        {
            return cached.Membership;
        }
        var membership = await GetAsync(principalId, cancellationToken);
        cache.Set(CacheKey(principalId), new Cached(membership), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CacheFor });
        return membership;
    }

    public async Task<(IReadOnlyList<Membership> Memberships, bool Truncated)> ListAsync(CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        var list = new List<Membership>();
        await foreach (var entity in Table.QueryAsync(TableFilter.Create($"PartitionKey eq {Partition}"), maxPerPage: MaxListed, cancellationToken: cancellationToken))
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
        await storage.EnsureCreatedAsync(cancellationToken);
        var entity = new TableEntity(Partition, membership.PrincipalId)
        {
            ["Organisations"] = string.Join(Separator, membership.Organisations),
            ["Roles"] = string.Join(Separator, membership.Roles),
            ["UpdatedAt"] = membership.UpdatedAt.ToDateTimeOffset(),
            ["UpdatedBy"] = membership.UpdatedBy,
        };
        await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
        cache.Remove(CacheKey(membership.PrincipalId));
    }

    /// <summary>Removes a principal's memberships; false when there were none.</summary>
    public async Task<bool> DeleteAsync(string principalId, CancellationToken cancellationToken)
    {
        await storage.EnsureCreatedAsync(cancellationToken);
        try
        {
            await Table.DeleteEntityAsync(Partition, principalId, cancellationToken: cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == StatusCodes.Status404NotFound)
        {
            return false;
        }
        finally
        {
            cache.Remove(CacheKey(principalId));
        }
    }

    private TableClient Table => storage.Table(StorageNames.DirectoryTable);

    private static string CacheKey(string principalId) => "membership:" + principalId;

    private static Membership FromEntity(TableEntity entity) => new(
        entity.RowKey,
        // Values were checked on the way in; anything else found here (an edit by hand) is ignored, not trusted.
        Split(entity.GetString("Organisations")).Where(Ids.IsLedgerId).Distinct(StringComparer.Ordinal).ToList(),
        Split(entity.GetString("Roles")).Select(r => Access.Roles.TryParse(r, out var role) ? role : (Role?)null).OfType<Role>().Distinct().ToList(),
        Instant.FromDateTimeOffset(entity.GetDateTimeOffset("UpdatedAt") ?? DateTimeOffset.UnixEpoch),
        entity.GetString("UpdatedBy") ?? "");

    private static string[] Split(string? text) =>
        string.IsNullOrEmpty(text) ? [] : text.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Holds "no membership" too, so principals the directory does not list are not looked up on every request.</summary>
    private sealed record Cached(Membership? Membership);
}
