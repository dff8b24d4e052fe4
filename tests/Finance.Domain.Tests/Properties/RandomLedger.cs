using FsCheck;
using FsCheck.Fluent;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Domain.Statements;
using NodaTime;

namespace Finance.Domain.Tests.Properties;

/// <summary>The shape of a random line: which stream funds it, when it starts, how it is profiled.</summary>
internal sealed record LineSpec(int Stream, int StartMonth, int ProfileKind, int ProfileSeed);

/// <summary>The shape of a random entry; <see cref="RandomLedger.Build"/> turns it into a valid one.</summary>
internal sealed record EntrySpec(int Kind, int Target, int Month, int AmountPence, int MinuteOfYear);

internal sealed record LedgerCase(
    int Rule,
    int Underspend,
    int FixedIcbPercent,
    int[] AgreedPounds,
    LineSpec[] Lines,
    EntrySpec[] Entries,
    int Month,
    int AsAtMinute)
{
    public override string ToString() =>
        $"rule {Rule}, underspend {Underspend}, agreed [{string.Join(", ", AgreedPounds)}], {Lines.Length} lines, {Entries.Length} entries, M{Month}, as-at minute {AsAtMinute}";
}

/// <summary>A random pool-year built from a <see cref="LedgerCase"/>: valid entries of every kind, including reversals and adjustments.</summary>
internal sealed record RandomLedger(Pool Pool, IReadOnlyList<BudgetLine> Lines, IReadOnlyList<JournalEntry> Entries, FinancialMonth Month, Instant AsAt)
{
    public static readonly FinancialYear Year = new(2024);
    public static readonly Instant YearStart = LondonTime.StartOfDay(Year.FirstDay);
    public static readonly Instant AfterEverything = YearStart + Duration.FromDays(800);
    public const int MinutesInYear = 365 * 24 * 60;

    private static readonly OrganisationId Icb = new("icb");
    private static readonly OrganisationId Council = new("council");
    private static readonly OrganisationId District = new("district");

    private static readonly FundingStream[] Streams =
    [
        new(new FundingStreamId("bcf"), FundingStreamKind.BcfNhsMinimumContribution, "BCF", FundingNature.Revenue, Icb),
        new(new FundingStreamId("additional-la"), FundingStreamKind.AdditionalLocalAuthorityContribution, "LA top-up", FundingNature.Revenue, Council),
        new(new FundingStreamId("dfg-district"), FundingStreamKind.DisabledFacilitiesGrant, "DFG to district", FundingNature.Capital, Council, passThroughTo: District),
        new(new FundingStreamId("dfg-equipment"), FundingStreamKind.DisabledFacilitiesGrant, "DFG equipment", FundingNature.Capital, Council),
        new(new FundingStreamId("cf-revenue"), FundingStreamKind.CarriedForwardBalance, "Revenue brought forward", FundingNature.Revenue),
        new(new FundingStreamId("cf-capital"), FundingStreamKind.CarriedForwardBalance, "Capital brought forward", FundingNature.Capital),
    ];

    public static Gen<LedgerCase> Cases { get; } =
        from rule in Gen.Choose(0, 4)
        from underspend in Gen.Choose(0, 2)
        from icbPercent in Gen.Choose(1, 99)
        from agreed in Gen.ArrayOf(Gen.Choose(0, 5_000_000), 4)
        from lineCount in Gen.Choose(1, 6)
        from lines in Gen.ArrayOf(
            from stream in Gen.Choose(0, Streams.Length - 1)
            from start in Gen.Choose(1, 12)
            from profile in Gen.Choose(0, 2)
            from seed in Gen.Choose(0, 1_000_000)
            select new LineSpec(stream, start, profile, seed), lineCount)
        from entries in Gen.ListOf(
            from kind in Gen.Choose(0, 12)
            from target in Gen.Choose(0, 1_000)
            from month in Gen.Choose(1, 12)
            from amount in Gen.Choose(-2_000_000, 20_000_000)
            from minute in Gen.Choose(0, MinutesInYear)
            select new EntrySpec(kind, target, month, amount, minute))
        from month in Gen.Choose(1, 12)
        from asAt in Gen.Choose(0, MinutesInYear + 60)
        select new LedgerCase(rule, underspend, icbPercent, agreed, lines, [.. entries], month, asAt);

    public static Arbitrary<LedgerCase> Arbitrary { get; } = Cases.ToArbitrary();

