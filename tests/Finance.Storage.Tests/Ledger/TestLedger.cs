using Azure.Data.Tables;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using NodaTime;

namespace Finance.Storage.Tests.Ledger;

/// <summary>A clock that moves one second on each reading, so every entry has its own instant (in whole ticks, as storage keeps them).</summary>
internal sealed class TestClock(Instant start) : IClock
{
    private long ticks = start.ToUnixTimeTicks();

    public Instant GetCurrentInstant() => Instant.FromUnixTimeTicks(Interlocked.Add(ref ticks, TimeSpan.TicksPerSecond));
}

/// <summary>
/// The Riverside Place pool of DOMAIN.md's worked example (2024/25), a ledger repository on its own table, and helpers
/// that make valid entries with unique ids.
/// </summary>
internal sealed class TestLedger
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

    private int nextId;

    public TestLedger(TableClient table, string poolId = "riverside-place", LedgerOptions? options = null, string idPrefix = "e")
    {
        Table = table;
        IdPrefix = idPrefix;
        Pool = new Pool(
            new PoolId(poolId),
            "Riverside Place",
            Year,
            [
                new Organisation(Icb, "NHS Riverside Integrated Care Board", OrganisationKind.IntegratedCareBoard, "ICB"),
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
        Setup = new LedgerSetup(Pool, Lines, version: 1);
        Clock = new TestClock(Instant.FromUtc(2024, 4, 2, 9, 0));
        Repository = new LedgerRepository(table, Clock, options);
    }

    public static IReadOnlyList<LineId> AllLines { get; } = [ProgrammeManager, Frailty, LeadershipAlliance, DataAnalyst];

    public TableClient Table { get; }

    public string IdPrefix { get; }

    public Pool Pool { get; }

    public IReadOnlyList<BudgetLine> Lines { get; }

    public LedgerSetup Setup { get; }

    public TestClock Clock { get; }

    public LedgerRepository Repository { get; }

    public LedgerPartition Partition => Setup.Partition;

    public static FinancialMonth Month(int number) => Year.Month(number);

    public EntryId NextId() => new($"{IdPrefix}-{Interlocked.Increment(ref nextId):D6}");

    public JournalEntry Entry(
        int month, EntryKind kind, decimal pounds, LineId? line = null, FundingStreamId? stream = null, OrganisationId? partner = null,
        EntryKind? adjusts = null, string? memo = null) =>
        new(NextId(), Pool.Id, Month(month), kind, Pence.FromPounds(pounds), "finance.lead@riverside.example", Clock.GetCurrentInstant(),
            EntrySource.Api, line, stream, partner, adjustsKind: adjusts, reason: adjusts is null ? null : "Correction", memo: memo);

    public JournalEntry Actual(int month, decimal pounds, LineId line) => Entry(month, EntryKind.Actual, pounds, line);

    public JournalEntry Reverse(JournalEntry entry, int month) =>
        entry.Reverse(NextId(), Month(month), "finance.lead@riverside.example", Clock.GetCurrentInstant(), "Posted in error");

    /// <summary>The year's budget sources and commitments: Riverside's allocations, contributions and four lines.</summary>
    public IReadOnlyList<JournalEntry> Opening() =>
    [
        Entry(1, EntryKind.Allocation, 300_000, stream: PlaceAllocation),
        Entry(1, EntryKind.Allocation, 9_000, stream: Leadership),
        Entry(1, EntryKind.CarryForwardIn, 24_000, stream: Balance),
        Entry(1, EntryKind.Contribution, 300_000, stream: PlaceAllocation, partner: Icb),
        Entry(1, EntryKind.Contribution, 9_000, stream: Leadership, partner: Hospital),
        Entry(1, EntryKind.Commitment, 48_000, ProgrammeManager),
        Entry(1, EntryKind.Commitment, 180_000, Frailty),
        Entry(1, EntryKind.Commitment, 3_000, LeadershipAlliance),
        Entry(6, EntryKind.Commitment, 36_000, DataAnalyst),
    ];

    public Task<PostingResult> PostAsync(params JournalEntry[] entries) => Repository.PostAsync(Setup, entries);

    public async Task<IReadOnlyList<JournalEntry>> PostOpeningAsync()
    {
        var opening = Opening();
        await Repository.PostAsync(Setup, opening);
        return opening;
    }

    public Task<LedgerVerification> VerifyAsync() => Repository.VerifyAsync(Partition, Setup);
}
