using Azure;
using Finance.Storage.Tables;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Entity group transactions against Azurite: all or nothing, and the limits checked before sending.</summary>
public sealed class TableTransactionTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    private static TableTransactionAction Add(string pk, string rk, int n = 0) =>
        new(TableTransactionActionType.Add, new TableEntity(pk, rk) { ["N"] = n });

    [Fact]
    public async Task A_transaction_of_100_adds_succeeds()
    {
        var table = await TestClients.NewTableAsync(azurite);

        var response = await table.SubmitTransactionAsync(Enumerable.Range(0, 100).Select(i => Add("p", $"{i:D3}", i)));

        response.GetRawResponse().Status.Should().Be(202);
        response.Value.Should().HaveCount(100).And.AllSatisfy(r =>
        {
            r.Status.Should().Be(204);
            r.Headers.ETag.Should().NotBeNull();
        });
        var stored = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {"p"}")).ToListAsync();
        stored.Select(e => e.GetInt32("N")!.Value).Should().Equal(Enumerable.Range(0, 100));
    }

    [Fact]
    public async Task Every_action_type_applies_in_one_transaction()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddInBatchesAsync(
        [
            new TableEntity("p", "merge") { ["A"] = "a", ["B"] = "b" },
            new TableEntity("p", "replace") { ["A"] = "a", ["B"] = "b" },
            new TableEntity("p", "delete"),
            new TableEntity("p", "upsertmerge") { ["A"] = "a" },
            new TableEntity("p", "upsertreplace") { ["A"] = "a" },
        ]);
        var mergeEtag = (await table.GetEntityAsync("p", "merge")).Value.ETag;

        await table.SubmitTransactionAsync(
        [
            new(TableTransactionActionType.Add, new TableEntity("p", "add") { ["A"] = "new" }),
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "merge") { ["B"] = "B2" }, mergeEtag),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "replace") { ["B"] = "B2" }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsertmerge") { ["C"] = "c" }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsertreplace") { ["C"] = "c" }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "fresh") { ["C"] = "c" }),
        ]);

        (await table.GetEntityAsync("p", "add")).Value.GetString("A").Should().Be("new");
        var merged = (await table.GetEntityAsync("p", "merge")).Value;
        (merged.GetString("A"), merged.GetString("B")).Should().Be(("a", "B2"));
        var replaced = (await table.GetEntityAsync("p", "replace")).Value;
        (replaced.GetString("A"), replaced.GetString("B")).Should().Be(((string?)null, "B2"));
        (await table.GetEntityIfExistsAsync("p", "delete")).HasValue.Should().BeFalse();
        var upsertMerged = (await table.GetEntityAsync("p", "upsertmerge")).Value;
        (upsertMerged.GetString("A"), upsertMerged.GetString("C")).Should().Be(("a", "c"));
        var upsertReplaced = (await table.GetEntityAsync("p", "upsertreplace")).Value;
        (upsertReplaced.GetString("A"), upsertReplaced.GetString("C")).Should().Be(((string?)null, "c"));
        (await table.GetEntityAsync("p", "fresh")).Value.GetString("C").Should().Be("c");
    }

    [Fact]
    public async Task One_failing_action_writes_nothing_and_names_its_index()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "existing") { ["N"] = -1 });
        var actions = Enumerable.Range(0, 10).Select(i => Add("p", $"new{i}", i)).ToList();
        actions.Insert(4, Add("p", "existing", 99));
        actions.Insert(7, new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upserted")));

        var act = () => table.SubmitTransactionAsync(actions);

        var e = (await act.Should().ThrowAsync<TableTransactionFailedException>()).Which;
        e.Should().BeAssignableTo<RequestFailedException>();
        e.FailedEntityIndex.Should().Be(4);
        e.FailedTransactionActionIndex.Should().Be(4);
        e.Status.Should().Be(409);
        e.ErrorCode.Should().Be("EntityAlreadyExists");
        e.Message.Should().Contain("action 4");
        var stored = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {"p"}")).ToListAsync();
        stored.Should().ContainSingle().Which.GetInt32("N").Should().Be(-1);
    }

    [Fact]
    public async Task A_stale_etag_in_a_transaction_is_412_at_its_index()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var stale = (await table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 1 })).Headers.ETag!.Value;
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["N"] = 2 });

        var act = () => table.SubmitTransactionAsync(
        [
            Add("p", "a"),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "r") { ["N"] = 3 }, stale),
        ]);

        var e = (await act.Should().ThrowAsync<TableTransactionFailedException>()).Which;
        e.Status.Should().Be(412);
        e.FailedEntityIndex.Should().Be(1);
        (await table.GetEntityIfExistsAsync("p", "a")).HasValue.Should().BeFalse();
        (await table.GetEntityAsync("p", "r")).Value.GetInt32("N").Should().Be(2);
    }

    [Fact]
    public async Task Transactions_the_service_would_refuse_are_refused_before_any_request()
    {
        var table = TestClients.OfflineTable(out var counter);

        await FluentActions.Awaiting(() => table.SubmitTransactionAsync(Enumerable.Range(0, 101).Select(i => Add("p", $"{i}"))))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*100*");
        await FluentActions.Awaiting(() => table.SubmitTransactionAsync([Add("p", "1"), Add("q", "2")]))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*same PartitionKey*");
        await FluentActions.Awaiting(() => table.SubmitTransactionAsync([Add("p", "1"), Add("p", "1")]))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*more than once*");
        await FluentActions.Awaiting(() => table.SubmitTransactionAsync([]))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.SubmitTransactionAsync([Add("p", "1"), Add("p", "bad/key")]))
            .Should().ThrowAsync<ArgumentException>();
        var big = Enumerable.Range(0, 100).Select(i => new TableTransactionAction(
            TableTransactionActionType.Add, new TableEntity("p", $"{i}") { ["B"] = new byte[60_000] }));
        await FluentActions.Awaiting(() => table.SubmitTransactionAsync(big))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*bytes*");

        counter.Requests.Should().Be(0);
    }
}
