using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Domain.Tests.Support;

/// <summary>The worked example of DOMAIN.md: Riverside Place, month 6 of 2024/25 (to 30 September 2024).</summary>
internal sealed class Riverside
{
    public static readonly FinancialYear Year = new(2024);
    public static readonly OrganisationId Icb = new("riverside-icb");
    public static readonly OrganisationId Council = new("riverside-council");
    public static readonly OrganisationId Trust = new("riverside-community-trust");
    public static readonly OrganisationId Hospital = new("riverside-hospital");
    public static readonly FundingStreamId PlaceAllocation = new("place-allocation");
    public static readonly FundingStreamId Balance = new("balance-2023-24");
    public static readonly FundingStreamId Leadership = new("leadership");
    public static readonly LineId ProgrammeManager = new("programme-manager");
    public static readonly LineId Frailty = new("frailty-service");
    public static readonly LineId LeadershipAlliance = new("leadership-alliance");
    public static readonly LineId DataAnalyst = new("data-analyst");

    /// <summary>Drawn on 10 October 2024, after the month-6 submissions.</summary>
    public static readonly Instant AsAt = Instant.FromUtc(2024, 10, 10, 12, 0);

    public Riverside()
    {
        Pool = new Pool(
            new PoolId("riverside-place"),
            "Riverside Place",
            Year,
            [
                new Organisation(Icb, "NHS Riverside Integrated Care Board", OrganisationKind.IntegratedCareBoard, "ICB", ["Riverside ICB"]),
                new Organisation(Council, "Riverside Council", OrganisationKind.Council, "RC"),
                new Organisation(Trust, "Riverside Community Trust", OrganisationKind.NhsTrust, "RCT"),
                new Organisation(Hospital, "Riverside Hospital", OrganisationKind.NhsTrust, "RH"),
            ],
            [
                new FundingStream(PlaceAllocation, FundingStreamKind.PlaceAllocation, "Place-based allocation", FundingNature.Revenue, Icb),
                new FundingStream(Balance, FundingStreamKind.CarriedForwardBalance, "2023/24 balance carried forward", FundingNature.Revenue),
                new FundingStream(Leadership, FundingStreamKind.Other, "Leadership funding", FundingNature.Revenue, Hospital),
            ],
            new Section75Agreement(
                [Icb, Council, Hospital],
                Council,
                "Alex Morgan",
                [
                    new AgreedContribution(Icb, PlaceAllocation, Pence.FromPounds(300_000)),
                    new AgreedContribution(Hospital, Leadership, Pence.FromPounds(9_000)),
                ],
                new RiskShareRule.ProportionalToContributions(IncludeCapital: false),
                UnderspendRule.CarryForward));

        Lines =
        [
            new BudgetLine(Pool, ProgrammeManager, PlaceAllocation, "Programme Manager", Council),
            new BudgetLine(Pool, Frailty, PlaceAllocation, "Frailty Service", Trust),
            new BudgetLine(Pool, LeadershipAlliance, Leadership, "Leadership – Alliance", Hospital),
            new BudgetLine(Pool, DataAnalyst, PlaceAllocation, "Data Analyst (starts M7)", Council, startMonth: 7),
        ];

        // Budget sources and commitments, set up at the start of the year.
        Post(1, EntryKind.Allocation, 300_000, stream: PlaceAllocation, day: 2);
        Post(1, EntryKind.Allocation, 9_000, stream: Leadership, day: 2);
        Post(1, EntryKind.CarryForwardIn, 24_000, stream: Balance, day: 2);
        Post(1, EntryKind.Contribution, 300_000, stream: PlaceAllocation, partner: Icb, day: 2);
        Post(1, EntryKind.Contribution, 9_000, stream: Leadership, partner: Hospital, day: 2);
        Post(1, EntryKind.Commitment, 48_000, ProgrammeManager, day: 3);
        Post(1, EntryKind.Commitment, 180_000, Frailty, day: 3);
        Post(1, EntryKind.Commitment, 3_000, LeadershipAlliance, day: 3);
        Post(6, EntryKind.Commitment, 36_000, DataAnalyst, day: -10); // approved 20 September

        // Programme Manager: a prior-year invoice paid in April, then 4,000 a month from June, and month 6 accrued.
        Post(1, EntryKind.PriorYearInvoice, 4_000, ProgrammeManager);
        Post(3, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(4, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(5, EntryKind.Accrual, 4_000, ProgrammeManager); // reverses automatically in month 6
        Post(5, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(6, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(6, EntryKind.Accrual, 4_000, ProgrammeManager);

        // Frailty Service: invoiced in months 4 and 5, month 6 accrued; the forecast came down in month 5.
        Post(3, EntryKind.ForecastOutturn, 170_000, Frailty);
        Post(4, EntryKind.Actual, 15_000, Frailty);
        Post(5, EntryKind.Actual, 15_000, Frailty);
        Post(5, EntryKind.ForecastOutturn, 150_000, Frailty);
        Post(6, EntryKind.Accrual, 15_000, Frailty);

        // Leadership – Alliance.
        Post(2, EntryKind.Actual, 500, LeadershipAlliance);
        Post(5, EntryKind.Actual, 1_200, LeadershipAlliance);
    }

    public Pool Pool { get; }

    public IReadOnlyList<BudgetLine> Lines { get; }

    public List<JournalEntry> Entries { get; } = [];

    public static FinancialMonth Month(int number) => Year.Month(number);

    /// <summary>Posts an entry for a month, by default on the 8th working-ish day after the month ends.</summary>
    public JournalEntry Post(
        int month,
        EntryKind kind,
        decimal pounds,
        LineId? line = null,
        FundingStreamId? stream = null,
        OrganisationId? partner = null,
        int day = 8,
        Instant? postedAt = null)
    {
        var financialMonth = Month(month);
        var entry = new JournalEntry(
            new EntryId($"e-{Entries.Count + 1:0000}"),
            Pool.Id,
            financialMonth,
            kind,
            Pence.FromPounds(pounds),
            "finance.lead@riverside.example",
            postedAt ?? LondonTime.StartOfDay(financialMonth.PeriodEnd.PlusDays(day)).Plus(Duration.FromHours(10)),
            EntrySource.Api,
            line,
            stream,
            partner);
        Entries.Add(entry);
        return entry;
    }

    public JournalEntry Add(JournalEntry entry)
    {
        Entries.Add(entry);
        return entry;
    }

    public EntryId NextId() => new($"e-{Entries.Count + 1:0000}");
}