    public static RandomLedger Build(LedgerCase c)
    {
        RiskShareRule rule = c.Rule switch
        {
            0 => new RiskShareRule.ProportionalToContributions(false),
            1 => new RiskShareRule.ProportionalToContributions(true),
            2 => new RiskShareRule.FixedPercentages([new PartnerShare(Icb, c.FixedIcbPercent), new PartnerShare(Council, 100 - c.FixedIcbPercent)]),
            3 => new RiskShareRule.HostBearsAll(),
            _ => new RiskShareRule.CommissionerBearsOwnSchemes(),
        };
        var agreement = new Section75Agreement([Icb, Council], Council, "Pool Manager",
        [
            new AgreedContribution(Icb, Streams[0].Id, Pence.FromPounds(c.AgreedPounds[0])),
            new AgreedContribution(Council, Streams[1].Id, Pence.FromPounds(c.AgreedPounds[1])),
            new AgreedContribution(Council, Streams[2].Id, Pence.FromPounds(c.AgreedPounds[2])),
            new AgreedContribution(Council, Streams[3].Id, Pence.FromPounds(c.AgreedPounds[3])),
        ], rule, (UnderspendRule)c.Underspend);
        var pool = new Pool(new PoolId("random-pool"), "Random pool", Year,
        [
            new Organisation(Icb, "ICB", OrganisationKind.IntegratedCareBoard),
            new Organisation(Council, "Council", OrganisationKind.Council),
            new Organisation(District, "District", OrganisationKind.Council),
        ], Streams, agreement);

        var lines = c.Lines.Select((spec, i) => new BudgetLine(pool, new LineId($"line-{i + 1}"), Streams[spec.Stream].Id, $"Line {i + 1}",
            i % 2 == 0 ? Council : Icb, spec.StartMonth, Profile(spec))).ToArray();

        var entries = new List<JournalEntry>();
        foreach (var spec in c.Entries)
        {
            if (Entry(spec, pool, lines, entries) is { } entry)
            {
                entries.Add(entry);
            }
        }
        return new RandomLedger(pool, lines, entries, Year.Month(c.Month), YearStart + Duration.FromMinutes(c.AsAtMinute));
    }

    public BudgetStatement Statement(FinancialMonth? month = null, Instant? asAt = null, IReadOnlyList<JournalEntry>? entries = null) =>
        BudgetStatement.Compute(Pool, Lines, entries ?? Entries, month ?? Month, asAt ?? AsAt);

    private static Profile Profile(LineSpec spec) => spec.ProfileKind switch
    {
        0 => new Profile.StraightLine(),
        1 => new Profile.LumpSum(spec.StartMonth + (spec.ProfileSeed % (13 - spec.StartMonth))),
        _ => new Profile.CustomMonthly(Enumerable.Range(1, 12).Select(m =>
            m < spec.StartMonth ? Pence.Zero : new Pence(((spec.ProfileSeed * m) % 997) + (m == spec.StartMonth ? 1 : 0)))),
    };

    private static JournalEntry? Entry(EntrySpec spec, Pool pool, BudgetLine[] lines, List<JournalEntry> earlier)
    {
        var id = new EntryId($"r-{earlier.Count + 1:00000}");
        var month = Year.Month(spec.Month);
        var postedAt = YearStart + Duration.FromMinutes(spec.MinuteOfYear);
        var amount = new Pence(spec.AmountPence == 0 ? 1 : spec.AmountPence);
        var positive = amount.Abs();
        var line = lines[spec.Target % lines.Length].Id;
        var stream = Streams[spec.Target % Streams.Length].Id;
        var partner = spec.Target % 2 == 0 ? Icb : Council;
        JournalEntry Make(EntryKind kind, Pence value, LineId? l = null, FundingStreamId? s = null, OrganisationId? p = null,
            EntryKind? adjusts = null, string? reason = null, string? memo = null) =>
            new(id, pool.Id, month, kind, value, "someone@example.org", postedAt, EntrySource.CsvImport("import-1"), l, s, p, null, adjusts, reason,
                memo: memo);

        switch ((EntryKind)spec.Kind)
        {
            case EntryKind.Allocation: return Make(EntryKind.Allocation, positive, s: stream);
            case EntryKind.Contribution: return Make(EntryKind.Contribution, positive, s: stream, p: partner);
            case EntryKind.Commitment: return Make(EntryKind.Commitment, positive, line);
            case EntryKind.CommitmentRelease: return Make(EntryKind.CommitmentRelease, new Pence(positive.Value / 10 + 1), line);
            case EntryKind.Actual: return Make(EntryKind.Actual, amount, line);
            case EntryKind.PriorYearInvoice: return Make(EntryKind.PriorYearInvoice, amount, line);
            case EntryKind.Accrual: return Make(EntryKind.Accrual, amount, line);
            case EntryKind.ForecastOutturn: return Make(EntryKind.ForecastOutturn, positive, line);
            case EntryKind.CarryForwardIn: return Make(EntryKind.CarryForwardIn, amount, s: stream);
            case EntryKind.NilReturn: return Make(EntryKind.NilReturn, Pence.Zero, line);
            case EntryKind.Note: return Make(EntryKind.Note, Pence.Zero, line, memo: $"Note {spec.Target} for month {spec.Month}.");
            case EntryKind.Adjustment:
                var adjusted = EntryKinds.Adjustable.ElementAt(spec.Target % EntryKinds.Adjustable.Count);
                return Make(EntryKind.Adjustment, amount,
                    EntryKinds.NeedsLine(adjusted) ? line : null,
                    EntryKinds.NeedsStream(adjusted) ? stream : null,
                    EntryKinds.NeedsPartner(adjusted) ? partner : null,
                    adjusted, "correction");
            default:
                var reversible = earlier.Where(e => e.Kind is not (EntryKind.Reversal or EntryKind.Note) && !earlier.Any(r => r.ReversesEntryId == e.Id)).ToArray();
                if (reversible.Length == 0)
                {
                    return null;
                }
                var target = reversible[spec.Target % reversible.Length];
                var reversalMonth = month < target.Month ? target.Month : month;
                var reversalPosted = postedAt > target.PostedAt ? postedAt : target.PostedAt + Duration.FromMinutes(1);
                return target.Reverse(id, reversalMonth, "someone@example.org", reversalPosted, "random correction");
        }
    }
}
