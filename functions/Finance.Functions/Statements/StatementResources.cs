using Finance.Domain.Money;
using Finance.Domain.Positions;
using Finance.Domain.Statements;
using Finance.Storage.Closes;
using Finance.Storage.Pools;
using NodaTime;

namespace Finance.Functions.Statements;

/// <summary>An amount twice: exact, in pence, and as the statement shows it (whole pounds, or pounds and pence).</summary>
public sealed record Amount(long Pence, string Pounds)
{
    public static Amount Of(Pence value, bool withPence) => new(value.Value, value.Format(withPence));
}

public sealed record SourceResource(string Stream, string Name, string? Funder, bool CarriedForward, Amount Amount);

public sealed record CommittedResource(string Line, string Title, Amount Amount);

public sealed record SummaryResource(
    IReadOnlyList<SourceResource> Sources, Amount TotalBudget, IReadOnlyList<CommittedResource> Committed, Amount TotalCommitted, Amount BalanceRemaining);

/// <summary>One line of the detail block, in the statement's column order; <see cref="Months"/> are months 1 to M.</summary>
public sealed record RowResource(
    string Line, string FundingSource, string FundingSourceLabel, string Title, string Host, string HostName, Amount AnnualBudget,
    Amount PriorYearInvoices, IReadOnlyList<Amount> Months, Amount YtdActuals, Amount YtdAccruals, Amount YtdTotal, Amount YtdForecast,
    Amount Variance, Amount ForecastOutturn, bool ForecastIsPosted, string Notes);

public sealed record TotalsResource(
    Amount AnnualBudget, Amount PriorYearInvoices, IReadOnlyList<Amount> Months, Amount YtdActuals, Amount YtdAccruals, Amount YtdTotal,
    Amount YtdForecast, Amount Variance, Amount ForecastOutturn);

