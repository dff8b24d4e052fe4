using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Finance.Functions.Tests.Postings;
using Finance.Storage;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// Lines are versioned: each put is a new version with its recorded time and an effectiveFrom, and a statement as at
/// an instant, as known at another, uses each line as it was in effect then as known then. A line edited later leaves
/// earlier as-at statements as they were, unless the edit is given an earlier effectiveFrom.
/// </summary>
public sealed class SetupVersionTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private Finance.Functions.Tests.Access.TestApp App => fixture.App;

    private static object Line(string council, string title, int startMonth, string? effectiveFrom = null) =>
        new { fundingSource = "place", title, host = council, startMonth, effectiveFrom };

    private async Task<(long YtdForecast, string Title)> ProgrammeManagerAsync(PoolScenario pool, string query)
    {
        var statement = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6?pence=true{query}", pool.Viewer), HttpStatusCode.OK);
        var row = statement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("line").GetString() == "programme-manager");
        return (row.GetProperty("ytdForecast").GetProperty("pence").GetInt64(), row.GetProperty("title").GetString()!);
    }

    private async Task<string> NowAsync(PoolScenario pool) =>
        (await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6", pool.Viewer), HttpStatusCode.OK))
        .GetProperty("knownAt").GetString()!;

    private async Task PutAsync(PoolScenario pool, object line) =>
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/programme-manager", pool.ManagerToken, JsonContent.Create(line)),
            HttpStatusCode.OK);

    [Fact]
    public async Task An_edit_leaves_earlier_as_at_statements_as_they_were_unless_it_is_given_an_earlier_effective_from()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = Uri.EscapeDataString(await NowAsync(pool));
        (await ProgrammeManagerAsync(pool, "")).Should().Be((2_400_000L, "programme-manager"), "half of 48,000, straight line from April");

        await PutAsync(pool, Line(pool.Council, "programme-manager", startMonth: 7));
        var afterFirstEdit = Uri.EscapeDataString(await NowAsync(pool));

        (await ProgrammeManagerAsync(pool, "")).YtdForecast.Should().Be(0, "starting in October, nothing is forecast by September");
        (await ProgrammeManagerAsync(pool, $"&asAt={before}")).Should().Be((2_400_000L, "programme-manager"), "as at before the edit, as it was");

        await PutAsync(pool, Line(pool.Council, "Programme Lead", startMonth: 7, effectiveFrom: "2024-04-01T00:00:00+01:00"));

        (await ProgrammeManagerAsync(pool, $"&asAt={before}")).Should().Be((0L, "Programme Lead"), "given an earlier effectiveFrom, the edit reaches back");
        (await ProgrammeManagerAsync(pool, $"&asAt={before}&knownAt={afterFirstEdit}")).Should().Be((2_400_000L, "programme-manager"),
            "as known before the back-dated edit, the line as at then was the first version");

        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup?asAt={before}&knownAt={afterFirstEdit}", pool.Viewer),
            HttpStatusCode.OK);
        setup.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("lineId").GetString() == "programme-manager")
            .GetProperty("startMonth").GetInt32().Should().Be(1);

        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/lines/programme-manager/history", pool.Auditor), HttpStatusCode.OK);
        var versions = history.GetProperty("versions").EnumerateArray().ToList();
        versions.Select(v => string.Join(",", v.GetProperty("changed").EnumerateArray().Select(c => c.GetString()))).Should().Equal(
            ["title", "startMonth", "fundingSource,title,host,startMonth,profile,commissioner,notes,displayOrder,summaryGroup,fundingSourceLabel"],
            "newest first, each with the fields it changed");
        versions[0].GetProperty("effectiveFrom").GetString().Should().Be("2024-03-31T23:00:00Z");
        versions.Select(v => v.GetProperty("by").GetString()).Should().OnlyContain(b => b == pool.Manager);
        history.GetProperty("unversionedSince").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Theory]
    [InlineData("2099-01-01T00:00:00Z", "future")]
    [InlineData("2023-03-31T22:00:00Z", "before 2023/24 began")]
    [InlineData("April", "an instant such as")]
    public async Task An_effective_from_out_of_bounds_is_refused_naming_it_and_changes_nothing(string effectiveFrom, string says)
    {
        var pool = await PoolScenario.CreateAsync(App);

        var problem = await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/programme-manager", pool.ManagerToken,
            JsonContent.Create(Line(pool.Council, "Renamed", 1, effectiveFrom))), HttpStatusCode.BadRequest);

        problem.GetProperty("errors").GetProperty("effectiveFrom")[0].GetString().Should().Contain(says);
        (await ProgrammeManagerAsync(pool, "")).Title.Should().Be("programme-manager");
        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/lines/programme-manager/history", pool.Auditor), HttpStatusCode.OK);
        history.GetProperty("versions").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task A_line_put_before_versions_were_kept_is_as_it_is_now_from_when_it_was_created_and_its_first_put_keeps_that()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = Uri.EscapeDataString(await NowAsync(pool));
        // The rows as a pool set up before this change holds them: line rows, no version rows.
        var table = new TableServiceClient(App.ConnectionString).GetTableClient(StorageNames.PoolsTable);
        await foreach (var row in table.QueryAsync<TableEntity>($"PartitionKey eq '{pool.PoolId}' and RowKey ge 'linever~' and RowKey lt 'linever~\uffff'"))
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }

        (await ProgrammeManagerAsync(pool, $"&asAt={before}")).Should().Be((2_400_000L, "programme-manager"));
        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/lines/programme-manager/history", pool.Auditor), HttpStatusCode.OK);
        history.GetProperty("versions").GetArrayLength().Should().Be(0);
        history.GetProperty("unversionedSince").ValueKind.Should().Be(JsonValueKind.String);

        await PutAsync(pool, Line(pool.Council, "Programme Lead", startMonth: 7));
        (await ProgrammeManagerAsync(pool, "")).Should().Be((0L, "Programme Lead"));
        (await ProgrammeManagerAsync(pool, $"&asAt={before}")).Should().Be((2_400_000L, "programme-manager"),
            "the put kept what the line was as a baseline, in effect from its creation: the edit does not reach back");
        (await ProgrammeManagerAsync(pool, $"&asAt={before}&knownAt={before}")).Should().Be((2_400_000L, "programme-manager"),
            "as known before the put, the line as its row then said");
        var after = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/lines/programme-manager/history", pool.Auditor), HttpStatusCode.OK);
        var versions = after.GetProperty("versions").EnumerateArray().ToList();
        versions.Select(v => v.GetProperty("baseline").GetBoolean()).Should().Equal(false, true);
        versions[1].GetProperty("line").GetProperty("title").GetString().Should().Be("programme-manager");
        versions[1].GetProperty("by").GetString().Should().Be(pool.Manager, "who its row said last put it");
    }
}
