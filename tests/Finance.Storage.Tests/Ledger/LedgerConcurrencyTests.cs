using System.Collections.Concurrent;
using System.Diagnostics;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace Finance.Storage.Tests.Ledger;

/// <summary>Many posters on one partition: no lost update, dense sequence numbers, and month close serialized with postings.</summary>
public sealed class LedgerConcurrencyTests(StorageAzurite azurite, ITestOutputHelper output) : IClassFixture<StorageAzurite>
{
    private const int Posters = 8;
    private const int PostingsPerPoster = 25;

    [Fact]
    public async Task Eight_concurrent_posters_lose_no_update()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var setupLedger = new TestLedger(table);
        var opening = await setupLedger.PostOpeningAsync();
        // Each poster has its own repository and ids, as separate function instances would.
        var ledgers = Enumerable.Range(0, Posters).Select(p => new TestLedger(table, idPrefix: $"p{p}")).ToArray();
        var posted = new ConcurrentBag<JournalEntry>();
        var attempts = new ConcurrentBag<int>();
        var conflicts = 0;
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(ledgers.Select((ledger, p) => Task.Run(async () =>
        {
            for (var i = 0; i < PostingsPerPoster; i++)
            {
                // Two lines per posting, overlapping between posters, so balance rows are contended as well as the head.
                var posting = new[]
                {
                    ledger.Actual((i % 12) + 1, p + 1 + (i / 100m), TestLedger.AllLines[(p + i) % 4]),
                    ledger.Entry((i % 12) + 1, EntryKind.Accrual, 3, TestLedger.AllLines[(p + i + 1) % 4]),
                };
                // As the HTTP client would: a conflict (503) is retried with the same Idempotency-Key.
                var key = new IdempotencyRequest($"p{p}-{i}", $"poster-{p}", "hash", r => new StoredResponse(201, $"{r.FirstSeq}"));
                PostingResult? result = null;
                for (var tries = 1; result is null; tries++)
                {
                    try
                    {
                        result = await ledger.Repository.PostAsync(ledger.Setup, posting, key);
                    }
                    catch (LedgerConflictException) when (tries < 5)
                    {
                        Interlocked.Increment(ref conflicts);
                    }
                }
                result.Outcome.Should().Be(PostingOutcome.Applied);
                attempts.Add(result.Attempts);
                foreach (var entry in posting)
                {
                    posted.Add(entry);
                }
            }
        })));
        clock.Stop();

        var expected = opening.Concat(posted).ToArray();
        var balances = await setupLedger.Repository.ReadBalancesAsync(setupLedger.Partition);
        balances.Head.Seq.Should().Be(expected.Length);
        balances.Head.Postings.Should().Be(1 + (Posters * PostingsPerPoster));
        Pence.Sum(balances.Rows.Select(b => b.Net)).Should().Be(Pence.Sum(expected.Select(e => e.Amount)));
        foreach (var line in TestLedger.AllLines)
        {
            var actuals = Pence.Sum(expected.Where(e => e.Line == line && e.Kind == EntryKind.Actual).Select(e => e.Amount));
            Pence.Sum(balances.ForLine(line)!.Actuals).Should().Be(actuals);
        }
        var journal = await setupLedger.Repository.ReadAllEntriesAsync(setupLedger.Partition);
        journal.Select(e => e.Seq).Should().Equal(Enumerable.Range(1, expected.Length).Select(i => (long)i));
        // Record equality, matched by id (a structural comparison of every pair would be quadratic).
        var expectedById = expected.ToDictionary(e => e.Id);
        journal.Select(e => e.Entry.Id).Should().OnlyHaveUniqueItems().And.HaveCount(expected.Length);
        journal.Should().OnlyContain(e => expectedById[e.Entry.Id] == e.Entry);
        (await setupLedger.VerifyAsync()).Problems.Should().BeEmpty();
        output.WriteLine($"{Posters} posters x {PostingsPerPoster} postings in {clock.ElapsedMilliseconds} ms; " +
            $"attempts per posting: mean {attempts.Average():0.00}, max {attempts.Max()}; postings given up after {LedgerLimits.DefaultMaxPostAttempts} attempts and resent: {conflicts}");
    }

    [Fact]
    public async Task A_close_racing_postings_lets_each_land_before_it_or_refuses_it()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var setupLedger = new TestLedger(table);
        await setupLedger.PostOpeningAsync();
        var ledgers = Enumerable.Range(0, 4).Select(p => new TestLedger(table, idPrefix: $"c{p}")).ToArray();
        var landed = new ConcurrentBag<(PostingReceipt Receipt, JournalEntry Entry)>();
        var refused = new ConcurrentBag<JournalEntry>();
        using var halfway = new SemaphoreSlim(0);

        var posters = ledgers.Select(ledger => Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                var entry = ledger.Actual(3, 10, TestLedger.AllLines[i % 4]);
                try
                {
                    landed.Add(((await ledger.Repository.PostAsync(ledger.Setup, [entry])).Receipt, entry));
                }
                catch (MonthClosedException e)
                {
                    e.Month.Should().Be(TestLedger.Month(3));
                    refused.Add(entry);
                }
                if (i == 4)
                {
                    halfway.Release();
                }
            }
        })).ToArray();
        await halfway.WaitAsync();
        var closed = await setupLedger.Repository.CloseMonthAsync(setupLedger.Partition, TestLedger.Month(3));
        await Task.WhenAll(posters);

        closed.ClosedMonths.Should().Equal(TestLedger.Month(3));
        landed.Should().NotBeEmpty();
        refused.Should().NotBeEmpty();
        landed.Should().OnlyContain(l => l.Receipt.LastSeq <= closed.Seq, "every posting that landed did so before the close");
        foreach (var entry in refused)
        {
            (await setupLedger.Repository.GetEntryAsync(setupLedger.Partition, entry.Id)).Should().BeNull();
        }
        var head = await setupLedger.Repository.ReadHeadAsync(setupLedger.Partition);
        head.Seq.Should().Be(closed.Seq);
        var balances = await setupLedger.Repository.ReadBalancesAsync(setupLedger.Partition);
        Pence.Sum(TestLedger.AllLines.Select(l => balances.ForLine(l)!.Actuals[2])).Should().Be(Pence.FromPounds(10 * landed.Count));

        var intoClosed = () => setupLedger.PostAsync(setupLedger.Actual(3, 1, TestLedger.Frailty));
        (await intoClosed.Should().ThrowAsync<MonthClosedException>()).WithMessage("2024/25 M3 (June 2024) is closed*");
        (await setupLedger.PostAsync(setupLedger.Actual(4, 1, TestLedger.Frailty))).Outcome.Should().Be(PostingOutcome.Applied);
        (await setupLedger.Repository.CloseMonthAsync(setupLedger.Partition, TestLedger.Month(3))).ClosedMonths.Should().HaveCount(1);
        (await setupLedger.VerifyAsync()).Problems.Should().BeEmpty();
    }
}
