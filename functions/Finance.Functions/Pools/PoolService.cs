using Azure;
using Finance.Domain.Calendar;
using Finance.Functions.Access;
using Finance.Functions.Outcomes;
using Finance.Storage;
using Finance.Storage.Directory;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Pools;

/// <param name="HostOrganisation">Organisation id of the host partner.</param>
/// <param name="PartnerOrganisations">Organisation ids of the other partners; left out, a replace keeps the current ones.</param>
/// <param name="PoolManagers">Principal ids of the managers; left out, a replace keeps the current ones.</param>
/// <param name="AutoClose">Whether the month-end timer closes months itself when nothing blocks; left out, a replace keeps the current setting.</param>
/// <param name="EffectiveFrom">From when a new name applies, an instant no later than now and no earlier than the start
/// of the financial year before the pool's; left out, from now. Statements as at an earlier instant keep the name then.</param>
public sealed record PoolBody(
    string? Name, string? HostOrganisation, string? FinancialYear, IReadOnlyList<string?>? PartnerOrganisations = null, IReadOnlyList<string?>? PoolManagers = null,
    bool? AutoClose = null, string? EffectiveFrom = null);

public sealed record PoolResource(
    string PoolId, string Name, string HostOrganisation, string FinancialYear, IReadOnlyList<string> PartnerOrganisations,
    IReadOnlyList<string> PoolManagers, bool AutoClose, Instant CreatedAt, Instant UpdatedAt)
{
    public static PoolResource From(PoolRecord pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return new(pool.PoolId, pool.Name, pool.HostOrganisation, pool.Year.ToString(), pool.PartnerOrganisations, pool.PoolManagers, pool.AutoClose,
            pool.CreatedAt, pool.UpdatedAt);
    }
}

/// <summary>A stored record's version as an ETag, and If-Match compared with it (ignoring the weak marker clients may drop).</summary>
public static class Versions
{
    public static string? Of(ETag etag) => etag == default ? null : etag.ToString("H");

    public static bool Same(string ifMatch, ETag stored) =>
        string.Equals(StripWeak(ifMatch), StripWeak(stored.ToString("H")), StringComparison.Ordinal);

    /// <summary>No If-Match, or <c>*</c>: any version will do.</summary>
    public static bool Any(string? ifMatch) => string.IsNullOrEmpty(ifMatch) || ifMatch.Trim() == "*";

    private static string StripWeak(string etag) => etag.Trim().StartsWith("W/", StringComparison.Ordinal) ? etag.Trim()[2..] : etag.Trim();
}

/// <summary>Creating and replacing pools: who is party to them and who manages them.</summary>
public sealed class PoolService(PoolStore pools, OrganisationStore organisations, MembershipStore memberships, IClock clock)
{
    private static Refusal Changed(string detail) => new(RefusalKind.PreconditionFailed, "The pool has changed.", detail);

    public static Outcome<PoolResource> Get(PoolInScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        return scope.Pool is { } pool
            ? Outcome.Of(PoolResource.From(pool)) with { Version = Versions.Of(pool.ETag) }
            : Refusal.NoPool(scope.PoolId);
    }

