using Azure.Core;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>
/// Postings to one pool through one repository (one instance) share transactions, and each keeps every guarantee of a
/// posting alone: its own number and sequence numbers, all or nothing, duplicate ids and reused keys refused or
/// replayed for that posting only, lost responses recognised, and the ledger verifying afterwards.
/// </summary>
public sealed class LedgerCoalescingTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task Sixteen_posters_through_one_repository_share_transactions_and_lose_nothing()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var head = await ledger.Repository.ReadHeadAsync(ledger.Partition);
        const int Posters = 16;
        const int PostingsEach = 8;
        LineId[] lines = [TestLedger.ProgrammeManager, TestLedger.Frailty, TestLedger.LeadershipAlliance];

        var results = await Task.WhenAll(Enumerable.Range(0, Posters).Select(async poster =>
        {
            var mine = new List<(PostingResult Result, JournalEntry[] Entries, IdempotencyRequest Key)>();
            for (var n = 0; n < PostingsEach; n++)
            {
                JournalEntry[] entries =
                [
                    ledger.Actual(2 + (n % 3), 1 + poster, lines[(poster + n) % lines.Length]),
                    ledger.Entry(5, EntryKind.Accrual, 0.01m * (n + 1), lines[(poster + n + 1) % lines.Length]),
                ];
                var key = Key($"poster-{poster}-{n}", $"user-{poster}");
                mine.Add((await ledger.Repository.PostAsync(ledger.Setup, entries, key), entries, key));
            }
            return mine;
        }));
        var all = results.SelectMany(r => r).ToArray();

        all.Should().OnlyContain(r => r.Result.Outcome == PostingOutcome.Applied);
        all.Should().Contain(r => r.Result.PostingsInTransaction > 1, "postings waiting together share a transaction");
        all.Select(r => r.Result.Receipt.Posting).Order()
            .Should().Equal(Enumerable.Range((int)head.Postings + 1, Posters * PostingsEach).Select(p => (long)p));
        foreach (var (result, entries, _) in all)
        {
            result.Receipt.EntryIds.Should().Equal(entries.Select(e => e.Id));
            result.Receipt.Net.Should().Be(Pence.Sum(entries.Select(e => e.Amount)));
        }
        var journal = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        journal.Should().HaveCount((int)head.Seq + (Posters * PostingsEach * 2));
        foreach (var (result, entries, _) in all)
        {
            journal.Where(e => e.Posting == result.Receipt.Posting).Select(e => (e.Seq, e.Entry))
                .Should().Equal(entries.Select((e, i) => (result.Receipt.FirstSeq + i, e)));
        }
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.Head.Net.Should().Be(Pence.Sum(journal.Select(e => e.Entry.Amount)));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();

        // Each key still answers with its own first response.
        foreach (var (result, entries, key) in all.Take(8))
        {
            var again = await ledger.Repository.PostAsync(ledger.Setup, entries, key);
            again.Outcome.Should().Be(PostingOutcome.Replayed);
            again.Response.Should().Be(result.Response);
        }
    }

    [Fact]
    public async Task A_posting_reusing_an_id_is_refused_alone_and_the_postings_beside_it_land()
    {
        var held = new HeldRound();
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite), options: held.Options);
        var opening = ledger.Opening();
        var first = ledger.Repository.PostAsync(ledger.Setup, opening);
        await held.Reached;
        var stored = opening[5];
        var reused = new JournalEntry(stored.Id, ledger.Pool.Id, TestLedger.Month(3), EntryKind.Actual, Pence.FromPounds(5), "someone",
            ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.Frailty);
        var before = ledger.Actual(2, 10, TestLedger.Frailty);
        var after = ledger.Actual(2, 20, TestLedger.Frailty);
        var inside = ledger.Actual(2, 40, TestLedger.ProgrammeManager);
        var twin = new JournalEntry(inside.Id, ledger.Pool.Id, TestLedger.Month(4), EntryKind.Actual, Pence.FromPounds(80), "someone",
            ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.ProgrammeManager);
        var postings = new[] { before, reused, after, inside, twin }.Select(e => ledger.Repository.PostAsync(ledger.Setup, [e])).ToArray();
        held.Release();
        await first;

        (await postings[0]).Outcome.Should().Be(PostingOutcome.Applied);
        (await postings[0]).PostingsInTransaction.Should().BeGreaterThan(1);
        (await FluentActions.Awaiting(() => postings[1]).Should().ThrowAsync<DuplicateEntryException>()).Which.Entry.Should().Be(stored.Id);
        (await postings[2]).Outcome.Should().Be(PostingOutcome.Applied);
        (await postings[3]).Outcome.Should().Be(PostingOutcome.Applied);
        (await FluentActions.Awaiting(() => postings[4]).Should().ThrowAsync<DuplicateEntryException>()).Which.Entry.Should().Be(inside.Id);

        (await ledger.Repository.GetEntryAsync(ledger.Partition, stored.Id))!.Entry.Should().Be(stored);
        (await ledger.Repository.GetEntryAsync(ledger.Partition, inside.Id))!.Entry.Should().Be(inside);
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(30));
        balances.ForLine(TestLedger.ProgrammeManager)!.Actuals[1].Should().Be(Pence.FromPounds(40));
        balances.ForLine(TestLedger.ProgrammeManager)!.Actuals[3].Should().Be(Pence.Zero);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_posting_refused_by_the_rules_among_others_is_refused_and_nothing_of_it_is_written()
    {
        var held = new HeldRound(held: 2);
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite), options: held.Options);
        await ledger.PostOpeningAsync();
        await ledger.Repository.CloseMonthAsync(ledger.Partition, TestLedger.Month(2));
        var first = ledger.PostAsync(ledger.Actual(3, 1, TestLedger.Frailty));
        await held.Reached;
        var open = ledger.Actual(3, 10, TestLedger.Frailty);
        var closed = ledger.Actual(2, 99, TestLedger.Frailty);
        var stale = ledger.Actual(3, 7, TestLedger.ProgrammeManager);
        var later = ledger.Actual(4, 20, TestLedger.Frailty);
        var postings = new[]
        {
            ledger.Repository.PostAsync(ledger.Setup, [open]),
            ledger.Repository.PostAsync(ledger.Setup, [later]),
            ledger.Repository.PostAsync(ledger.Setup, [closed]),
            ledger.Repository.PostAsync(new LedgerSetup(ledger.Pool, ledger.Lines, version: 0), [stale]),
        };
        held.Release();
        await first;

        (await postings[0]).PostingsInTransaction.Should().BeGreaterThan(1);
        (await postings[1]).Outcome.Should().Be(PostingOutcome.Applied);
        await FluentActions.Awaiting(() => postings[2]).Should().ThrowAsync<MonthClosedException>();
        await FluentActions.Awaiting(() => postings[3]).Should().ThrowAsync<StaleSetupException>();
        (await ledger.Repository.GetEntryAsync(ledger.Partition, closed.Id)).Should().BeNull();
        (await ledger.Repository.GetEntryAsync(ledger.Partition, stale.Id)).Should().BeNull();
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.Zero);
        balances.ForLine(TestLedger.Frailty)!.Actuals[2].Should().Be(Pence.FromPounds(11));
        balances.ForLine(TestLedger.Frailty)!.Actuals[3].Should().Be(Pence.FromPounds(20));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_key_used_twice_in_one_queue_is_replayed_or_refused_as_if_sent_one_after_the_other()
    {
        var held = new HeldRound();
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite), options: held.Options);
        var first = ledger.PostAsync([.. ledger.Opening()]);
        await held.Reached;
        var entries = new[] { ledger.Actual(2, 10, TestLedger.Frailty) };
        var key = Key("shared", "user-1");
        var once = ledger.Repository.PostAsync(ledger.Setup, entries, key);
        var twice = ledger.Repository.PostAsync(ledger.Setup, entries, key);
        var other = ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 30, TestLedger.Frailty)],
            new IdempotencyRequest("shared", "user-1", "another-hash", key.Respond));
        var otherUser = ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 50, TestLedger.Frailty)], Key("shared", "user-2"));
        held.Release();
        await first;

        (await once).Outcome.Should().Be(PostingOutcome.Applied);
        (await twice).Outcome.Should().Be(PostingOutcome.Replayed);
        (await twice).Response.Should().Be((await once).Response);
        await FluentActions.Awaiting(() => other).Should().ThrowAsync<IdempotencyConflictException>();
        (await otherUser).Outcome.Should().Be(PostingOutcome.Applied);
        (await ledger.Repository.ReadBalancesAsync(ledger.Partition)).ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(60));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_lost_response_to_a_shared_transaction_is_recognised_for_each_posting()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var lose = new LoseBatchResponses();
        var lossy = TestClients.SameTable(azurite, table, options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(5);
            options.AddPolicy(lose, HttpPipelinePosition.PerRetry);
        });
        var held = new HeldRound(beforeNext: () => lose.Arm());
        var ledger = new TestLedger(lossy, options: held.Options);
        var first = ledger.PostAsync([.. ledger.Opening()]);
        await held.Reached;
        var postings = Enumerable.Range(0, 5).Select(i => ledger.Repository.PostAsync(ledger.Setup,
            [ledger.Actual(2, 10 + i, TestLedger.AllLines[i % 3])], Key($"k{i}", "user-1"))).ToArray();
        held.Release();
        await first;
        var results = await Task.WhenAll(postings);

        lose.Lost.Should().Be(1);
        results.Should().OnlyContain(r => r.Outcome == PostingOutcome.AlreadyApplied);
        results.Select(r => r.Response!.Body).Should().Equal(results.Select(r => $"posting {r.Receipt.Posting}"));
        results.Select(r => r.Receipt.Posting).Should().Equal(2, 3, 4, 5, 6);
        var head = await ledger.Repository.ReadHeadAsync(ledger.Partition);
        (head.Seq, head.Postings).Should().Be((ledger.Opening().Count + 5, 6));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_reversal_is_judged_by_itself_after_the_posting_it_reverses_even_when_queued_behind_it()
    {
        var held = new HeldRound();
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite), options: held.Options);
        var first = ledger.PostAsync([.. ledger.Opening()]);
        await held.Reached;
        var spent = ledger.Actual(2, 100, TestLedger.Frailty);
        var posted = ledger.Repository.PostAsync(ledger.Setup, [spent]);
        var reversal = ledger.Reverse(spent, 3);
        var reversed = ledger.Repository.PostAsync(ledger.Setup, [reversal]);
        var twice = ledger.Repository.PostAsync(ledger.Setup, [ledger.Reverse(spent, 4)]);
        var beside = ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(3, 5, TestLedger.Frailty)]);
        var release = ledger.Repository.PostAsync(ledger.Setup, [ledger.Entry(3, EntryKind.CommitmentRelease, 500_000, TestLedger.Frailty)]);
        held.Release();
        await first;

        (await posted).Outcome.Should().Be(PostingOutcome.Applied);
        (await reversed).PostingsInTransaction.Should().Be(1);
        await FluentActions.Awaiting(() => twice).Should().ThrowAsync<PostingRefusedException>();
        (await beside).Outcome.Should().Be(PostingOutcome.Applied);
        await FluentActions.Awaiting(() => release).Should().ThrowAsync<PostingRefusedException>();
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(100));
        balances.ForLine(TestLedger.Frailty)!.Actuals[2].Should().Be(Pence.FromPounds(-95));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_posting_straight_after_another_is_based_on_the_rows_that_one_wrote_without_reading_them()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var record = new RecordRequests();
        var recorded = TestClients.SameTable(azurite, table, options => options.AddPolicy(record, HttpPipelinePosition.PerCall));
        var ledger = new TestLedger(recorded, options: Remembering());
        await ledger.PostOpeningAsync();
        await ledger.PostAsync(ledger.Actual(2, 10, TestLedger.Frailty));

        record.Clear();
        var next = await ledger.PostAsync(ledger.Actual(2, 20, TestLedger.Frailty), ledger.Actual(3, 5, TestLedger.Frailty));

        next.Attempts.Should().Be(1, "the head and balance row it remembered were as it left them");
        record.Paths.Should().ContainSingle().Which.Should().EndWith("/$batch", "nothing is read before the transaction");
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        balances.ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(30));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_write_by_another_instance_refuses_the_remembered_rows_and_the_posting_lands_on_a_fresh_read()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var here = new TestLedger(table, idPrefix: "here", options: Remembering());
        var there = new TestLedger(table, idPrefix: "there");
        await here.PostOpeningAsync();
        await here.PostAsync(here.Actual(2, 10, TestLedger.Frailty));
        await there.PostAsync(there.Actual(2, 100, TestLedger.Frailty));
        await there.Repository.CloseMonthAsync(there.Partition, TestLedger.Month(3));

        var next = await here.PostAsync(here.Actual(2, 1, TestLedger.Frailty));
        await FluentActions.Awaiting(() => here.PostAsync(here.Actual(3, 1, TestLedger.Frailty))).Should().ThrowAsync<MonthClosedException>();

        next.Attempts.Should().Be(2, "the remembered head was refused (If-Match), then read again");
        next.Receipt.Posting.Should().Be(4);
        var balances = await here.Repository.ReadBalancesAsync(here.Partition);
        balances.ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(111));
        (await here.VerifyAsync()).Problems.Should().BeEmpty();
    }

    /// <summary>Remembers for a minute, so a slow moment on the machine cannot turn the memory these tests rely on into a read.</summary>
    private static LedgerOptions Remembering() => new() { RememberRowsFor = TimeSpan.FromMinutes(1) };

    private static IdempotencyRequest Key(string key, string principal) =>
        new(key, principal, $"hash-{key}", r => new StoredResponse(201, $"posting {r.Posting}"));

    /// <summary>
    /// Holds transaction <paramref name="held"/> (the first, unless said) until <see cref="Release"/>, so every posting
    /// started meanwhile is waiting in the queue when the next round takes it: the shared transaction is then certain,
    /// not a matter of timing (await <see cref="Reached"/> before starting them). The transaction after it runs <paramref name="beforeNext"/> first.
    /// </summary>
    private sealed class HeldRound(int held = 1, Action? beforeNext = null)
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int rounds;

        /// <summary>Done when the held transaction is waiting: postings started after it are queued behind it.</summary>
        public Task Reached => reached.Task;

        public LedgerOptions Options => new()
        {
            BeforeSubmitAsync = async _ =>
            {
                var round = Interlocked.Increment(ref rounds);
                if (round == held)
                {
                    reached.SetResult();
                    await released.Task;
                }
                else if (round == held + 1)
                {
                    beforeNext?.Invoke();
                }
            },
        };

        public void Release() => released.SetResult();
    }
}
