using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Positions;
using Finance.Domain.Principals;
using Finance.Domain.Statements;
using Finance.Functions.Access;
using Finance.Functions.Closes;
using Finance.Functions.Http;
using Finance.Functions.Outcomes;
using Finance.Functions.Pools;
using Finance.Functions.Postings;
using Finance.Storage.Closes;
using Finance.Storage.Ledger;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Statements;

/// <summary>
/// A statement or position request as the function read it: route values and the asAt (effective time), knownAt
/// (recorded time) and pence query values.
/// </summary>
public sealed record PeriodRequest(string Year, string Month, string? AsAt, string? Pence, string? KnownAt = null);

/// <summary>A statement to show: drawn from the ledger (an open month, or any month as at an instant), or a closed
/// month's frozen record.</summary>
/// <param name="AsItStands">Drawn as the ledger stands (neither as at nor as known at an instant).</param>
public sealed record StatementAnswer(LedgerView<BudgetStatement>? Drawn, StoredLink? Frozen, bool WithPence, bool AsItStands = false);

public sealed record PositionAnswer(LedgerView<PoolPosition> View, bool WithPence);

public sealed record OrganisationPoolsResource(string OrganisationId, IReadOnlyList<PoolSummaryResource> Pools);

/// <summary>
/// What partners read: the budget statement, the pool position and, for an organisation, every pool it is party to.
/// HTTP-free: formats, ETags and 304s are the functions' concern.
/// </summary>
public sealed class StatementService(LedgerViews views, CloseService closes, PoolStore pools, IClock clock)
{
    /// <summary>The statement to a month: a closed month (asked for as it stands) from its frozen record, the board's
    /// record written once at the close; otherwise drawn from the ledger, now or as at the instant asked for.</summary>
    public async Task<Outcome<StatementAnswer>> StatementAsync(PoolInScope scope, PeriodRequest request, CancellationToken cancellationToken)
    {
        var period = ReadPeriod(scope, request);
        if (period.Refused)
        {
            return period.Refusal!;
        }
        var (pool, month, asAt, knownAt, withPence) = period.Value;
        // A closed month, as it stands, is its frozen record: served without drawing the open-month view.
        if (asAt is null && knownAt is null && await views.RecentHeadAsync(pool, cancellationToken) is { } head && head.IsClosed(month)
            && await FrozenLinkAsync(scope.PoolId, month, head, cancellationToken) is { } frozen)
        {
            return Outcome.Of(new StatementAnswer(null, frozen, withPence));
        }
        var view = await views.StatementAsync(pool, month, asAt, knownAt, cancellationToken);
        if (view is null)
        {
            return LedgerRefusals.Busy;
        }
        return Outcome.Of(new StatementAnswer(view, null, withPence, AsItStands: asAt is null && knownAt is null));
    }

