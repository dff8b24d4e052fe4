using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Money;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests.Ledger;

/// <summary>
/// The journal packs a posting's entries into one row (several when their text is long), keyed by its last entry.
/// A ledger written before that, one row per entry, is read as it is and posted to: both kinds of row in one journal.
/// </summary>
public sealed class PackedJournalTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private const string Author = "finance.lead@riverside.example";

    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Ledger", "Fixtures", "ledger-format-1.json");

    /// <summary>The ledger of Fixtures/README.md, as a release before packing stored it; new ids start "v2".</summary>
    private async Task<TestLedger> LegacyLedgerAsync()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite), idPrefix: "v2");
        var rows = await StoredRows.LoadAsync(ledger.Table, ledger.Partition.PartitionKey, await File.ReadAllTextAsync(FixturePath));
        rows.Should().Be(50);
        for (var i = 0; i < 100; i++)
        {
            ledger.Clock.GetCurrentInstant(); // after the fixture's own instants
        }
        return ledger;
    }

    private static EntryId Legacy(int n) => new($"v1-{n:D6}");

    [Fact]
    public async Task A_ledger_written_one_row_per_entry_reads_and_verifies_as_it_is()
    {
        var ledger = await LegacyLedgerAsync();

        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
        var all = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        all.Select(e => e.Seq).Should().Equal(Enumerable.Range(1, 19).Select(i => (long)i));
        all.Select(e => e.Entry.Id).Should().Equal(Enumerable.Range(1, 19).Select(Legacy));
        all[12].Entry.Memo.Should().Be("April invoice not yet received");
        all[16].Entry.ReversesEntryId.Should().Be(Legacy(14));
        all[16].Figure.Should().Be(EntryKind.Actual, "a reversal moves the figure of the entry it reverses");
        (await ledger.Repository.GetEntryAsync(ledger.Partition, Legacy(11)))!.Entry.Amount.Should().Be(Pence.FromPounds(15_000));

        var head = await ledger.Repository.ReadHeadAsync(ledger.Partition);
        head.Seq.Should().Be(19);
        head.IsClosed(TestLedger.Month(1)).Should().BeTrue();
        var balances = await ledger.Repository.ReadBalancesAsync(ledger.Partition);
        var asAt = head.LatestPostedAt!.Value;
        var statement = balances.Statement(ledger.Setup, TestLedger.Month(2), asAt);
        LedgerVerification.Describe(statement).Should().Be(LedgerVerification.Describe(Finance.Domain.Statements.BudgetStatement.Compute(
            ledger.Pool, ledger.Lines, [.. all.Select(e => e.Entry)], TestLedger.Month(2), asAt)));
        statement.Rows.Single(r => r.Line == TestLedger.Frailty).YtdActuals.Should().Be(Pence.FromPounds(15_000 + 15_500 - 100));
    }

    [Fact]
    public async Task A_ledger_written_one_row_per_entry_takes_packed_postings_with_every_guarantee()
    {
        var ledger = await LegacyLedgerAsync();

        // The stored response of a key used before packing is replayed; another request under it is refused.
        var replay = await ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 1, TestLedger.Frailty)],
            new IdempotencyRequest("may-actuals", Author, "hash-may", _ => new StoredResponse(201, "{}")));
        replay.Outcome.Should().Be(PostingOutcome.Replayed);
        replay.Response!.Body.Should().Be("{\"posting\":4}");
        await FluentActions.Awaiting(() => ledger.Repository.PostAsync(ledger.Setup, [ledger.Actual(2, 1, TestLedger.Frailty)],
            new IdempotencyRequest("may-actuals", Author, "other", _ => new StoredResponse(201, "{}")))).Should().ThrowAsync<IdempotencyConflictException>();

        // An id claimed before packing is still claimed; an entry reversed before packing cannot be reversed again.
        var reusing = new JournalEntry(Legacy(5), ledger.Pool.Id, TestLedger.Month(2), EntryKind.Actual, Pence.FromPounds(1), Author,
            ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.Frailty);
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Actual(2, 1, TestLedger.Frailty), reusing))
            .Should().ThrowAsync<DuplicateEntryException>();
        var may = (await ledger.Repository.GetEntryAsync(ledger.Partition, Legacy(14)))!.Entry;
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Reverse(may, 2))).Should().ThrowAsync<PostingRefusedException>();

        // A reversal of an entry written before packing, beside new entries on three lines, in one packed row.
        var april = (await ledger.Repository.GetEntryAsync(ledger.Partition, Legacy(11)))!.Entry;
        var packed = new[]
        {
            ledger.Reverse(april, 2),
            ledger.Actual(2, 14_900, TestLedger.Frailty),
            ledger.Actual(2, 260, TestLedger.LeadershipAlliance),
            ledger.Entry(3, EntryKind.Accrual, 300, TestLedger.ProgrammeManager, memo: "June – “accrued”"),
        };
        var result = await ledger.PostAsync(packed);
        result.Receipt.FirstSeq.Should().Be(20);
        var row = (await ledger.Table.GetEntityAsync<TableEntity>(ledger.Partition.PartitionKey, LedgerRows.Journal(23))).Value;
        row.GetInt32("Format").Should().Be(JournalRows.PackedFormat);
        row.GetInt32("EntryCount").Should().Be(4);
        (await ledger.Table.GetEntityIfExistsAsync<TableEntity>(ledger.Partition.PartitionKey, LedgerRows.Journal(20))).HasValue.Should().BeFalse();

        // A budget reduction is judged from the line's entries in both kinds of row: Frailty's 180,000 commitment.
        var release = ledger.Entry(3, EntryKind.CommitmentRelease, 10_000, TestLedger.Frailty);
        await ledger.PostAsync(release);
        await FluentActions.Awaiting(() => ledger.PostAsync(ledger.Entry(3, EntryKind.CommitmentRelease, 170_001, TestLedger.Frailty)))
            .Should().ThrowAsync<PostingRefusedException>();

        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
        var all = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        all.Select(e => e.Seq).Should().Equal(Enumerable.Range(1, 24).Select(i => (long)i));
        all.Skip(19).Select(e => e.Entry).Should().Equal([.. packed, release]);
        (await ledger.Repository.GetEntryAsync(ledger.Partition, packed[2].Id))!.Seq.Should().Be(22);

        // The listing pages across both kinds of row, newest first, with and without filters.
        await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = 3 });
        await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = 2, Line = TestLedger.Frailty });
        await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = 1, Month = TestLedger.Month(2), Kind = EntryKind.Actual });
    }

    [Fact]
    public async Task Entries_with_long_text_take_several_rows_of_one_posting()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var text = string.Concat(Enumerable.Repeat("Invoice ‘Q1’ – see attached; ", 70))[..Finance.Domain.Limits.MaxTextLength];
        var entries = Enumerable.Range(0, LedgerLimits.MaxEntriesPerPosting)
            .Select(i => new JournalEntry(ledger.NextId(), ledger.Pool.Id, TestLedger.Month(2), EntryKind.Adjustment, Pence.FromPounds(i + 1), Author,
                ledger.Clock.GetCurrentInstant(), EntrySource.Api, TestLedger.AllLines[i % 3], adjustsKind: EntryKind.Actual, reason: text,
                reference: text[..Finance.Domain.Limits.MaxNameLength], memo: text))
            .ToArray();
        var rows = JournalRows.RowsFor(entries);
        rows.Should().BeGreaterThan(1);
        PostingSize.OperationsFor(entries, withIdempotency: false).Should().Be(1 + 3 + entries.Length + rows);

        var result = await ledger.PostAsync(entries);

        result.Receipt.FirstSeq.Should().Be(10);
        var all = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        all.Skip(9).Select(e => e.Entry).Should().Equal(entries);
        foreach (var entry in entries)
        {
            (await ledger.Repository.GetEntryAsync(ledger.Partition, entry.Id))!.Entry.Should().Be(entry);
        }
        var journal = new List<TableEntity>();
        await foreach (var row in ledger.Table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"PartitionKey eq {ledger.Partition.PartitionKey} and RowKey ge 'journal~' and RowKey lt 'journal~~'")))
        {
            journal.Add(row);
        }
        journal.Should().HaveCount(1 + rows);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
        await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = 7, Line = TestLedger.Frailty });
    }

    [Fact]
    public async Task Every_filter_and_page_size_lists_what_the_whole_journal_filtered_holds()
    {
        var ledger = new TestLedger(await TestClients.NewTableAsync(azurite));
        await ledger.PostOpeningAsync();
        var random = new Random(18);
        string[] authors = [Author, "council.lead@riverside.example"];
        for (var p = 0; p < 25; p++)
        {
            // Postings of 1 to 12 entries: some on one line, month, kind and author, most mixed.
            var uniform = random.Next(3) == 0;
            var line = TestLedger.AllLines[random.Next(3)];
            var month = random.Next(1, 13);
            var entries = Enumerable.Range(0, random.Next(1, 13)).Select(_ => new JournalEntry(
                ledger.NextId(), ledger.Pool.Id, TestLedger.Month(uniform ? month : random.Next(1, 13)),
                uniform || random.Next(2) == 0 ? EntryKind.Actual : EntryKind.Accrual, Pence.FromPounds(random.Next(1, 500)),
                uniform ? authors[0] : authors[random.Next(2)], ledger.Clock.GetCurrentInstant(),
                random.Next(4) == 0 ? EntrySource.CsvImport($"import-{p}") : EntrySource.Api,
                uniform ? line : TestLedger.AllLines[random.Next(3)])).ToArray();
            await ledger.PostAsync(entries);
        }
        var all = await ledger.Repository.ReadAllEntriesAsync(ledger.Partition);
        var middle = all[all.Count / 2].Entry.PostedAt;

        foreach (var pageSize in new[] { 1, 4, 13, 100 })
        {
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, Line = TestLedger.Frailty });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, Kind = EntryKind.Accrual, Month = TestLedger.Month(5) });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, Author = authors[1] });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, Source = EntrySource.Api, Line = TestLedger.ProgrammeManager });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, AsAt = middle });
            await ListingMatchesAsync(ledger, all, new EntryQuery { PageSize = pageSize, KnownAt = middle, Kind = EntryKind.Actual });
        }
    }

    [Fact]
    public async Task A_posting_sends_a_balance_row_only_what_it_changes_and_the_row_is_whole_after()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var record = new RecordBatchBodies();
        var recorded = TestClients.SameTable(azurite, table, options => options.AddPolicy(record, Azure.Core.HttpPipelinePosition.PerCall));
        var ledger = new TestLedger(recorded);
        await ledger.PostOpeningAsync();
        await ledger.PostAsync(ledger.Actual(2, 10, TestLedger.Frailty));
        record.Clear();

        await ledger.PostAsync(ledger.Actual(3, 20, TestLedger.Frailty), ledger.Actual(3, 5, TestLedger.ProgrammeManager));

        var body = record.Bodies.Should().ContainSingle().Subject;
        body.Should().Contain("PATCH ").And.Contain("\"ActualPenceM03\"").And.NotContain("ActualPenceM04")
            .And.NotContain("\"BudgetPence\"", "the budget did not move");
        var frailty = (await ledger.Repository.ReadBalancesAsync(ledger.Partition)).ForLine(TestLedger.Frailty)!;
        frailty.Actuals.Take(3).Should().Equal(Pence.Zero, Pence.FromPounds(10), Pence.FromPounds(20));
        frailty.Budget.Should().Be(Pence.FromPounds(180_000));
        frailty.Version.Should().Be(3);
        (await ledger.VerifyAsync()).Problems.Should().BeEmpty();
    }

    /// <summary>Pages the listing to its end and compares it with the whole journal filtered entry by entry.</summary>
    private static async Task ListingMatchesAsync(TestLedger ledger, IReadOnlyList<StoredEntry> all, EntryQuery query)
    {
        bool Wanted(JournalEntry e) =>
            (query.Line is null || e.Line == query.Line) && (query.Kind is null || e.Kind == query.Kind)
            && (query.Month is null || e.Month == query.Month) && (query.Author is null || e.Author == query.Author)
            && (query.Source is null || e.Source == query.Source) && (query.AsAt is not { } asAt || e.EffectiveAt <= asAt)
            && (query.KnownAt is not { } knownAt || e.PostedAt <= knownAt);
        var expected = all.Where(e => Wanted(e.Entry)).Reverse().Select(e => e.Seq).ToArray();
        var listed = new List<long>();
        var pages = 0;
        var page = await ledger.Repository.ReadEntriesAsync(ledger.Partition, query);
        while (true)
        {
            pages++;
            page.Entries.Count.Should().BeLessThanOrEqualTo(query.PageSize);
            listed.AddRange(page.Entries.Select(e => e.Seq));
            if (page.NextBeforeSeq is not { } before)
            {
                break;
            }
            pages.Should().BeLessThan(1_000);
            page = await ledger.Repository.ReadEntriesAsync(ledger.Partition, query with { BeforeSeq = before });
        }
        listed.Should().Equal(expected, $"the listing of {query} pages through the entries that pass, newest first");
    }
}