/// <summary>The budget statement as JSON: the shape of DOMAIN.md, every amount in pence and formatted pounds.</summary>
/// <param name="Headings">The detail block's column headings, in order (as the CSV and the workbook have them).</param>
/// <param name="MonthClosed">Whether the month is closed (its figures can no longer change).</param>
/// <param name="AsAt">Effective time: what had happened by then is in the statement.</param>
public sealed record StatementResource(
    string PoolId, string PoolName, string FinancialYear, int Month, string Period, LocalDate PeriodEnd, Instant AsAt, bool MonthClosed,
    IReadOnlyList<string> Headings, SummaryResource Summary, IReadOnlyList<RowResource> Rows, TotalsResource Totals)
{
    /// <summary>The statement's own words when it shows nothing: "nothing was in effect" by its as-at, as known at its known-at.</summary>
    public const string NothingInEffect = "nothing was in effect";

    /// <summary>Recorded time: only what had been recorded by then is in the statement (a frozen one: its close).</summary>
    public Instant KnownAt { get; init; }

    /// <summary>Why the statement shows what it shows, when that needs saying; null otherwise.</summary>
    public string? Note { get; init; }

    /// <summary>A closed month's statement as its close froze it (exact pence, pounds formatted as asked).</summary>
    public static StatementResource From(FrozenStatement s, bool withPence)
    {
        ArgumentNullException.ThrowIfNull(s);
        Amount A(long pence) => Amount.Of(new Pence(pence), withPence);
        return new(
            s.PoolId, s.PoolName, s.FinancialYear, s.Month, Finance.Domain.Calendar.FinancialYear.Parse(s.FinancialYear).Month(s.Month).ToString(), s.PeriodEnd, s.AsAt, MonthClosed: true, s.Headings,
            new SummaryResource(
                s.Sources.Select(x => new SourceResource(x.Stream, x.Name, x.Funder, x.CarriedForward, A(x.AmountPence))).ToList(),
                A(s.TotalBudgetPence),
                s.Committed.Select(c => new CommittedResource(c.Line, c.Title, A(c.AmountPence))).ToList(),
                A(s.TotalCommittedPence),
                A(s.BalanceRemainingPence)),
            s.Rows.Select(r => new RowResource(
                r.Line, r.FundingSource, r.FundingSourceLabel, r.Title, r.Host, r.HostName, A(r.AnnualBudgetPence), A(r.PriorYearInvoicesPence),
                r.MonthsPence.Select(A).ToList(), A(r.YtdActualsPence), A(r.YtdAccrualsPence), A(r.YtdTotalPence), A(r.YtdForecastPence),
                A(r.VariancePence), A(r.ForecastOutturnPence), r.ForecastIsPosted, r.Notes)).ToList(),
            new TotalsResource(
                A(s.Totals.AnnualBudgetPence), A(s.Totals.PriorYearInvoicesPence), s.Totals.MonthsPence.Select(A).ToList(), A(s.Totals.YtdActualsPence),
                A(s.Totals.YtdAccrualsPence), A(s.Totals.YtdTotalPence), A(s.Totals.YtdForecastPence), A(s.Totals.VariancePence),
                A(s.Totals.ForecastOutturnPence)))
        {
            KnownAt = s.AsAt,
        };
    }

    public static StatementResource From(BudgetStatement s, bool monthClosed, bool withPence)
    {
        Amount A(Pence p) => Amount.Of(p, withPence);
        return new(
            s.Pool.Value, s.PoolName, s.Period.Year.ToString(), s.Month.Number, s.Month.ToString(), s.Period.PeriodEnd, s.Period.AsAt, monthClosed,
            BudgetStatement.ColumnHeadings(s.Month.Number),
            new SummaryResource(
                s.Summary.Sources.Select(x => new SourceResource(x.Stream.Value, x.Name, x.Funder, x.CarriedForward, A(x.Amount))).ToList(),
                A(s.Summary.TotalBudget),
                s.Summary.Committed.Select(c => new CommittedResource(c.Line.Value, c.Title, A(c.Amount))).ToList(),
                A(s.Summary.TotalCommitted),
                A(s.Summary.BalanceRemaining)),
            s.Rows.Select(r => new RowResource(
                r.Line.Value, r.FundingSource.Value, r.FundingSourceLabel, r.Title, r.Host.Value, r.HostName, A(r.AnnualBudget), A(r.PriorYearInvoices),
                r.Months.Select(A).ToList(), A(r.YtdActuals), A(r.YtdAccruals), A(r.YtdTotal), A(r.YtdForecast), A(r.Variance), A(r.ForecastOutturn),
                r.ForecastIsPosted, r.Notes)).ToList(),
            new TotalsResource(
                A(s.Totals.AnnualBudget), A(s.Totals.PriorYearInvoices), s.Totals.Months.Select(A).ToList(), A(s.Totals.YtdActuals), A(s.Totals.YtdAccruals),
                A(s.Totals.YtdTotal), A(s.Totals.YtdForecast), A(s.Totals.Variance), A(s.Totals.ForecastOutturn)))
        {
            KnownAt = s.Period.KnownAt ?? s.Period.AsAt,
            Note = s.EntriesInEffect == 0 ? NothingInEffect : null,
        };
    }
}

public sealed record SectionResource(Amount Budget, Amount SpendToDate, Amount ForecastOutturn, Amount ProjectedVariance);

public sealed record ContributionResource(string Stream, string StreamName, string Nature, bool PassThrough, Amount Agreed, Amount ContributedToDate);

/// <summary>One partner: what it put in, its share of spend and outturn, and its share of the projected over- or underspend.</summary>
public sealed record PartnerResource(
    string Partner, string Name, IReadOnlyList<ContributionResource> Contributions, Amount Agreed, Amount ContributedToDate, Amount ShareOfSpendToDate,
    Amount ShareOfForecastOutturn, Amount ShareOfOverspend, Amount ShareOfUnderspendReturned);

public sealed record PotResource(
    string Name, IReadOnlyList<string> Natures, Amount Budget, Amount Outturn, Amount Variance, Amount Overspend, Amount Underspend,
    Amount UnderspendReturned, Amount UnderspendRetained);

