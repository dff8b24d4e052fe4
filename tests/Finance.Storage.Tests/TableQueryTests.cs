using Finance.Storage.Tables;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Queries against Azurite: typed filters, injection, $select and paging past the 1,000-entity page.</summary>
public sealed class TableQueryTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static readonly DateTimeOffset Start = new(2024, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static TableEntity Row(int i) => new("q", $"r{i:D2}")
    {
        ["Int32"] = i,
        ["Int64"] = i == 3 ? long.MaxValue : i * 10_000_000_000L,
        ["Double"] = i + 0.5,
        ["Whole"] = (double)i,
        ["Even"] = i % 2 == 0,
        ["When"] = Start.AddDays(i),
        ["Id"] = new Guid(i, 0, 0, new byte[8]),
        ["Bytes"] = new[] { (byte)i, (byte)0xAB },
        ["Name"] = i == 4 ? "O'Neil" : $"name {i}",
    };

    private async Task<TableClient> TenRowsAsync()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddInBatchesAsync(Enumerable.Range(0, 10).Select(Row));
        return table;
    }

    [Fact]
    public async Task Filters_built_by_TableFilter_match_each_type()
    {
        var table = await TenRowsAsync();
        async Task<IEnumerable<string>> Rows(FormattableString filter) =>
            (await table.QueryAsync(TableFilter.Create(filter)).ToListAsync()).Select(e => e.RowKey);

        (await Rows($"Int32 eq {7}")).Should().Equal("r07");
        (await Rows($"Int32 ge {8}")).Should().Equal("r08", "r09");
        (await Rows($"Int64 eq {long.MaxValue}")).Should().Equal("r03");
        (await Rows($"Int64 gt {60_000_000_000L}")).Should().Equal("r03", "r07", "r08", "r09");
        (await Rows($"Double eq {2.5}")).Should().Equal("r02");
        (await Rows($"Whole eq {5.0}")).Should().Equal("r05");
        (await Rows($"Even eq {true} and Int32 lt {4}")).Should().Equal("r00", "r02");
        (await Rows($"When ge {Start.AddDays(8)}")).Should().Equal("r08", "r09");
        (await Rows($"When eq {Start.AddDays(6).ToOffset(TimeSpan.FromHours(2))}")).Should().Equal("r06");
        (await Rows($"Id eq {new Guid(1, 0, 0, new byte[8])}")).Should().Equal("r01");
        (await Rows($"Bytes eq {new byte[] { 9, 0xAB }}")).Should().Equal("r09");
        (await Rows($"Name eq {"O'Neil"}")).Should().Equal("r04");
        (await Rows($"PartitionKey eq {"q"} and RowKey gt {"r07"}")).Should().Equal("r08", "r09");
    }

    [Fact]
    public async Task A_hostile_value_is_a_literal_and_matches_nothing_extra()
    {
        var table = await TenRowsAsync();
        await table.AddEntityAsync(new TableEntity("other", "x") { ["Name"] = "secret" });

        var byPartition = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {"q' or PartitionKey ne '"}")).ToListAsync();
        var byName = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {"q"} and Name eq {"x' or Name ne '"}")).ToListAsync();
        var byClose = await table.QueryAsync(TableFilter.Create($"Name eq {"') or (Name ne '"}")).ToListAsync();

        byPartition.Should().BeEmpty();
        byName.Should().BeEmpty();
        byClose.Should().BeEmpty();
    }

    [Fact]
    public async Task Select_limits_the_properties_a_query_returns()
    {
        var table = await TenRowsAsync();

        var rows = await table.QueryAsync(TableFilter.Create($"Int32 lt {3}"), select: ["RowKey", "Int64"]).ToListAsync();

        rows.Should().HaveCount(3);
        rows.Should().AllSatisfy(e =>
        {
            e.Keys.Should().BeEquivalentTo("RowKey", "Int64", TableEntity.ETagName);
            e.GetInt64("Int64").Should().NotBeNull();
        });
    }

    [Fact]
    public async Task Paging_returns_every_entity_past_1000_with_continuations()
    {
        const int total = 2_500;
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddInBatchesAsync(Enumerable.Range(0, total).Select(i => new TableEntity("bulk", $"{i:D5}") { ["N"] = i }));

        var defaultPages = await table.QueryAsync().PagesAsync();
        var smallPages = await table.QueryAsync(maxPerPage: 300).PagesAsync();
        var hintedPages = await table.QueryAsync().PagesAsync(pageSizeHint: 1000);

        defaultPages.Sum(p => p.Values.Count).Should().Be(total);
        defaultPages.Should().AllSatisfy(p => p.Values.Count.Should().BeLessThanOrEqualTo(TableClient.MaxPageSize));
        defaultPages.Count.Should().BeGreaterThanOrEqualTo(3);
        defaultPages[..^1].Should().AllSatisfy(p => p.ContinuationToken.Should().NotBeNullOrEmpty());
        defaultPages[^1].ContinuationToken.Should().BeNull();

        smallPages.Select(p => p.Values.Count).Should().Equal(300, 300, 300, 300, 300, 300, 300, 300, 100);
        smallPages.SelectMany(p => p.Values).Select(e => e.GetInt32("N")!.Value).Should().Equal(Enumerable.Range(0, total));
        hintedPages.Sum(p => p.Values.Count).Should().Be(total);

        (await table.QueryAsync(maxPerPage: 1000).ToListAsync()).Should().HaveCount(total);

        var resumed = await table.QueryAsync().PagesAsync(smallPages[0].ContinuationToken, pageSizeHint: 1000);
        resumed.Sum(p => p.Values.Count).Should().Be(total - 300);
        resumed[0].Values[0].RowKey.Should().Be("00300");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Page_sizes_outside_1_to_1000_are_refused(int pageSize)
    {
        var table = TestClients.OfflineTable(out _);

        FluentActions.Invoking(() => table.QueryAsync(maxPerPage: pageSize)).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task Page_size_hints_outside_1_to_1000_are_refused()
    {
        var table = TestClients.OfflineTable(out var counter);

        await FluentActions.Awaiting(() => table.QueryAsync().PagesAsync(pageSizeHint: 5000)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        counter.Requests.Should().Be(0);
    }
}
