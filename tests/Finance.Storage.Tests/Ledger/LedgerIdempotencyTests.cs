using System.Text;
using Finance.Domain.Ledger;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>Idempotency-Key: the same request twice writes once and answers the same; another body under the key is refused.</summary>
public sealed class LedgerIdempotencyTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static IdempotencyRequest Key(string key, string body, string principal = "finance-lead-1") =>
        new(key, principal, IdempotencyRequest.HashBody(Encoding.UTF8.GetBytes(body)),
            receipt => new StoredResponse(201, $"{{\"posting\":{receipt.Posting},\"firstSeq\":{receipt.FirstSeq},\"body\":\"{body}\"}}"));

    [Fact]
    public async Task The_same_key_and_body_twice_posts_once_and_answers_the_first_response()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();

        var first = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], Key("k-1", "a"));
        // A repeat of an HTTP request makes new entry ids: the key, not the entries, makes it the same request.
        var second = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], Key("k-1", "a"));

        first.Outcome.Should().Be(PostingOutcome.Applied);
        second.Outcome.Should().Be(PostingOutcome.Replayed);
        second.Response.Should().Be(first.Response);
        (second.Receipt.Posting, second.Receipt.FirstSeq, second.Receipt.Net).Should().Be((first.Receipt.Posting, first.Receipt.FirstSeq, first.Receipt.Net));
        second.Receipt.EntryIds.Should().Equal(first.Receipt.EntryIds);
        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).Seq.Should().Be(10);
        var record = await ledger.Repository.GetIdempotencyAsync(ledger.Partition, "k-1", "finance-lead-1");
        record!.IsSameRequest(Key("k-1", "a").RequestHash).Should().BeTrue();
        record.IsSameRequest(Key("k-1", "b").RequestHash).Should().BeFalse();
        record.Response.Should().Be(first.Response);
        record.RecordedAt.Should().BeLessThan(ledger.Clock.GetCurrentInstant());
        (await ledger.Repository.GetIdempotencyAsync(ledger.Partition, "k-1", "someone-else")).Should().BeNull();
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_and_another_principal_has_its_own_keys()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], Key("k-1", "a"));

        var conflict = () => ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 11, TestLedger.Frailty)], Key("k-1", "b"));
        var other = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 12, TestLedger.Frailty)], Key("k-1", "b", "finance-lead-2"));

        (await conflict.Should().ThrowAsync<IdempotencyConflictException>()).Which.First!.Key.Should().Be("k-1");
        other.Outcome.Should().Be(PostingOutcome.Applied);
        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).Seq.Should().Be(11);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task A_repeat_gets_the_first_answer_even_after_the_month_closed()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var first = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], Key("k-1", "a"));
        await ledger.Repository.CloseMonthAsync(ledger.Partition, TestLedger.Month(2));

        var repeat = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], Key("k-1", "a"));

        repeat.Outcome.Should().Be(PostingOutcome.Replayed);
        repeat.Response.Should().Be(first.Response);
    }

    [Fact]
    public async Task The_same_entries_posted_again_without_a_key_are_already_applied()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var posting = new[] { ledger.Actual(2, 10, TestLedger.Frailty), ledger.Entry(2, EntryKind.Accrual, 5, TestLedger.Frailty) };

        var first = await ledger.PostAsync(posting);
        var again = await ledger.PostAsync(posting);

        again.Outcome.Should().Be(PostingOutcome.AlreadyApplied);
        (again.Receipt.Posting, again.Receipt.FirstSeq, again.Receipt.Net).Should().Be((first.Receipt.Posting, first.Receipt.FirstSeq, first.Receipt.Net));
        again.Receipt.EntryIds.Should().Equal(first.Receipt.EntryIds);
        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).Seq.Should().Be(11);
        // The same ids in a different posting are not the same posting.
        await FluentActions.Awaiting(() => ledger.PostAsync(posting[0])).Should().ThrowAsync<DuplicateEntryException>();
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    [Fact]
    public async Task Entries_the_rules_would_now_refuse_are_still_recognised_as_already_applied()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var spent = ledger.Actual(2, 10, TestLedger.Frailty);
        await ledger.PostAsync(spent);
        // A release reads the line's entries, a reversal the reversed entry and its mark: both would see themselves.
        var posting = new[] { ledger.Entry(2, EntryKind.CommitmentRelease, 100, TestLedger.Frailty), ledger.Reverse(spent, 2) };
        await ledger.PostAsync(posting);
        await ledger.Repository.CloseMonthAsync(ledger.Partition, TestLedger.Month(2));

        var again = await ledger.PostAsync(posting);

        again.Outcome.Should().Be(PostingOutcome.AlreadyApplied);
        again.Receipt.FirstSeq.Should().Be(11);
        (await ledger.Repository.ReadHeadAsync(ledger.Partition)).Seq.Should().Be(12);
    }

    [Fact]
    public async Task A_large_first_response_is_stored_compressed_and_read_back_whole()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var body = string.Concat(Enumerable.Range(0, 4_000).Select(i => $"entry {i} – posted; "));
        var request = new IdempotencyRequest("big", "finance-lead-1", "h", _ => new StoredResponse(201, body));

        await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 10, TestLedger.Frailty)], request);

        Encoding.UTF8.GetByteCount(body).Should().BeGreaterThan(LedgerLimits.CompressResponseBodyAboveBytes * 4);
        (await ledger.Repository.GetIdempotencyAsync(ledger.Partition, "big", "finance-lead-1"))!.Response.Body.Should().Be(body);
    }
}