public sealed record PassThroughResource(string Stream, string Name, string PassedTo, string PassedToName, Amount Received, Amount SpendToDate, Amount ForecastOutturn);

/// <summary>The pool position for section 75 partners.</summary>
public sealed record PositionResource(
    string PoolId, string FinancialYear, int Month, string Period, Instant AsAt, bool MonthClosed, SectionResource Revenue, SectionResource Capital,
    SectionResource Total, Amount ProjectedOverspend, Amount ProjectedUnderspend, string RiskShareRule, string UnderspendRule,
    IReadOnlyList<PartnerResource> Partners, IReadOnlyList<PotResource> Pots, IReadOnlyList<PassThroughResource> PassThroughs)
{
    /// <summary>Recorded time: only what had been recorded by then is in the position.</summary>
    public Instant KnownAt { get; init; }

    public static PositionResource From(PoolPosition p, bool monthClosed, bool withPence)
    {
        Amount A(Pence value) => Amount.Of(value, withPence);
        SectionResource S(PositionSection s) => new(A(s.Budget), A(s.SpendToDate), A(s.ForecastOutturn), A(s.ProjectedVariance));
        return new(
            p.Pool.Value, p.Period.Year.ToString(), p.Period.Month.Number, p.Period.Month.ToString(), p.Period.AsAt, monthClosed,
            S(p.Revenue), S(p.Capital), S(p.Total), A(p.ProjectedOverspend), A(p.ProjectedUnderspend),
            RuleName(p.RiskShareRule), SetupJson.Name(p.UnderspendRule),
            p.Partners.Select(x => new PartnerResource(
                x.Partner.Value, x.Name,
                x.Contributions.Select(c => new ContributionResource(c.Stream.Value, c.StreamName, SetupJson.Name(c.Nature), c.PassThrough, A(c.Agreed), A(c.ContributedToDate))).ToList(),
                A(x.Agreed), A(x.ContributedToDate), A(x.ShareOfSpendToDate), A(x.ShareOfForecastOutturn), A(x.ShareOfOverspend), A(x.ShareOfUnderspendReturned))).ToList(),
            p.Pots.Select(x => new PotResource(
                x.Name, x.Natures.Select(SetupJson.Name).ToList(), A(x.Budget), A(x.Outturn), A(x.Variance), A(x.Overspend), A(x.Underspend),
                A(x.UnderspendReturned), A(x.UnderspendRetained))).ToList(),
            p.PassThroughs.Select(x => new PassThroughResource(
                x.Stream.Value, x.Name, x.PassedTo.Value, x.PassedToName, A(x.Received), A(x.SpendToDate), A(x.ForecastOutturn))).ToList())
        {
            KnownAt = p.Period.KnownAt ?? p.Period.AsAt,
        };
    }

    private static string RuleName(Finance.Domain.Model.RiskShareRule rule) => rule switch
    {
        Finance.Domain.Model.RiskShareRule.ProportionalToContributions { IncludeCapital: true } => "proportionalToContributions",
        Finance.Domain.Model.RiskShareRule.ProportionalToContributions => "proportionalToRevenueContributions",
        Finance.Domain.Model.RiskShareRule.FixedPercentages => "fixedPercentages",
        Finance.Domain.Model.RiskShareRule.HostBearsAll => "hostBearsAll",
        _ => "commissionerBearsOwnSchemes",
    };
}

/// <summary>One pool an organisation is party to, in the organisation summary.</summary>
public sealed record PoolSummaryResource(
    string PoolId, string Name, string FinancialYear, int Month, string Role, Amount TotalBudget, Amount TotalCommitted, Amount YtdTotal,
    Amount ForecastOutturn, Amount ProjectedOverspend, Amount ProjectedUnderspend, Amount OrganisationAgreed, Amount OrganisationShareOfOverspend,
    Amount OrganisationShareOfUnderspendReturned);
