using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Domain.Positions;
using Finance.Domain.Statements;
using Finance.Domain.YearEnd;
using NodaTime;

namespace Finance.Domain.Tests.Properties;

/// <summary>Properties over random ledgers (FsCheck 3, driven from xunit).</summary>
public sealed class LedgerProperties
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static void ForAllLedgers(Action<RandomLedger> property) =>
        Check.One(Runs, Prop.ForAll(RandomLedger.Arbitrary, c => property(RandomLedger.Build(c))));

    [Fact]
    public void Every_statement_identity_holds()
    {
        ForAllLedgers(ledger => ledger.Statement().CheckIdentities().Should().BeEmpty());
    }

    [Fact]
    public void The_totals_row_is_the_sum_of_the_rows()
    {
        ForAllLedgers(ledger =>
        {
            var s = ledger.Statement();
            Pence Sum(Func<StatementRow, Pence> column) => Pence.Sum(s.Rows.Select(column));
            s.Totals.AnnualBudget.Should().Be(Sum(r => r.AnnualBudget));
            s.Totals.PriorYearInvoices.Should().Be(Sum(r => r.PriorYearInvoices));
            s.Totals.YtdActuals.Should().Be(Sum(r => r.YtdActuals));
            s.Totals.YtdAccruals.Should().Be(Sum(r => r.YtdAccruals));
            s.Totals.YtdTotal.Should().Be(Sum(r => r.YtdTotal));
            s.Totals.YtdForecast.Should().Be(Sum(r => r.YtdForecast));
            s.Totals.Variance.Should().Be(Sum(r => r.Variance));
            s.Totals.ForecastOutturn.Should().Be(Sum(r => r.ForecastOutturn));
            for (var m = 0; m < s.Month.Number; m++)
            {
                s.Totals.Months[m].Should().Be(Pence.Sum(s.Rows.Select(r => r.Months[m])));
            }
        });
    }

    [Fact]
    public void A_statement_as_at_an_earlier_instant_ignores_later_entries()
    {
        ForAllLedgers(ledger =>
        {
            var known = ledger.Entries.Where(e => e.PostedAt <= ledger.AsAt).ToArray();
            StatementText.Figures(ledger.Statement()).Should().Be(StatementText.Figures(ledger.Statement(entries: known)));
        });
    }

    [Fact]
    public void A_statement_depends_only_on_entries_in_effect_by_its_as_at_and_recorded_by_its_known_at()
    {
        ForAllLedgers(ledger =>
        {
            // Each entry took effect some hours to months before it was keyed in (some when keyed), from its id.
            var dated = ledger.Entries.Select(e => Dated(e, Duration.FromMinutes(Math.Abs(e.Id.Value.GetHashCode(StringComparison.Ordinal)) % 200_000 / 3 * 3))).ToList();
            var asAt = ledger.AsAt;
            var knownAt = asAt + Duration.FromMinutes((ledger.Entries.Count * 7919 % 100_000) - 30_000);
            var inView = dated.Where(e => e.EffectiveAt <= asAt && e.PostedAt <= knownAt).ToList();

            var drawn = BudgetStatement.Compute(ledger.Pool, ledger.Lines, dated, ledger.Month, asAt, knownAt);
            var fromInView = BudgetStatement.Compute(ledger.Pool, ledger.Lines, inView, ledger.Month, RandomLedger.AfterEverything);

            StatementText.Figures(drawn).Should().Be(StatementText.Figures(fromInView));
            drawn.EntriesInEffect.Should().Be(inView.Count(e => e.Year == ledger.Pool.Year));
            drawn.Period.KnownAt.Should().Be(knownAt);
        });
    }

    private static JournalEntry Dated(JournalEntry e, Duration before) =>
        new(e.Id, e.Pool, e.Month, e.Kind, e.Amount, e.Author, e.PostedAt, e.Source, e.Line, e.Stream, e.Partner, e.ReversesEntryId, e.AdjustsKind,
            e.Reason, e.Reference, e.Memo, e.PostedAt - before);

    [Fact]
    public void A_reversal_nets_its_entry_to_zero()
    {
        var cases =
            from c in RandomLedger.Cases
            from pick in Gen.Choose(0, 10_000)
            from extraMonths in Gen.Choose(0, 11)
            select (c, pick, extraMonths);
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var ledger = RandomLedger.Build(t.c);
            var reversible = ledger.Entries
                .Where(e => e.Kind is not (EntryKind.Reversal or EntryKind.Note) && !ledger.Entries.Any(r => r.ReversesEntryId == e.Id))
                .ToArray();
            if (reversible.Length == 0)
            {
                return;
            }
            var target = reversible[t.pick % reversible.Length];
            var reversalMonth = RandomLedger.Year.Month(Math.Min(12, target.Month.Number + t.extraMonths % 3));
            var reversal = target.Reverse(new EntryId("the-reversal"), reversalMonth, "someone@example.org", RandomLedger.AfterEverything, "test");
            var statementMonth = RandomLedger.Year.Month(Math.Min(12, reversalMonth.Number + t.extraMonths / 3));

            var reversed = ledger.Statement(statementMonth, RandomLedger.AfterEverything, [.. ledger.Entries, reversal]);
            var without = ledger.Statement(statementMonth, RandomLedger.AfterEverything, [.. ledger.Entries.Where(e => e != target)]);

            // Month columns differ when the reversal is in a later month than its actual (the correction shows there); every total agrees.
            StatementText.Figures(reversed, monthColumns: target.Month == reversalMonth)
                .Should().Be(StatementText.Figures(without, monthColumns: target.Month == reversalMonth));
        }));
    }

    [Fact]
    public void Profiles_add_up_to_the_penny()
    {
        var cases =
            from budget in Gen.Choose(-1_000_000, int.MaxValue)
            from scale in Gen.Choose(1, 1_000)
            from start in Gen.Choose(1, 12)
            from weights in Gen.ArrayOf(Gen.Choose(0, 1_000_000), 12)
            select (budget: new Pence((long)budget * scale), start, weights);
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var straight = new Finance.Domain.Model.Profile.StraightLine().Spread(t.budget, t.start);
            Pence.Sum(straight).Should().Be(t.budget);
            straight.Take(t.start - 1).All(p => p.IsZero).Should().BeTrue();
            var active = straight.Skip(t.start - 1).Select(p => p.Value).ToArray();
            (active.Max() - active.Min()).Should().BeLessThanOrEqualTo(1);

            t.weights[t.start - 1] += 1;
            for (var m = 0; m < t.start - 1; m++)
            {
                t.weights[m] = 0;
            }
            var custom = new Finance.Domain.Model.Profile.CustomMonthly(t.weights.Select(w => new Pence(w)));
            Pence.Sum(custom.Spread(t.budget, t.start)).Should().Be(t.budget);
        }));
    }

    [Fact]
    public void Apportioned_shares_add_up_and_each_is_within_a_penny_of_exact()
    {
        var cases =
            from total in Gen.Choose(int.MinValue, int.MaxValue)
            from scale in Gen.Choose(1, 100_000)
            from weights in Gen.NonEmptyListOf(Gen.Choose(0, int.MaxValue))
            select (total: new Pence((long)total * scale), weights: weights.Select(w => (long)w).Append(1).ToArray());
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var parts = Apportion.ByWeights(t.total, t.weights);
            Pence.Sum(parts).Should().Be(t.total);
            var weightTotal = t.weights.Aggregate(Int128.Zero, (sum, w) => sum + w);
            for (var i = 0; i < parts.Count; i++)
            {
                var exactTimesWeightTotal = (Int128)t.total.Value * t.weights[i];
                Int128.Abs(((Int128)parts[i].Value * weightTotal) - exactTimesWeightTotal).Should().BeLessThan(weightTotal);
            }
        }));
    }

    [Fact]
    public void Risk_shares_and_spend_shares_add_up_to_the_penny()
    {
        ForAllLedgers(ledger =>
        {
            var position = PoolPosition.Compute(ledger.Pool, ledger.Lines, ledger.Entries, ledger.Month, ledger.AsAt);
            Pence.Sum(position.Partners.Select(p => p.ShareOfOverspend)).Should().Be(position.ProjectedOverspend);
            Pence.Sum(position.Partners.Select(p => p.ShareOfUnderspendReturned)).Should().Be(Pence.Sum(position.Pots.Select(p => p.UnderspendReturned)));
            Pence.Sum(position.Partners.Select(p => p.ShareOfSpendToDate)).Should().Be(position.Total.SpendToDate);
            Pence.Sum(position.Partners.Select(p => p.ShareOfForecastOutturn)).Should().Be(position.Total.ForecastOutturn);
            foreach (var pot in position.Pots)
            {
                (pot.Outturn - pot.Budget).Should().Be(pot.Variance);
                (pot.Overspend - pot.Underspend).Should().Be(pot.Variance);
                (pot.UnderspendReturned + pot.UnderspendRetained).Should().Be(pot.Underspend);
            }
            position.Partners.All(p => !p.ShareOfOverspend.IsNegative && !p.ShareOfUnderspendReturned.IsNegative).Should().BeTrue();
        });
    }

    [Fact]
    public void The_year_end_carry_forward_and_risk_share_conserve_every_penny()
    {
        ForAllLedgers(ledger =>
        {
            var result = YearEndClose.Compute(ledger.Pool, ledger.Lines, ledger.Entries, ledger.AsAt, "pool.manager@example.org");
            var final = BudgetStatement.Compute(ledger.Pool, ledger.Lines, ledger.Entries, RandomLedger.Year.Month(12), ledger.AsAt);

            var budgetLessOutturn = final.Summary.TotalBudget - final.Totals.YtdTotal;
            var carried = Pence.Sum(result.CarryForwardEntries.Select(e => e.Amount));
            var returned = Pence.Sum(result.Settlement.Select(s => s.UnderspendReturned));
            var paid = Pence.Sum(result.Settlement.Select(s => s.OverspendPayable));
            (carried + returned - paid).Should().Be(budgetLessOutturn);
            result.Unaccounted.Should().Be(Pence.Zero);
            result.CarryForwardEntries.All(e => e.Kind == EntryKind.CarryForwardIn && e.Year == RandomLedger.Year.Next).Should().BeTrue();
            result.CarryForwardEntries.Select(e => e.Id).Should().OnlyHaveUniqueItems();
        });
    }

    [Fact]
    public void Amounts_read_back_what_they_print()
    {
        var amounts = Gen.Choose(int.MinValue, int.MaxValue).SelectMany(a => Gen.Choose(0, 46), (a, b) => new Pence((long)a * b));
        Check.One(Runs, Prop.ForAll(amounts.ToArbitrary(), p =>
        {
            Pence.Parse(p.ToString(), new Pence(long.MaxValue / 10)).Should().Be(p);
            Pence.Parse(p.ToPoundsAndPenceString(), new Pence(long.MaxValue / 10)).Should().Be(p);
        }));
    }

    [Fact]
    public void Random_ledgers_reconcile_without_throwing()
    {
        ForAllLedgers(ledger =>
        {
            var report = Finance.Domain.Reconciliation.ReconciliationRules.Run(new Finance.Domain.Reconciliation.ReconciliationInput(
                ledger.Pool, ledger.Lines, ledger.Entries, ledger.Month, ledger.AsAt,
                [new Finance.Domain.Reconciliation.MonthClose(RandomLedger.Year.Month(1), RandomLedger.YearStart + Duration.FromDays(40))],
                Finance.Domain.Reconciliation.ReconciliationOptions.Default));
            report.Findings.Should().NotContain(f => f.Code == Finance.Domain.Reconciliation.FindingCodes.StatementIdentityFails);
        });
    }
}