    /// <summary>
    /// The close link of a closed month's frozen record, read from the chain (checked) once per ledger head and kept
    /// for <see cref="LedgerRepository.StatementsBehindBy"/>: the statement's own bound. A close or reopen changes the
    /// head's ETag, at once on this instance (its recent head is dropped when it writes) and within that second on
    /// others, so a kept link is never used for a head it was not read under.
    /// </summary>
    private async Task<StoredLink?> FrozenLinkAsync(string poolId, FinancialMonth month, LedgerHead head, CancellationToken cancellationToken)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{poolId}|{month.Year}|{month.Number}|{head.ETag}");
        var now = clock.GetCurrentInstant();
        if (frozenLinks.TryGetValue(key, out var kept) && now < kept.Until)
        {
            return kept.Link;
        }
        var link = await closes.FrozenAsync(poolId, month, cancellationToken);
        if (link is not null)
        {
            if (frozenLinks.Count >= MaxFrozenLinksKept)
            {
                frozenLinks.Clear();
            }
            frozenLinks[key] = (link, now + Duration.FromTimeSpan(LedgerRepository.StatementsBehindBy));
        }
        return link;
    }

    private const int MaxFrozenLinksKept = 4096;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (StoredLink Link, Instant Until)> frozenLinks =
        new(StringComparer.Ordinal);

    public async Task<Outcome<PositionAnswer>> PositionAsync(PoolInScope scope, PeriodRequest request, CancellationToken cancellationToken)
    {
        var period = ReadPeriod(scope, request);
        if (period.Refused)
        {
            return period.Refusal!;
        }
        var (pool, month, asAt, knownAt, withPence) = period.Value;
        var view = await views.PositionAsync(pool, month, asAt, knownAt, cancellationToken);
        return view is null ? LedgerRefusals.Busy : Outcome.Of(new PositionAnswer(view, withPence));
    }

    /// <summary>The frozen statement recomputed from the journal (entries up to the lock, as at the close), for the workbook.</summary>
    public Task<BudgetStatement?> FrozenStatementAsync(StoredLink frozen, CancellationToken cancellationToken) => closes.FrozenStatementAsync(frozen, cancellationToken);

    public Task<byte[]> FrozenCsvAsync(StoredLink frozen, CancellationToken cancellationToken) => closes.FrozenCsvAsync(frozen, cancellationToken);

    /// <summary>
    /// Every pool an organisation is party to, one row each. Partners see their own organisations' pools; an organisation
    /// they do not belong to is "not found", as a pool is.
    /// </summary>
    public async Task<Outcome<OrganisationPoolsResource>> OrganisationPoolsAsync(
        string organisationId, Caller caller, string? monthText, string? penceText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.Has(Role.Auditor) && !caller.Has(Role.Administrator) && !caller.Organisations.Contains(organisationId))
        {
            return Refusal.NotFound($"There is no organisation '{organisationId}' among yours.");
        }
        var errors = new FieldErrors();
        int? month = null;
        if (monthText is not null)
        {
            month = int.TryParse(monthText, NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? errors.Month("month", m) : null;
            if (month is null && !errors.Any)
            {
                errors.Add("month", "month is a number, 1 (April) to 12 (March).");
            }
        }
        var withPence = Pence(penceText, errors);
        if (errors.Any)
        {
            return Refusal.Invalid(errors.ToDictionary());
        }
        var partyTo = (await pools.ListAsync(cancellationToken)).Where(pool => pool.Parties.Organisations.Contains(organisationId, StringComparer.Ordinal));
        var rows = new List<PoolSummaryResource>();
        foreach (var pool in partyTo)
        {
            var financialMonth = pool.Year.Month(month ?? DefaultMonth(pool.Year));
            if (await views.StatementAndPositionAsync(pool, financialMonth, cancellationToken) is not { } read)
            {
                continue; // changed while being read; the next read shows it
            }
            var s = read.Statement.Value;
            var p = read.Position.Value;
            var mine = p.Partners.FirstOrDefault(x => x.Partner.Value == organisationId);
            Amount A(Finance.Domain.Money.Pence value) => Amount.Of(value, withPence);
            rows.Add(new PoolSummaryResource(
                pool.PoolId, pool.Name, pool.Year.ToString(), financialMonth.Number, pool.HostOrganisation == organisationId ? "host" : "partner",
                A(s.Summary.TotalBudget), A(s.Summary.TotalCommitted), A(s.Totals.YtdTotal), A(s.Totals.ForecastOutturn),
                A(p.ProjectedOverspend), A(p.ProjectedUnderspend),
                A(mine?.Agreed ?? default), A(mine?.ShareOfOverspend ?? default), A(mine?.ShareOfUnderspendReturned ?? default)));
        }
        return Outcome.Of(new OrganisationPoolsResource(organisationId, rows));
    }

    /// <summary>The month a summary shows when none is asked for: this month in the current year, else the year's last (or first).</summary>
    private int DefaultMonth(FinancialYear year)
    {
        var today = LondonTime.Today(clock);
        return year.Contains(today) ? FinancialMonth.Containing(today).Number : today > year.LastDay ? 12 : 1;
    }

    /// <summary>The month, as-at and pence flag of a statement or position request; a year the pool is not for is 404.</summary>
    /// <summary>The pool in reach and the period asked of it (month, as-at, pence), or why not.</summary>
    private Outcome<(PoolRecord Pool, FinancialMonth Month, Instant? AsAt, Instant? KnownAt, bool WithPence)> ReadPeriod(
        PoolInScope scope, PeriodRequest request)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(request);
        if (scope.Pool is not { } pool)
        {
            return Refusal.NoPool(scope.PoolId);
        }
        if (PoolPeriods.Month(pool, request.Year, request.Month) is not { } financialMonth)
        {
            return Refusal.NotFound($"Pool '{pool.PoolId}' is for {pool.Year}; it has no statements for {request.Year.Replace('-', '/')}.");
        }
        var errors = new FieldErrors();
        var now = clock.GetCurrentInstant();
        // Any instant up to now: one before anything took effect gives a statement that says so (its note), not a refusal.
        var asAt = errors.Instant("asAt", request.AsAt, now);
        var knownAt = errors.Instant("knownAt", request.KnownAt, now);
        var withPence = Pence(request.Pence, errors);
        return errors.Any ? Refusal.Invalid(errors.ToDictionary()) : Outcome.Of((pool, financialMonth, asAt, knownAt, withPence));
    }

    /// <summary>The <c>pence</c> query value, one rule for every function: absent is false; otherwise true or false exactly.</summary>
    private static bool Pence(string? text, FieldErrors errors)
    {
        if (text is null or "false")
        {
            return false;
        }
        if (text != "true")
        {
            errors.Add("pence", "pence is true or false.");
        }
        return text == "true";
    }
}
