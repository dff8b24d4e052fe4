using Azure;
using Azure.Data.Tables;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>
/// What the ledger relies on from the Table service, shown against Azurite through the official client configured as
/// the app configures it: conflicts, conditional writes, paging, all-or-nothing transactions and our limits on them.
/// </summary>
public sealed class SdkTableTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static TableTransactionAction Add(string pk, string rk, int n = 0) =>
        new(TableTransactionActionType.Add, new TableEntity(pk, rk) { ["N"] = n });

    [Fact]
    public async Task Adding_an_entity_twice_is_409()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "r"));

        var second = () => table.AddEntityAsync(new TableEntity("p", "r"));

        (await second.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(409);
    }

    [Fact]
    public async Task A_stale_etag_is_412_for_update_and_delete_and_the_current_one_succeeds()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var first = (await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1 })).Headers.ETag!.Value;
        var second = (await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, first, TableUpdateMode.Replace)).Headers.ETag!.Value;

        var staleUpdate = () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 3 }, first, TableUpdateMode.Replace);
        var staleDelete = () => table.DeleteEntityAsync("p", "r", first);

        (await staleUpdate.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(412);
        (await staleDelete.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(412);
        (await table.GetEntityAsync<TableEntity>("p", "r")).Value.GetInt32("V").Should().Be(2);
        await table.DeleteEntityAsync("p", "r", second);
        (await table.GetEntityIfExistsAsync<TableEntity>("p", "r")).HasValue.Should().BeFalse();
    }

    [Fact]
    public async Task Updating_a_missing_entity_is_404()
    {
        var table = await TestClients.NewTableAsync(azurite);

        var update = () => table.UpdateEntityAsync(new TableEntity("p", "missing"), ETag.All, TableUpdateMode.Replace);

        (await update.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(404);
    }

    [Fact]
    public async Task Paging_returns_every_entity_past_1000_with_continuations()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddInBatchesAsync(Enumerable.Range(0, 2500).Select(i => new TableEntity("p", $"{i:D5}") { ["N"] = i }));

        var pages = new List<Page<TableEntity>>();
        await foreach (var page in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}"), maxPerPage: 1000).AsPages())
        {
            pages.Add(page);
        }

        pages.Select(p => p.Values.Count).Should().Equal(1000, 1000, 500);
        pages[0].ContinuationToken.Should().NotBeNullOrEmpty();
        pages[^1].ContinuationToken.Should().BeNull();
        pages.SelectMany(p => p.Values).Select(e => e.GetInt32("N")!.Value).Should().Equal(Enumerable.Range(0, 2500));
    }

    [Fact]
    public async Task A_transaction_of_100_operations_applies_whole()
    {
        var table = await TestClients.NewTableAsync(azurite);

        var responses = await TableTransactions.SubmitAsync(table, Enumerable.Range(0, 100).Select(i => Add("p", $"{i:D3}", i)).ToList(), default);

        responses.Should().HaveCount(100).And.AllSatisfy(r => r.Headers.ETag.Should().NotBeNull());
        var stored = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")).ToListAsync();
        stored.Select(e => e.GetInt32("N")!.Value).Should().Equal(Enumerable.Range(0, 100));
    }

    [Fact]
    public async Task A_transaction_with_one_failing_operation_writes_nothing_and_names_it()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "057"));
        var actions = Enumerable.Range(0, 80).Select(i => Add("p", $"{i:D3}", i)).ToList();

        var submit = () => TableTransactions.SubmitAsync(table, actions, default);

        var failure = (await submit.Should().ThrowAsync<TableTransactionFailedException>()).Which;
        failure.Status.Should().Be(409);
        failure.FailedTransactionActionIndex.Should().Be(57);
        var stored = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")).ToListAsync();
        stored.Select(e => e.RowKey).Should().Equal("057");
    }

    [Fact]
    public async Task Transactions_the_service_would_refuse_are_refused_before_any_request()
    {
        var offline = TestClients.Storage(azurite, TestClients.Offline(out var counter)).Table("offline");

        var tooMany = () => TableTransactions.SubmitAsync(offline, Enumerable.Range(0, 101).Select(i => Add("p", $"{i:D3}")).ToList(), default);
        var empty = () => TableTransactions.SubmitAsync(offline, [], default);
        var twoPartitions = () => TableTransactions.SubmitAsync(offline, [Add("a", "1"), Add("b", "1")], default);
        var sameRowTwice = () => TableTransactions.SubmitAsync(offline, [Add("a", "1"), Add("a", "1")], default);

        (await tooMany.Should().ThrowAsync<ArgumentException>()).WithMessage("*1 to 100*");
        await empty.Should().ThrowAsync<ArgumentException>();
        (await twoPartitions.Should().ThrowAsync<ArgumentException>()).WithMessage("*one partition*");
        (await sameRowTwice.Should().ThrowAsync<ArgumentException>()).WithMessage("*twice*");
        counter.Requests.Should().Be(0);
    }

    [Fact]
    public async Task A_filter_value_is_a_literal_and_matches_nothing_extra()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddInBatchesAsync([new TableEntity("p", "a") { ["Name"] = "alpha" }, new TableEntity("p", "b") { ["Name"] = "beta" }]);
        var hostile = "alpha' or Name ne 'x";

        var found = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"} and Name eq {hostile}")).ToListAsync();
        var exact = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"} and Name eq {"alpha"}")).ToListAsync();

        found.Should().BeEmpty();
        exact.Select(e => e.RowKey).Should().Equal("a");
    }

    [Fact]
    public async Task Every_property_type_the_records_use_round_trips()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var at = new DateTimeOffset(2024, 9, 30, 23, 59, 59, 999, TimeSpan.Zero).AddTicks(1234);
        await table.AddEntityAsync(new TableEntity("p", "r")
        {
            ["Text"] = "£1,234.56 — 'quoted'",
            ["Int32"] = int.MinValue,
            ["Int64"] = long.MaxValue,
            ["Boolean"] = true,
            ["At"] = at,
            ["Bytes"] = new byte[] { 0, 1, 254, 255 },
        });

        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        read.GetString("Text").Should().Be("£1,234.56 — 'quoted'");
        read.GetInt32("Int32").Should().Be(int.MinValue);
        read.GetInt64("Int64").Should().Be(long.MaxValue);
        read.GetBoolean("Boolean").Should().BeTrue();
        read.GetDateTimeOffset("At").Should().Be(at);
        read.GetBinary("Bytes").Should().Equal(0, 1, 254, 255);
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_403()
    {
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var table = LedgerStorage.ForConnectionString(azurite.ConnectionStringWithKey(wrongKey), o => o.Retry.MaxRetries = 0).Table("anytable");

        var read = () => table.GetEntityIfExistsAsync<TableEntity>("p", "r");

        (await read.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(403);
    }
}
