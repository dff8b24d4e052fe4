using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Tests.Support;

/// <summary>
/// A Better Care Fund pool in a two-tier area: ICB revenue 12,500,000, council revenue 6,000,000, council capital
/// (DFG kept for equipment) 500,000, and a DFG of 1,500,000 passed through to the district council.
/// </summary>
internal sealed class BcfPool
{
    public static readonly FinancialYear Year = new(2024);
    public static readonly OrganisationId Icb = new("icb");
    public static readonly OrganisationId Council = new("county-council");
    public static readonly OrganisationId District = new("district-council");
    public static readonly FundingStreamId Bcf = new("bcf-nhs-minimum");
    public static readonly FundingStreamId AdditionalLa = new("additional-la");
    public static readonly FundingStreamId Dfg = new("dfg-district");
    public static readonly FundingStreamId DfgEquipment = new("dfg-equipment");
    public static readonly FundingStreamId CarriedForward = new("balance-brought-forward");
    public static readonly LineId Community = new("community-services");
    public static readonly LineId SocialCare = new("social-care");
    public static readonly LineId Adaptations = new("adaptations");
    public static readonly LineId Equipment = new("equipment");
    public static readonly Instant AsAt = Instant.FromUtc(2025, 4, 20, 12, 0);

    private int _next;

    public BcfPool(RiskShareRule rule, UnderspendRule underspend = UnderspendRule.CarryForward)
    {
        Pool = new Pool(
            new PoolId("county-bcf"),
            "County Better Care Fund",
            Year,
            [
                new Organisation(Icb, "NHS County Integrated Care Board", OrganisationKind.IntegratedCareBoard, "ICB"),
                new Organisation(Council, "County Council", OrganisationKind.Council, "CC"),
                new Organisation(District, "District Council", OrganisationKind.Council, "DC"),
            ],
            [
                new FundingStream(Bcf, FundingStreamKind.BcfNhsMinimumContribution, "BCF NHS minimum contribution", FundingNature.Revenue, Icb, "Ring-fenced to BCF plan"),
                new FundingStream(AdditionalLa, FundingStreamKind.AdditionalLocalAuthorityContribution, "Additional LA contribution", FundingNature.Revenue, Council),
                new FundingStream(Dfg, FundingStreamKind.DisabledFacilitiesGrant, "DFG (district)", FundingNature.Capital, Council,
                    spendBy: new LocalDate(2025, 3, 31), passThroughTo: District),
                new FundingStream(DfgEquipment, FundingStreamKind.DisabledFacilitiesGrant, "DFG (equipment)", FundingNature.Capital, Council),
                new FundingStream(CarriedForward, FundingStreamKind.CarriedForwardBalance, "Balance brought forward", FundingNature.Revenue),
            ],
            new Section75Agreement(
                [Icb, Council],
                Council,
                "Sam Patel",
                [
                    new AgreedContribution(Icb, Bcf, Pence.FromPounds(12_500_000)),
                    new AgreedContribution(Council, AdditionalLa, Pence.FromPounds(6_000_000)),
                    new AgreedContribution(Council, Dfg, Pence.FromPounds(1_500_000)),
                    new AgreedContribution(Council, DfgEquipment, Pence.FromPounds(500_000)),
                ],
                rule,
                underspend));
        Lines =
        [
            new BudgetLine(Pool, Community, Bcf, "Community services", Icb),
            new BudgetLine(Pool, SocialCare, AdditionalLa, "Social care packages", Council),
            new BudgetLine(Pool, Adaptations, Dfg, "Home adaptations", District),
            new BudgetLine(Pool, Equipment, DfgEquipment, "Community equipment", Council),
        ];
        foreach (var contribution in Pool.Agreement.Contributions)
        {
            Post(1, EntryKind.Allocation, contribution.AnnualAmount, stream: contribution.Stream);
            Post(1, EntryKind.Contribution, contribution.AnnualAmount, stream: contribution.Stream, partner: contribution.Partner);
        }
        Post(1, EntryKind.Commitment, Pence.FromPounds(12_500_000), Community);
        Post(1, EntryKind.Commitment, Pence.FromPounds(6_000_000), SocialCare);
        Post(1, EntryKind.Commitment, Pence.FromPounds(1_500_000), Adaptations);
        Post(1, EntryKind.Commitment, Pence.FromPounds(500_000), Equipment);
    }

    public Pool Pool { get; }

    public IReadOnlyList<BudgetLine> Lines { get; }

    public List<JournalEntry> Entries { get; } = [];

    public JournalEntry Post(int month, EntryKind kind, Pence amount, LineId? line = null, FundingStreamId? stream = null, OrganisationId? partner = null)
    {
        var m = Year.Month(month);
        var entry = new JournalEntry(new EntryId($"bcf-{++_next:00000}"), Pool.Id, m, kind, amount, "finance@county.example",
            LondonTime.StartOfDay(m.PeriodEnd.PlusDays(5)), EntrySource.Api, line, stream, partner);
        Entries.Add(entry);
        return entry;
    }

    /// <summary>Spends a line's whole budget evenly, month by month, and forecasts <paramref name="outturnPounds"/>.</summary>
    public void SpendAndForecast(LineId line, decimal outturnPounds)
    {
        var outturn = Pence.FromPounds(outturnPounds);
        var months = Apportion.OverMonths(outturn, 12);
        for (var m = 1; m <= 12; m++)
        {
            Post(m, EntryKind.Actual, months[m - 1], line);
        }
        Post(3, EntryKind.ForecastOutturn, outturn, line);
    }
}
