using Azure.Core;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>A posting is all or nothing, and one whose response is lost is recognised as applied, not written twice.</summary>
public sealed class LedgerAtomicityTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task A_posting_refused_at_its_last_row_writes_none_of_its_rows()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var first = ledger.Actual(2, 100, TestLedger.Frailty);
        await ledger.PostAsync(first);
        var before = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        var fresh = ledger.Actual(3, 5, TestLedger.DataAnalyst);
        var sameId = new JournalEntry(first.Id, ledger.Pool.Id, TestLedger.Month(4), EntryKind.Actual, Pence.FromPounds(999), "someone else",
            ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.Frailty);
        var later = ledger.Entry(5, EntryKind.Accrual, 7, TestLedger.ProgrammeManager);

        // The rules see no clash (they are not shown every id); the id claim in the transaction refuses it.
        var act = () => ledger.PostAsync(fresh, sameId, later);

        (await act.Should().ThrowAsync<DuplicateEntryException>()).Which.Entry.Should().Be(first.Id);
        var after = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        after.Head.ETag.Should().Be(before.Head.ETag);
        after.Rows.Select(r => (r.Target.ToString(), r.Version, r.Net)).Order()
            .Should().Equal(before.Rows.Select(r => (r.Target.ToString(), r.Version, r.Net)).Order());
        after.ForLine(TestLedger.DataAnalyst)!.Actuals[2].Should().Be(Pence.Zero);
        (await ledger.Repository.GetEntryAsync(ledger.Partition, fresh.Id)).Should().BeNull();
        (await ledger.Repository.GetEntryAsync(ledger.Partition, later.Id)).Should().BeNull();
        (await ledger.Repository.GetEntryAsync(ledger.Partition, first.Id))!.Entry.Should().Be(first);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_posting_whose_head_changed_before_it_was_sent_writes_nothing_and_retries()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var other = new TestLedger(table, idPrefix: "other");
        await other.PostOpeningAsync();
        var interloper = other.Actual(2, 1, TestLedger.Frailty);
        var once = new LedgerOptions
        {
            MaxPostAttempts = 1,
            BeforeSubmitAsync = _ => other.PostAsync(interloper),
        };
        var ledger = new TestLedger(table, options: once);
        var mine = ledger.Actual(2, 50, TestLedger.Frailty);

        await FluentActions.Awaiting(() => ledger.PostAsync(mine)).Should().ThrowAsync<LedgerConflictException>();

        (await ledger.Repository.GetEntryAsync(ledger.Partition, mine.Id)).Should().BeNull();
        (await ledger.Repository.GetEntryAsync(ledger.Partition, interloper.Id)).Should().NotBeNull();
        (await ledger.Repository.ReadBalancesAsync(ledger.Partition)).ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(1));

        var interloper2 = other.Actual(2, 2, TestLedger.Frailty);
        var retrying = new TestLedger(table, idPrefix: "retry", options: new LedgerOptions
        {
            BeforeSubmitAsync = attempt => attempt == 1 ? other.PostAsync(interloper2) : Task.CompletedTask,
        });
        var result = await retrying.PostAsync(retrying.Actual(2, 50, TestLedger.Frailty));
        result.Attempts.Should().Be(2);
        (await retrying.Repository.ReadBalancesAsync(retrying.Partition)).ForLine(TestLedger.Frailty)!.Actuals[1].Should().Be(Pence.FromPounds(53));
        (await retrying.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_lost_response_to_a_committed_posting_is_recognised_as_applied()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var lose = new LoseBatchResponses();
        var lossy = TestClients.SameTable(azurite, table, options =>
        {
            options.Retry.Delay = TimeSpan.FromMilliseconds(5);
            options.AddPolicy(lose, HttpPipelinePosition.PerRetry);
        });
        var ledger = new TestLedger(lossy);
        await ledger.PostOpeningAsync();

        // Azure.Core resends the $batch, which is refused (the head moved: by this very posting); the repository finds
        // the posting's first id claimed with the posting's own hash, and stops.
        lose.Arm();
        var posting = new[] { ledger.Actual(2, 10, TestLedger.Frailty), ledger.Actual(2, 20, TestLedger.ProgrammeManager) };
        var result = await ledger.PostAsync(posting);

        lose.Lost.Should().Be(1);
        result.Outcome.Should().Be(PostingOutcome.AlreadyApplied);
        result.Receipt.FirstSeq.Should().Be(10);
        result.Receipt.Posting.Should().Be(2);

        // With a key: the answer is the response stored with the key.
        lose.Arm();
        var keyed = new[] { ledger.Actual(3, 10, TestLedger.Frailty) };
        var replay = await ledger.Repository.PostAsync(ledger.Setup, keyed,
            new IdempotencyRequest("key-1", "user-1", "hash-1", r => new StoredResponse(201, $"posting {r.Posting}")));
        lose.Lost.Should().Be(2);
        replay.Outcome.Should().Be(PostingOutcome.AlreadyApplied);
        replay.Response.Should().Be(new StoredResponse(201, "posting 3"));

        var head = await ledger.Repository.ReadHeadAsync(ledger.Partition);
        (head.Seq, head.Postings).Should().Be((12, 3));
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }
}
