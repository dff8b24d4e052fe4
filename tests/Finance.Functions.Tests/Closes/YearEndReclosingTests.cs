using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using Finance.Functions.Tests.Statements;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Finance.Functions.Tests.Closes;

/// <summary>
/// The year end closed, reopened for a late invoice and closed again, through the API: next year's ledger carries what
/// the latest close of month 12 says, to the penny, and verification checks it across the two years.
/// </summary>
public sealed class YearEndReclosingTests(PostingAppFixture fixture, ITestOutputHelper output) : IClassFixture<PostingAppFixture>
{
    private static readonly FinancialYear Next = new(2025);

    private TestApp App => fixture.App;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpMethod method, string path, string token, object? body = null)
    {
        var (status, json, response) = await CloseTests.Send(App, method, path, token, body);
        response.Dispose();
        return (status, json);
    }

    private async Task<JsonElement> Close(RiversideThroughApi r, int month, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var (status, link) = await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/{month}", r.Manager, new { overrideReason = "Test pool: contributions are not booked" });
        status.Should().Be(expected, link.ToString());
        return link;
    }

    private async Task Reopen(RiversideThroughApi r, int month, string reason)
    {
        var (status, body) = await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/{month}/reopen", r.Manager, new { reason });
        status.Should().Be(HttpStatusCode.Created, body.ToString());
    }

    private async Task<IReadOnlyList<JournalEntry>> NextYear(RiversideThroughApi r) =>
        (await App.Ledger().ReadAllEntriesAsync(new LedgerPartition(new PoolId(r.PoolId), Next))).Select(e => e.Entry).ToList();

    /// <summary>Everything next year's ledger holds from 2024/25's year end, summed here rather than by the service.</summary>
    private async Task<long> CarriedIntoNextYear(RiversideThroughApi r) =>
        (await NextYear(r)).Where(e => e.Source == EntrySource.YearEnd && e.Id.Value.StartsWith("year-end-2024-25-", StringComparison.Ordinal))
            .Sum(e => e.Amount.Value);

    private async Task<JsonElement> Verify(RiversideThroughApi r)
    {
        var (status, verification) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        status.Should().Be(HttpStatusCode.OK);
        return verification;
    }

    /// <summary>Budget − outturn − (carried into next year's ledger + returned − paid), from the latest close of month 12.</summary>
    private async Task<long> Unaccounted(RiversideThroughApi r, JsonElement yearEnd) =>
        yearEnd.GetProperty("totalBudgetPence").GetInt64() - yearEnd.GetProperty("totalOutturnPence").GetInt64()
        - (await CarriedIntoNextYear(r) + yearEnd.GetProperty("returnedToPartnersPence").GetInt64() - yearEnd.GetProperty("paidByPartnersPence").GetInt64());

    private async Task CloseTheYearAsync(RiversideThroughApi r)
    {
        for (var month = 1; month <= 11; month++)
        {
            await Close(r, month);
        }
    }

    [Fact]
    public async Task A_year_end_reclosed_after_a_late_invoice_posts_the_difference_into_next_year_linked_to_both_closes()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        await CloseTheYearAsync(r);
        var first = await Close(r, 12);
        var firstCarried = first.GetProperty("yearEnd").GetProperty("carriedForwardPence").GetInt64();
        (await Unaccounted(r, first.GetProperty("yearEnd"))).Should().Be(0);

        await Reopen(r, 12, "Late invoice from the trust for March");
        (await Unaccounted(r, first.GetProperty("yearEnd"))).Should().Be(0, "reopening changes nothing until the year is closed again");
        (await Verify(r)).GetProperty("holds").GetBoolean().Should().BeTrue("the latest close of month 12 still stands for next year");
        await r.PostAsync(RiversideThroughApi.Lead(r.Trust), new { kind = "actual", line = "frailty-service", month = 12, amount = "123.45" });
        var second = await Close(r, 12);

        var yearEnd = second.GetProperty("yearEnd");
        yearEnd.GetProperty("carriedForwardPence").GetInt64().Should().Be(firstCarried - 12_345);
        yearEnd.GetProperty("carriedBeforePence").GetInt64().Should().Be(firstCarried);
        yearEnd.GetProperty("reclosesBlob").GetString().Should().Be(first.GetProperty("blob").GetString());
        yearEnd.GetProperty("carried").EnumerateArray().Single().GetProperty("stream").GetString().Should().Be("carried-forward");
        yearEnd.GetProperty("carryForwardEntryIds").EnumerateArray().Select(e => e.GetString()).Should().Equal("year-end-2024-25-close-2-1");
        (await Unaccounted(r, yearEnd)).Should().Be(0, "next year's ledger carries what the re-close says");

        var adjustment = (await NextYear(r)).Single(e => e.Id.Value == "year-end-2024-25-close-2-1");
        adjustment.Kind.Should().Be(EntryKind.Adjustment);
        adjustment.AdjustsKind.Should().Be(EntryKind.CarryForwardIn);
        adjustment.Amount.Should().Be(new Pence(-12_345));
        adjustment.Month.Should().Be(Next.Month(1));
        adjustment.Source.Should().Be(EntrySource.YearEnd);
        adjustment.Reason.Should().Contain(first.GetProperty("blob").GetString(), "the adjustment names the close it corrects");
        (await Verify(r)).GetProperty("holds").GetBoolean().Should().BeTrue();

        // Closing the closed year end again posts nothing.
        (await Close(r, 12, HttpStatusCode.OK)).GetProperty("seq").GetInt32().Should().Be(second.GetProperty("seq").GetInt32());
        (await NextYear(r)).Should().HaveCount(2, "the carry-forward and one adjustment");

        // A third close after another reopening adjusts again, from what the first two carried.
        await Reopen(r, 12, "Invoice was for another pool after all");
        var (_, journal) = await Send(HttpMethod.Get, $"{r.Path}/entries?kind=actual&month=12", r.Auditor);
        var invoice = journal.GetProperty("entries").EnumerateArray().Single().GetProperty("id").GetString();
        var (reversed, _) = await Send(HttpMethod.Post, $"{r.Path}/entries/{invoice}/reversal", RiversideThroughApi.Lead(r.Trust), new { reason = "Not ours" });
        reversed.Should().Be(HttpStatusCode.Created);
        var third = await Close(r, 12);
        third.GetProperty("yearEnd").GetProperty("carriedForwardPence").GetInt64().Should().Be(firstCarried);
        (await CarriedIntoNextYear(r)).Should().Be(firstCarried);
        (await NextYear(r)).Single(e => e.Id.Value == "year-end-2024-25-close-3-1").Amount.Should().Be(new Pence(12_345));
        (await Verify(r)).GetProperty("holds").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Verification_finds_next_years_ledger_carrying_other_than_the_latest_close_of_month_12()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        await CloseTheYearAsync(r);
        var close = await Close(r, 12);

        // As the fault found from outside left it: next year's ledger carries more than the record says.
        var pool = new PoolId(r.PoolId);
        var stray = new JournalEntry(new EntryId("year-end-2024-25-close-9-1"), pool, Next.Month(1), EntryKind.Adjustment, new Pence(12_345), "someone",
            NodaTime.SystemClock.Instance.GetCurrentInstant(), EntrySource.YearEnd, stream: new FundingStreamId("carried-forward"),
            adjustsKind: EntryKind.CarryForwardIn, reason: "Not from a close");
        var setup = await new Finance.Storage.Pools.PoolSetupStore(App.Storage, new Finance.Storage.Directory.OrganisationStore(App.Storage))
            .ReadWithLedgerAsync(r.PoolId, default);
        var nextPool = Finance.Storage.Pools.StoredSetup.ToDomainPool(setup!.Value.Stored.Pool with { Year = Next },
            setup.Value.Ledger.Pool.Organisations.ToDictionary(o => o.Id.Value, StringComparer.Ordinal));
        await App.Ledger().PostAsync(new LedgerSetup(nextPool, [], setup.Value.Ledger.Version), [stray]);

        var verification = await Verify(r);
        verification.GetProperty("holds").GetBoolean().Should().BeFalse();
        var problems = verification.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        problems.Should().Contain(p => p.Contains("across the two years is -12345p", StringComparison.Ordinal)
            && p.Contains(close.GetProperty("blob").GetString()!, StringComparison.Ordinal), string.Join("\n", problems));
        problems.Should().Contain(p => p.Contains("into stream 'carried-forward'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Month_12_cannot_be_reopened_once_next_years_opening_month_is_closed_and_the_refusal_changes_nothing()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        await CloseTheYearAsync(r);
        await Close(r, 12);
        await PutYear(r, "2025/26");
        var (closed, body) = await Send(HttpMethod.Post, $"{r.Path}/closes/2025-26/1", r.Manager, new { overrideReason = "Opening month" });
        closed.Should().Be(HttpStatusCode.Created, body.ToString());
        await PutYear(r, "2024/25");
        var (_, before) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);

        var (status, problem) = await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/12/reopen", r.Manager, new { reason = "Late invoice" });

        status.Should().Be(HttpStatusCode.Conflict);
        problem.GetProperty("title").GetString().Should().Be("Next year depends on this year end.");
        problem.GetProperty("detail").GetString().Should().Contain("2025/26 M1 is closed");
        var (_, after) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);
        after.ToString().Should().Be(before.ToString(), "the refusal wrote nothing");
        var head = await App.Ledger().ReadHeadAsync(new LedgerPartition(new PoolId(r.PoolId), FinancialYear.Parse("2024/25")));
        head.IsClosed(FinancialYear.Parse("2024/25").Month(12)).Should().BeTrue("month 12 stays closed");
    }

    private async Task PutYear(RiversideThroughApi r, string year)
    {
        using var put = await App.SendAsync(HttpMethod.Put, r.Path, r.Manager, JsonContent.Create(new
        {
            name = "Riverside Place", hostOrganisation = r.Council, financialYear = year, partnerOrganisations = new[] { r.Icb, r.Hospital, r.Trust },
        }));
        put.StatusCode.Should().Be(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Random sequences of postings, reversals, closes, reopenings and re-closes of months 11 and 12: after every step
    /// the latest close of month 12 accounts for every penny with what next year's ledger carries, its outturn is the one
    /// an independent sum of the year's spend gives, and verification passes.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(29)]
    [InlineData(61)]
    [InlineData(83)]
    public async Task Conservation_holds_after_every_posting_close_reopen_and_reclose_across_the_year_end(int seed)
    {
        var random = new Random(seed);
        var r = await RiversideThroughApi.CreateAsync(App);
        await CloseTheYearAsync(r);
        var baseOutturn = (await Close(r, 12)).GetProperty("yearEnd").GetProperty("totalOutturnPence").GetInt64();
        var closed = new HashSet<int> { 11, 12 };
        var standing = new List<(string Id, int Month, long Pence)>();
        var steps = new List<string>();
        var changedRecloses = 0;
        var postedSinceClose = false;
        for (var step = 0; step < 20; step++)
        {
            var open = Enumerable.Range(11, 2).Where(m => !closed.Contains(m)).ToList();
            var choice = random.Next(8);
            if (closed.Contains(12))
            {
                choice = 7; // with the year closed, only reopening moves it
            }
            if (choice is 0 or 1 && open.Count > 0)
            {
                var month = open[random.Next(open.Count)];
                var pence = random.NextInt64(1, 15_000_000);
                var kind = month == 12 && random.Next(3) == 0 ? "accrual" : "actual";
                var (status, posted) = await Send(HttpMethod.Post, $"{r.Path}/entries", RiversideThroughApi.Lead(r.Trust),
                    new { kind, line = "frailty-service", month, amount = (pence / 100m).ToString("0.00", CultureInfo.InvariantCulture) });
                status.Should().Be(HttpStatusCode.Created, posted.ToString());
                standing.Add((posted.GetProperty("entries")[0].GetProperty("id").GetString()!, month, pence));
                steps.Add($"post {kind} {pence}p in M{month}");
                postedSinceClose = true;
            }
            else if (choice == 2 && standing.Count > 0 && open.Count > 0)
            {
                var target = standing[random.Next(standing.Count)];
                var into = open.Where(m => m >= target.Month).DefaultIfEmpty(0).Max();
                if (into == 0)
                {
                    continue; // a reversal goes into an open month at or after the entry's
                }
                var (status, body) = await Send(HttpMethod.Post, $"{r.Path}/entries/{target.Id}/reversal", RiversideThroughApi.Lead(r.Trust),
                    new { reason = "Posted in error", month = into });
                status.Should().Be(HttpStatusCode.Created, body.ToString());
                standing.Remove(target);
                postedSinceClose = true;
                steps.Add($"reverse {target.Id} ({target.Pence}p, M{target.Month}) in M{into}");
            }
            else if (choice is 3 or 4 or 5 && open.Count > 0)
            {
                var month = open.Min();
                await Close(r, month);
                closed.Add(month);
                steps.Add($"close M{month}");
                changedRecloses += month == 12 && postedSinceClose ? 1 : 0;
                postedSinceClose &= month != 12;
            }
            else if (closed.Count > 0)
            {
                var month = closed.Max();
                await Reopen(r, month, $"Step {step}");
                closed.Remove(month);
                steps.Add($"reopen M{month}");
            }
            else
            {
                continue;
            }

            var (_, chain) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);
            var latest = chain.GetProperty("links").EnumerateArray().Last(l => l.GetProperty("month").GetInt32() == 12 && l.GetProperty("kind").GetString() == "close");
            var yearEnd = latest.GetProperty("yearEnd");
            var because = $"seed {seed}, after: {string.Join("; ", steps)}";
            (await Unaccounted(r, yearEnd)).Should().Be(0, because);
            yearEnd.GetProperty("unaccountedPence").GetInt64().Should().Be(0, because);
            var verification = await Verify(r);
            verification.GetProperty("holds").GetBoolean().Should().BeTrue($"{because}\n{verification}");
            if (closed.Contains(12))
            {
                // Accruals are posted in month 12 only, so everything standing counts in the outturn.
                var spent = standing.Sum(s => s.Pence);
                yearEnd.GetProperty("totalOutturnPence").GetInt64().Should().Be(baseOutturn + spent, because);
            }
        }
        output.WriteLine($"seed {seed}: {string.Join("; ", steps)}");
        changedRecloses.Should().BeGreaterThan(0, "the sequence re-closes the year end after the ledger changed at least once");
    }
}
