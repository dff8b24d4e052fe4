using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// DOMAIN.md's worked example, Riverside Place month 6 of 2024/25, built as tests/Finance.Domain.Tests/Support/Riverside.cs
/// builds it, with room to add lines (say, one whose title looks like a formula) and entries.
/// </summary>
internal sealed class RiversideExample
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

    /// <summary>Drawn on 10 October 2024 at 12:00 UTC, which is 13:00 in London (BST).</summary>
    public static readonly Instant AsAt = Instant.FromUtc(2024, 10, 10, 12, 0);

    /// <param name="extraSources">Further funding streams, each with an allocation posted, to lengthen the summary's sources.</param>
    public RiversideExample(string poolName = "Riverside Place", int extraSources = 0)
    {
        Pool = new Pool(
            new PoolId("riverside-place"),
            poolName,
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
                .. Enumerable.Range(1, extraSources).Select(i => new FundingStream(
                    new FundingStreamId($"extra-{i}"), FundingStreamKind.Other, $"Extra source {i}", FundingNature.Revenue, Icb)),
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

        Post(1, EntryKind.Allocation, 300_000, stream: PlaceAllocation, day: 2);
        Post(1, EntryKind.Allocation, 9_000, stream: Leadership, day: 2);
        Post(1, EntryKind.CarryForwardIn, 24_000, stream: Balance, day: 2);
        Post(1, EntryKind.Contribution, 300_000, stream: PlaceAllocation, partner: Icb, day: 2);
        Post(1, EntryKind.Contribution, 9_000, stream: Leadership, partner: Hospital, day: 2);
        Post(1, EntryKind.Commitment, 48_000, ProgrammeManager, day: 3);
        Post(1, EntryKind.Commitment, 180_000, Frailty, day: 3);
        Post(1, EntryKind.Commitment, 3_000, LeadershipAlliance, day: 3);
        Post(6, EntryKind.Commitment, 36_000, DataAnalyst, day: -10);

        Post(1, EntryKind.PriorYearInvoice, 4_000, ProgrammeManager);
        Post(3, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(4, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(5, EntryKind.Accrual, 4_000, ProgrammeManager);
        Post(5, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(6, EntryKind.Actual, 4_000, ProgrammeManager);
        Post(6, EntryKind.Accrual, 4_000, ProgrammeManager);

        Post(3, EntryKind.ForecastOutturn, 170_000, Frailty);
        Post(4, EntryKind.Actual, 15_000, Frailty);
        Post(5, EntryKind.Actual, 15_000, Frailty);
        Post(5, EntryKind.ForecastOutturn, 150_000, Frailty);
        Post(6, EntryKind.Accrual, 15_000, Frailty);

        Post(2, EntryKind.Actual, 500, LeadershipAlliance);
        Post(5, EntryKind.Actual, 1_200, LeadershipAlliance);
    }

    public Pool Pool { get; }

    public List<BudgetLine> Lines { get; }

    public List<JournalEntry> Entries { get; } = [];

    public BudgetStatement Statement(int month = 6) =>
        BudgetStatement.Compute(Pool, Lines, Entries, Year.Month(month), AsAt);

    /// <summary>A line funded from the place allocation and hosted by the council, with its annual budget committed in month 1.</summary>
    public LineId AddLine(string id, string title, decimal committedPounds, string? notes = null)
    {
        var line = new BudgetLine(Pool, new LineId(id), PlaceAllocation, title, Council, notes: notes);
        Lines.Add(line);
        Post(1, EntryKind.Commitment, committedPounds, line.Id, day: 3);
        return line.Id;
    }

    public JournalEntry Post(
        int month,
        EntryKind kind,
        decimal pounds,
        LineId? line = null,
        FundingStreamId? stream = null,
        OrganisationId? partner = null,
        int day = 8)
    {
        var financialMonth = Year.Month(month);
        var entry = new JournalEntry(
            new EntryId($"e-{Entries.Count + 1:0000}"),
            Pool.Id,
            financialMonth,
            kind,
            Pence.FromPounds(pounds),
            "finance.lead@riverside.example",
            LondonTime.StartOfDay(financialMonth.PeriodEnd.PlusDays(day)).Plus(Duration.FromHours(10)),
            EntrySource.Api,
            line,
            stream,
            partner);
        Entries.Add(entry);
        return entry;
    }
}
