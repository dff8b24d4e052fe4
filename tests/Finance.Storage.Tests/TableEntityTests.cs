using Azure;
using Finance.Storage.Tables;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>Single-entity operations against Azurite.</summary>
public sealed class TableEntityTests(StorageAzurite azurite) : IClassFixture<StorageAzurite>
{
    [Fact]
    public async Task Create_if_not_exists_twice_and_delete_twice_are_fine()
    {
        var table = new TableServiceClient(TestClients.Connection(azurite)).GetTableClient(StorageAzurite.UniqueName("t"));

        await table.CreateIfNotExistsAsync();
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));
        await table.DeleteTableAsync();
        await table.DeleteTableAsync();

        var act = () => table.GetEntityIfExistsAsync("p", "r");
        (await act.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(404);
    }

    [Fact]
    public async Task Adding_an_entity_twice_is_a_409_conflict()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var first = await table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 1 });
        first.Headers.ETag.Should().NotBeNull();

        var act = () => table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 2 });

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(409);
        e.ErrorCode.Should().Be("EntityAlreadyExists");
        (await table.GetEntityAsync("p", "r")).Value.GetInt32("N").Should().Be(1);
    }

    [Fact]
    public async Task Upsert_merge_keeps_other_properties_and_replace_drops_them()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["A"] = "a", ["B"] = "b" });
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["A"] = "a", ["B"] = "b" }, TableUpdateMode.Replace);

        await table.UpsertEntityAsync(new TableEntity("p", "merge") { ["B"] = "B2", ["C"] = "c" });
        await table.UpsertEntityAsync(new TableEntity("p", "replace") { ["B"] = "B2", ["C"] = "c" }, TableUpdateMode.Replace);

        var merged = (await table.GetEntityAsync("p", "merge")).Value;
        merged.GetString("A").Should().Be("a");
        merged.GetString("B").Should().Be("B2");
        merged.GetString("C").Should().Be("c");
        var replaced = (await table.GetEntityAsync("p", "replace")).Value;
        replaced.ContainsKey("A").Should().BeFalse();
        replaced.GetString("B").Should().Be("B2");
        replaced.GetString("C").Should().Be("c");
    }

    [Fact]
    public async Task Update_with_a_stale_etag_is_412_and_with_the_current_one_succeeds()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["V"] = 1, ["Keep"] = "k" });
        var read = (await table.GetEntityAsync("p", "r")).Value;
        var stale = read.ETag;
        var second = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 2 }, stale);

        var act = () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 3 }, stale, TableUpdateMode.Replace);

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(412);
        e.ErrorCode.Should().Be("UpdateConditionNotSatisfied");
        var current = (await table.GetEntityAsync("p", "r")).Value;
        current.GetInt32("V").Should().Be(2);
        current.GetString("Keep").Should().Be("k", "a merge update keeps properties it does not send");
        current.ETag.Should().Be(second.Headers.ETag!.Value);

        await table.UpdateEntityAsync(new TableEntity("p", "r") { ["V"] = 3 }, current.ETag, TableUpdateMode.Replace);
        var replaced = (await table.GetEntityAsync("p", "r")).Value;
        replaced.GetInt32("V").Should().Be(3);
        replaced.ContainsKey("Keep").Should().BeFalse();
    }

    [Fact]
    public async Task Update_of_a_missing_entity_is_404_and_needs_an_etag()
    {
        var table = await TestClients.NewTableAsync(azurite);

        var act = () => table.UpdateEntityAsync(new TableEntity("p", "absent"), ETag.All);
        (await act.Should().ThrowAsync<RequestFailedException>()).Which.Status.Should().Be(404);

        var noEtag = () => table.UpdateEntityAsync(new TableEntity("p", "absent"), default);
        await noEtag.Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task Delete_with_a_stale_etag_is_412_and_with_the_current_one_succeeds()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var added = await table.AddEntityAsync(new TableEntity("p", "r"));
        var stale = added.Headers.ETag!.Value;
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["V"] = 1 });

        var act = () => table.DeleteEntityAsync("p", "r", stale);

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(412);
        var current = (await table.GetEntityAsync("p", "r")).Value.ETag;
        await table.DeleteEntityAsync("p", "r", current);
        (await table.GetEntityIfExistsAsync("p", "r")).HasValue.Should().BeFalse();
    }

    [Fact]
    public async Task Delete_without_an_etag_deletes_any_version_and_a_missing_entity_is_404()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "r"));

        await table.DeleteEntityAsync("p", "r");
        var act = () => table.DeleteEntityAsync("p", "r");

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(404);
        e.ErrorCode.Should().Be("ResourceNotFound");
    }

    [Fact]
    public async Task Getting_a_missing_entity_is_404_ResourceNotFound_and_if_exists_has_no_value()
    {
        var table = await TestClients.NewTableAsync(azurite);

        var act = () => table.GetEntityAsync("p", "nobody");
        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(404);
        e.ErrorCode.Should().Be("ResourceNotFound");

        var maybe = await table.GetEntityIfExistsAsync("p", "nobody");
        maybe.HasValue.Should().BeFalse();
        maybe.Value.Should().BeNull();
        maybe.GetRawResponse().Status.Should().Be(404);
    }

    [Fact]
    public async Task If_exists_on_a_missing_table_is_still_an_error()
    {
        var table = new TableServiceClient(TestClients.Connection(azurite)).GetTableClient(StorageAzurite.UniqueName("t"));

        var act = () => table.GetEntityIfExistsAsync("p", "r");

        (await act.Should().ThrowAsync<RequestFailedException>()).Which.ErrorCode.Should().Be("TableNotFound");
    }

    [Fact]
    public async Task Every_property_type_round_trips()
    {
        var table = await TestClients.NewTableAsync(azurite);
        var when = new DateTimeOffset(2025, 3, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(1_234_567);
        var id = Guid.NewGuid();
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var text = "Café ☕ 'quoted' \"double\" \\ / ? # % & + 𝄞 日本 \n\t end";
        await table.AddEntityAsync(new TableEntity("p", "types")
        {
            ["Int32"] = int.MinValue,
            ["Int32Max"] = int.MaxValue,
            ["Int64"] = long.MaxValue,
            ["Int64Min"] = long.MinValue,
            ["Int64Small"] = 7L,
            ["Double"] = 0.1,
            ["DoubleWhole"] = 2.0,
            ["DoubleBig"] = double.MaxValue,
            ["DoubleNegative"] = -1.5e-300,
            ["True"] = true,
            ["False"] = false,
            ["When"] = when,
            ["WhenUtcDateTime"] = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc),
            ["Id"] = id,
            ["Bytes"] = bytes,
            ["BinaryData"] = BinaryData.FromBytes(new byte[] { 9, 8, 7 }),
            ["Text"] = text,
            ["Empty"] = string.Empty,
            ["Nothing"] = null,
        });

        var e = (await table.GetEntityAsync("p", "types")).Value;

        e["Int32"].Should().Be(int.MinValue);
        e["Int32Max"].Should().Be(int.MaxValue);
        e["Int64"].Should().Be(long.MaxValue);
        e["Int64Min"].Should().Be(long.MinValue);
        e["Int64Small"].Should().Be(7L);
        e["Double"].Should().Be(0.1);
        e["DoubleWhole"].Should().BeOfType<double>().And.Be(2.0);
        e["DoubleBig"].Should().Be(double.MaxValue);
        e["DoubleNegative"].Should().Be(-1.5e-300);
        e["True"].Should().Be(true);
        e["False"].Should().Be(false);
        e["When"].Should().Be(when);
        e.GetDateTimeOffset("When")!.Value.Offset.Should().Be(TimeSpan.Zero);
        e["WhenUtcDateTime"].Should().Be(new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero));
        e["Id"].Should().Be(id);
        e.GetBinary("Bytes").Should().Equal(bytes);
        e.GetBinary("BinaryData").Should().Equal(9, 8, 7);
        e["Text"].Should().Be(text);
        e["Empty"].Should().Be(string.Empty);
        e.ContainsKey("Nothing").Should().BeFalse("the service has no null; an absent property is how it says so");
        e.Timestamp.Should().NotBeNull();
        e.ETag.Should().NotBe(default(ETag));
    }

    [Fact]
    public async Task Typed_getters_return_null_when_absent_widen_numbers_and_refuse_other_types()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["I"] = 5, ["S"] = "s" });
        var e = (await table.GetEntityAsync("p", "r")).Value;

        e.GetInt32("Missing").Should().BeNull();
        e.GetString("Missing").Should().BeNull();
        e.GetInt64("I").Should().Be(5L);
        e.GetDouble("I").Should().Be(5.0);
        e.GetBoolean("Missing").Should().BeNull();
        e.GetGuid("Missing").Should().BeNull();
        FluentActions.Invoking(() => e.GetInt32("S")).Should().Throw<InvalidOperationException>().WithMessage("*'S'*");
    }

    [Theory]
    [InlineData("O'Brien", "it's 'quoted'")]
    [InlineData("with space", "ümlaut ☕ 日本")]
    [InlineData("", "")]
    [InlineData("a=b,c(d)", "%27 + & $ @ !")]
    public async Task Keys_with_quotes_spaces_and_unicode_work_for_every_operation(string partitionKey, string rowKey)
    {
        var table = await TestClients.NewTableAsync(azurite);

        await table.AddEntityAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 1 });
        var read = (await table.GetEntityAsync(partitionKey, rowKey)).Value;
        read.PartitionKey.Should().Be(partitionKey);
        read.RowKey.Should().Be(rowKey);
        await table.UpdateEntityAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 2 }, read.ETag);
        var found = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {partitionKey} and RowKey eq {rowKey}")).ToListAsync();
        found.Should().ContainSingle().Which.GetInt32("V").Should().Be(2);
        await table.DeleteEntityAsync(partitionKey, rowKey);
        (await table.GetEntityIfExistsAsync(partitionKey, rowKey)).HasValue.Should().BeFalse();
    }

    [Fact]
    public async Task Select_returns_only_the_named_properties()
    {
        var table = await TestClients.NewTableAsync(azurite);
        await table.AddEntityAsync(new TableEntity("p", "r") { ["A"] = 1, ["B"] = "b", ["C"] = true });

        var e = (await table.GetEntityAsync("p", "r", ["A", "C"])).Value;

        e.GetInt32("A").Should().Be(1);
        e.GetBoolean("C").Should().Be(true);
        e.ContainsKey("B").Should().BeFalse();
        e.ETag.Should().NotBe(default(ETag));
        FluentActions.Invoking(() => e.PartitionKey).Should().Throw<InvalidOperationException>().WithMessage("*$select*");
    }

    [Fact]
    public async Task A_wrong_account_key_is_refused_with_403()
    {
        var good = await TestClients.NewTableAsync(azurite);
        var wrongKey = Convert.ToBase64String(new byte[64]);
        var table = new TableServiceClient(StorageConnection.Parse(azurite.ConnectionStringWithKey(wrongKey))).GetTableClient(good.Name);

        var act = () => table.AddEntityAsync(new TableEntity("p", "r"));

        var e = (await act.Should().ThrowAsync<RequestFailedException>()).Which;
        e.Status.Should().Be(403);
        // Azure says AuthenticationFailed for a bad signature; Azurite 3.37 says AuthorizationFailure.
        e.ErrorCode.Should().BeOneOf("AuthenticationFailed", "AuthorizationFailure");
        e.Message.Should().NotContain(wrongKey);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1abc")]
    [InlineData("has-dash")]
    [InlineData("tables")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public void Bad_table_names_are_refused(string name)
    {
        var service = new TableServiceClient(StorageConnection.Parse("UseDevelopmentStorage=true"));

        FluentActions.Invoking(() => service.GetTableClient(name)).Should().Throw<ArgumentException>();
    }

    [Fact]
    public async Task Entities_the_service_would_refuse_are_refused_before_any_request()
    {
        var table = TestClients.OfflineTable(out var counter);

        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("a/b", "r"))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r#1"))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "tab\there"))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", new string('k', 513)))).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity { ["X"] = 1 })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["Money"] = 1.5m }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*Decimal*");
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["When"] = new DateTime(2024, 1, 1) }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*unspecified*");
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["bad name"] = 1 })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["S"] = "\ud800" }))
            .Should().ThrowAsync<ArgumentException>().WithMessage("*surrogate*");
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["S"] = new string('s', 32 * 1024 + 1) }))
            .Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.AddEntityAsync(new TableEntity("p", "r") { ["B"] = new byte[64 * 1024 + 1] }))
            .Should().ThrowAsync<ArgumentException>();
        var tooMany = new TableEntity("p", "r");
        for (var i = 0; i < 253; i++)
        {
            tooMany[$"P{i}"] = i;
        }
        await FluentActions.Awaiting(() => table.AddEntityAsync(tooMany)).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => table.GetEntityAsync("p", "r", ["ok", "not ok"])).Should().ThrowAsync<ArgumentException>();

        counter.Requests.Should().Be(0);
    }
}