    /// <summary>
    /// Creates the pool, or replaces it if the version access was decided on is still the stored one (and, with
    /// <paramref name="ifMatch"/>, the version the caller read). Streams, agreement and lines are kept; any change is a
    /// new set-up version, so postings checked against the old one are refused.
    /// </summary>
    public async Task<Outcome<PoolResource>> PutAsync(PoolInScope scope, PoolBody body, string? ifMatch, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = PoolFields.Validate(body);
        var now = clock.GetCurrentInstant();
        Instant? effectiveFrom = null;
        if (FinancialYear.TryParse(body.FinancialYear?.Trim(), out var year, out _))
        {
            var effective = new Http.FieldErrors();
            effectiveFrom = effective.Effective("effectiveFrom", body.EffectiveFrom, now, year);
            foreach (var (field, messages) in effective.ToDictionary())
            {
                errors[field] = messages;
            }
        }
        if (errors.Count > 0)
        {
            return Refusal.Invalid(errors);
        }
        var existing = scope.Pool;
        var host = body.HostOrganisation!;
        if (await PartiesProblemAsync(host, body.PartnerOrganisations, cancellationToken) is { } parties)
        {
            return parties;
        }
        // Named partners are checked above; kept ones (left out of a replace) lose the host if it became one of them.
        var partners = body.PartnerOrganisations?.OfType<string>().ToList()
            ?? (existing?.PartnerOrganisations ?? []).Where(p => p != host).ToList();
        if (body.PoolManagers?.OfType<string>().Select((m, i) => (m, i)).FirstOrDefault(x => body.PoolManagers.Take(x.i).Contains(x.m)) is ({ } twice, var at))
        {
            return Refusal.Unprocessable(
                new Dictionary<string, string[]> { [$"poolManagers[{at}]"] = [$"'{twice}' is already named; name each manager once."] },
                "A pool manager is named twice.");
        }
        if (await UnknownManagerAsync(body.PoolManagers, caller, cancellationToken) is { } unknown)
        {
            return unknown;
        }
        var managers = (body.PoolManagers?.OfType<string>() ?? existing?.PoolManagers ?? []).ToList();
        // A pool manager who is not an administrator reaches this pool only as one of its managers (or as its creator),
        // and stays one: otherwise they could create a pool nobody manages, or lock themselves out by mistake.
        if (!AccessRules.ManagePool.ReachOf(caller).HasFlag(Reach.Everything) && !managers.Contains(caller.Id, StringComparer.Ordinal))
        {
            managers.Add(caller.Id);
        }
        if (managers.Count > PoolFields.MaxPoolManagers)
        {
            return Refusal.Invalid("poolManagers", $"At most {PoolFields.MaxPoolManagers} poolManagers, including you.");
        }
        var change = new SetupChange(caller.Id, now, effectiveFrom);
        var record = new PoolRecord(
            scope.PoolId, body.Name!.Trim(), host, FinancialYear.Parse(body.FinancialYear!.Trim()), partners, managers, existing?.CreatedAt ?? now, now, default)
        {
            SetupVersion = (existing?.SetupVersion ?? 0) + 1,
            AutoClose = body.AutoClose ?? existing?.AutoClose ?? false,
            Streams = existing?.Streams ?? [],
            Agreement = existing?.Agreement,
        };
        try
        {
            if (existing is null)
            {
                if (!Versions.Any(ifMatch))
                {
                    return Changed("If-Match names a version of a pool that does not exist.");
                }
                var added = await pools.AddAsync(record, change, cancellationToken);
                return Outcome.Of(PoolResource.From(added), Done.Created) with
                {
                    Version = Versions.Of(added.ETag),
                    Location = $"/api/pools/{scope.PoolId}",
                };
            }
            // With If-Match only the version the caller read may be replaced. The write is conditional on the version
            // access was decided on either way, so a change since then (a manager removed, say) is refused too.
            if (!Versions.Any(ifMatch) && !Versions.Same(ifMatch!, existing.ETag))
            {
                return Changed("Someone else changed this pool since you read it; read it again and reapply your change.");
            }
            var updated = await pools.ReplaceAsync(existing, record, change, cancellationToken);
            return Outcome.Of(PoolResource.From(updated)) with { Version = Versions.Of(updated.ETag) };
        }
        catch (StaleRecordException)
        {
            return Changed("Someone else changed this pool since you read it; read it again and reapply your change.");
        }
    }

    /// <summary>
    /// The host and each partner must be organisations registered in the directory, and each named once (the host is
    /// not also a partner): otherwise 422 naming the field, never a pool of organisations nobody knows, nor a partner
    /// silently dropped.
    /// </summary>
    private async Task<Refusal?> PartiesProblemAsync(string host, IReadOnlyList<string?>? partners, CancellationToken cancellationToken)
    {
        var named = partners?.OfType<string>().ToList() ?? [];
        var known = await organisations.GetManyAsync(named.Append(host), cancellationToken);
        var errors = new Dictionary<string, string[]>();
        if (!known.ContainsKey(host))
        {
            errors["hostOrganisation"] = [$"'{host}' is not a registered organisation: PUT /api/organisations/{host} first."];
        }
        for (var i = 0; i < named.Count; i++)
        {
            var partner = named[i];
            if (partner == host)
            {
                errors[$"partnerOrganisations[{i}]"] = [$"'{partner}' is the host; the host is a partner already, so leave it out here."];
            }
            else if (named.Take(i).Contains(partner, StringComparer.Ordinal))
            {
                errors[$"partnerOrganisations[{i}]"] = [$"'{partner}' is already named; name each partner once."];
            }
            else if (!known.ContainsKey(partner))
            {
                errors[$"partnerOrganisations[{i}]"] = [$"'{partner}' is not a registered organisation: PUT /api/organisations/{partner} first."];
            }
        }
        return errors.Count == 0 ? null : Refusal.Unprocessable(errors, "The pool names organisations it cannot have.");
    }

    /// <summary>
    /// Every manager named (other than the caller, who is known by their token) must be a principal the directory knows
    /// (<c>PUT /api/directory/principals/{id}</c>): otherwise 422 naming <c>poolManagers[i]</c>, never a pool managed by
    /// an id nobody registered (a typing slip would leave the pool without the manager meant).
    /// </summary>
    private async Task<Refusal?> UnknownManagerAsync(IReadOnlyList<string?>? named, Caller caller, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < (named?.Count ?? 0); i++)
        {
            if (named![i] is { } manager && manager != caller.Id && await memberships.GetAsync(manager, cancellationToken) is null)
            {
                errors[$"poolManagers[{i}]"] = [$"'{manager}' is not a principal the directory knows: PUT /api/directory/principals/{manager} first."];
            }
        }
        return errors.Count == 0 ? null : Refusal.Unprocessable(errors, "The pool names managers nobody registered.");
    }
}
