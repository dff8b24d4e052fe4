namespace Finance.Domain.Model;

/// <summary>
/// A scheme or project the pool funds: one row of the budget statement. A line holds no amount: its annual budget is
/// what the ledger has committed to it (commitments less releases), so the budget changes only by new entries.
/// </summary>
public sealed class BudgetLine
{
    /// <param name="pool">The pool the line belongs to; its funding source must be one the pool holds.</param>
    /// <param name="commissioner">The partner that commissions the scheme, when it is not the funder of its stream.</param>
    public BudgetLine(
        Pool pool,
        LineId id,
        FundingStreamId fundingSource,
        string title,
        OrganisationId host,
        int startMonth = 1,
        Profile? profile = null,
        OrganisationId? commissioner = null,
        string? notes = null,
        LineDisplay? display = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Id = Require.NotNull(id, "line id");
        FundingSource = Require.NotNull(fundingSource, "funding source");
        Title = Require.Text(title, "line title");
        Host = Require.NotNull(host, "host organisation");
        if (!pool.HoldsStream(fundingSource))
        {
            throw new ArgumentException(
                $"Line '{id}' is funded from '{fundingSource}', a funding source pool '{pool.Id}' does not hold ({string.Join(", ", pool.FundingStreams.Select(s => s.Id))}).",
                nameof(fundingSource));
        }
        if (!pool.HasOrganisation(host))
        {
            throw new ArgumentException($"Line '{id}' is hosted by '{host}', which is not among pool '{pool.Id}''s organisations.", nameof(host));
        }
        if (commissioner is not null && !pool.Agreement.Partners.Contains(commissioner))
        {
            throw new ArgumentException($"Line '{id}' names '{commissioner}' as commissioner, but it is not a partner in the agreement.", nameof(commissioner));
        }
        if (startMonth is < 1 or > 12)
        {
            throw new ArgumentOutOfRangeException(nameof(startMonth), startMonth, $"Line '{id}' starts in month {startMonth}; use 1 (April) to 12 (March).");
        }
        Profile = profile ?? new Profile.StraightLine();
        if (Profile.ProblemForStartMonth(startMonth) is { } problem)
        {
            throw new ArgumentException($"Line '{id}': {problem}.", nameof(profile));
        }
        Pool = pool.Id;
        StartMonth = startMonth;
        Commissioner = commissioner;
        Notes = Require.OptionalText(notes, "line notes");
        Display = display ?? LineDisplay.Default;
    }

    /// <summary>How the statement shows the line: its place, the committed item it is listed under, its source's label.</summary>
    public LineDisplay Display { get; }

    public PoolId Pool { get; }

    public LineId Id { get; }

    public FundingStreamId FundingSource { get; }

    public string Title { get; }

    /// <summary>The organisation that runs the scheme and posts its actuals.</summary>
    public OrganisationId Host { get; }

    /// <summary>1 = April. A line starting in month 7 has a YTD Forecast of 0 at month 6.</summary>
    public int StartMonth { get; }

    public Profile Profile { get; }

    public OrganisationId? Commissioner { get; }

    public string? Notes { get; }

    public override string ToString() => $"{Title} ({Id})";
}

/// <summary>
/// How a board paper shows a line. <paramref name="Order"/> places it (lower first; lines without one follow, in their
/// own order); lines naming one <paramref name="SummaryGroup"/> are one committed item in the summary, titled with the
/// group and summed ("Comms &amp; Engagement" 25,000 for two lines of 10,000 and 15,000); <paramref name="FundingSourceLabel"/>
/// is what the Funding Source column shows instead of the funder's short name or the stream's name.
/// </summary>
public sealed record LineDisplay(int? Order = null, string? SummaryGroup = null, string? FundingSourceLabel = null)
{
    public static LineDisplay Default { get; } = new();
}

/// <summary>The order a board paper lists things in (lines, budget sources).</summary>
public static class DisplayOrder
{
    /// <summary>Those with a display order first, lowest first; the rest after, in the order given.</summary>
    public static IEnumerable<T> Sort<T>(IEnumerable<T> items, Func<T, int?> order) =>
        items.Select((item, index) => (item, index)).OrderBy(x => order(x.item) ?? int.MaxValue).ThenBy(x => x.index).Select(x => x.item);
}
