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
/// The pool's name, its streams, the agreement and organisations' names are versioned like lines: each change is a new
/// version with its recorded time and an effectiveFrom, and a statement or position as at an instant, as known at
/// another, shows them as they were in effect then as known then. Set-up stored before versions were kept keeps its
/// meaning: its first change records what it was before as a baseline.
/// </summary>
public sealed class PoolSetupVersionTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private Finance.Functions.Tests.Access.TestApp App => fixture.App;

    private sealed record Face(string PoolName, string SourceName, string HostName, long Agreed);

    private async Task<Face> FaceAsync(PoolScenario pool, string query = "")
    {
        var statement = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6?pence=true{query}", pool.Viewer), HttpStatusCode.OK);
        var position = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/positions/2024-25/6?pence=true{query}", pool.Viewer), HttpStatusCode.OK);
        var row = statement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("line").GetString() == "programme-manager");
        var icb = position.GetProperty("partners").EnumerateArray().Single(p => p.GetProperty("partner").GetString() == pool.Icb);
        return new Face(
            statement.GetProperty("poolName").GetString()!,
            statement.GetProperty("summary").GetProperty("sources").EnumerateArray().Single().GetProperty("name").GetString()!,
            row.GetProperty("hostName").GetString()!,
            icb.GetProperty("agreed").GetProperty("pence").GetInt64());
    }

    private async Task<string> NowAsync(PoolScenario pool) =>
        Uri.EscapeDataString((await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6", pool.Viewer), HttpStatusCode.OK))
            .GetProperty("knownAt").GetString()!);

    private static object Stream(string name, string funder, string? effectiveFrom = null) =>
        new { kind = "placeAllocation", name, nature = "revenue", funder, effectiveFrom };

    private static object Agreement(string icb, string amount, string? effectiveFrom = null) => new
    {
        contributions = new[] { new { partner = icb, stream = "place", annualAmount = amount } },
        riskShare = new { rule = "proportionalToContributions", includeCapital = false },
        underspend = "carryForward",
        effectiveFrom,
    };

    private static object Pool(PoolScenario pool, string name, string? effectiveFrom = null) => new
    {
        name, hostOrganisation = pool.Council, financialYear = "2024/25", partnerOrganisations = new[] { pool.Icb, pool.Trust }, effectiveFrom,
    };

    private static object Council(string? statementName, string? effectiveFrom = null) =>
        new { name = "Riverside Council", kind = "council", statementName, effectiveFrom };

    private Task<JsonElement> PutAsync(PoolScenario pool, string path, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        PoolScenario.Expect(App.SendAsync(HttpMethod.Put, path, pool.ManagerToken, JsonContent.Create(body)), expected);

    private async Task ChangeEverythingAsync(PoolScenario pool, string? effectiveFrom = null)
    {
        await PutAsync(pool, pool.Path, Pool(pool, "One Riverside", effectiveFrom));
        await PutAsync(pool, $"{pool.Path}/streams/place", Stream("Riverside place budget", pool.Icb, effectiveFrom));
        await PutAsync(pool, $"{pool.Path}/agreement", Agreement(pool.Icb, "400000", effectiveFrom));
        await PutAsync(pool, $"api/organisations/{pool.Council}", Council("RBC", effectiveFrom));
    }

    private static readonly Face AsSetUp = new("Riverside Place", "Place-based allocation", "Riverside Council", 30_000_000);

    private static readonly Face AsChanged = new("One Riverside", "Riverside place budget", "RBC", 40_000_000);

    [Fact]
    public async Task Changes_leave_earlier_as_at_statements_as_they_were_unless_given_an_earlier_effective_from()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = await NowAsync(pool);
        (await FaceAsync(pool)).Should().Be(AsSetUp);

        await ChangeEverythingAsync(pool);
        var afterFirst = await NowAsync(pool);

        (await FaceAsync(pool)).Should().Be(AsChanged, "drawn now, the set-up as it is");
        (await FaceAsync(pool, $"&asAt={before}")).Should().Be(AsSetUp, "as at before the changes, as it was then");
        (await FaceAsync(pool, $"&asAt={before}&knownAt={before}")).Should().Be(AsSetUp);

        await PutAsync(pool, pool.Path, Pool(pool, "One Riverside Partnership", "2024-04-01T00:00:00+01:00"));
        await PutAsync(pool, $"{pool.Path}/streams/place", Stream("Place budget", pool.Icb, "2024-04-01T00:00:00+01:00"));
        await PutAsync(pool, $"{pool.Path}/agreement", Agreement(pool.Icb, "450000", "2024-04-01T00:00:00+01:00"));
        await PutAsync(pool, $"api/organisations/{pool.Council}", Council("Riverside BC", "2024-04-01T00:00:00+01:00"));

        var backDated = new Face("One Riverside Partnership", "Place budget", "Riverside BC", 45_000_000);
        (await FaceAsync(pool, $"&asAt={before}")).Should().Be(backDated, "given an earlier effectiveFrom, the changes reach back");
        (await FaceAsync(pool, $"&asAt={before}&knownAt={afterFirst}")).Should().Be(AsSetUp,
            "as known before the back-dated changes, as at then the set-up was as first put");

        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup?asAt={before}&knownAt={afterFirst}", pool.Viewer),
            HttpStatusCode.OK);
        setup.GetProperty("name").GetString().Should().Be("Riverside Place");
        setup.GetProperty("streams")[0].GetProperty("name").GetString().Should().Be("Place-based allocation");
        setup.GetProperty("agreement").GetProperty("contributions")[0].GetProperty("annualPence").GetInt64().Should().Be(30_000_000);
    }

    [Fact]
    public async Task A_stream_and_an_organisation_list_their_versions_with_who_when_and_what_changed()
    {
        var pool = await PoolScenario.CreateAsync(App);
        await ChangeEverythingAsync(pool);
        await PutAsync(pool, $"{pool.Path}/streams/place", Stream("Riverside place budget", pool.Trust, "2024-05-01T00:00:00+01:00"));

        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/streams/place/history", pool.Auditor), HttpStatusCode.OK);
        var versions = history.GetProperty("versions").EnumerateArray().ToList();
        versions.Select(v => string.Join(",", v.GetProperty("changed").EnumerateArray().Select(c => c.GetString()))).Should().Equal(
            ["funder", "name", "kind,name,nature,funder,conditions,spendBy,passThroughTo,displayOrder"], "newest first, each with the fields it changed");
        versions[0].GetProperty("effectiveFrom").GetString().Should().Be("2024-04-30T23:00:00Z");
        versions.Select(v => v.GetProperty("by").GetString()).Should().OnlyContain(b => b == pool.Manager);
        versions.Select(v => v.GetProperty("baseline").GetBoolean()).Should().OnlyContain(b => !b);
        history.GetProperty("unversionedSince").ValueKind.Should().Be(JsonValueKind.Null);

        var organisation = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"api/organisations/{pool.Council}/history", pool.ManagerToken),
            HttpStatusCode.OK);
        organisation.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("statementName").GetString()).Should().Equal("RBC", null);
        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup/history", pool.Auditor), HttpStatusCode.OK);
        setup.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("part").GetString()).Should().Equal(
            ["stream:place", "agreement", "stream:place", "name", "agreement", "stream:place", "name"],
            "newest first: the funder, the four changes (the organisation is not the pool's), then the pool as set up");
        setup.GetProperty("versions")[1].GetProperty("agreement").GetProperty("contributions")[0].GetProperty("annualPence").GetInt64()
            .Should().Be(40_000_000);
        setup.GetProperty("versions")[3].GetProperty("name").GetString().Should().Be("One Riverside");
        (await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/streams/nothing/history", pool.Auditor), HttpStatusCode.NotFound))
            .GetProperty("detail").GetString().Should().Contain("no funding stream 'nothing'");
    }

    [Fact]
    public async Task Set_up_stored_before_versions_were_kept_keeps_its_meaning_as_at_before_its_first_change()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = await NowAsync(pool);
        // The rows as set-up stored before this change holds them: no part versions, organisations without a Version.
        var pools = new TableServiceClient(App.ConnectionString).GetTableClient(StorageNames.PoolsTable);
        await foreach (var row in pools.QueryAsync<TableEntity>($"PartitionKey eq '{pool.PoolId}' and RowKey ge 'partver~' and RowKey lt 'partver~\uffff'"))
        {
            await pools.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }
        var directory = new TableServiceClient(App.ConnectionString).GetTableClient(StorageNames.DirectoryTable);
        var prefix = $"~ver~{pool.Council}~";
        await foreach (var row in directory.QueryAsync<TableEntity>($"PartitionKey eq 'organisation' and RowKey ge '{prefix}' and RowKey lt '{prefix}\uffff'"))
        {
            await directory.DeleteEntityAsync(row.PartitionKey, row.RowKey);
        }
        var council = (await directory.GetEntityAsync<TableEntity>("organisation", pool.Council)).Value;
        council.Remove("Version");
        await directory.UpdateEntityAsync(council, council.ETag, TableUpdateMode.Replace);

        (await FaceAsync(pool, $"&asAt={before}")).Should().Be(AsSetUp, "unversioned set-up is as it is now");
        var unversioned = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/streams/place/history", pool.Auditor), HttpStatusCode.OK);
        unversioned.GetProperty("versions").GetArrayLength().Should().Be(0);
        unversioned.GetProperty("unversionedSince").ValueKind.Should().Be(JsonValueKind.String);

        await ChangeEverythingAsync(pool);

        (await FaceAsync(pool)).Should().Be(AsChanged);
        (await FaceAsync(pool, $"&asAt={before}")).Should().Be(AsSetUp, "the first change kept what was there before as a baseline");
        (await FaceAsync(pool, $"&asAt={before}&knownAt={before}")).Should().Be(AsSetUp);
        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/streams/place/history", pool.Auditor), HttpStatusCode.OK);
        var versions = history.GetProperty("versions").EnumerateArray().ToList();
        versions.Select(v => v.GetProperty("baseline").GetBoolean()).Should().Equal(false, true);
        versions[1].GetProperty("by").ValueKind.Should().Be(JsonValueKind.Null, "nobody is recorded as having set up what was there before");
        versions[1].GetProperty("stream").GetProperty("name").GetString().Should().Be("Place-based allocation");
        var organisation = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"api/organisations/{pool.Council}/history", pool.ManagerToken),
            HttpStatusCode.OK);
        organisation.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("baseline").GetBoolean()).Should().Equal(false, true);
    }

    [Theory]
    [InlineData("2099-01-01T00:00:00Z", "future")]
    [InlineData("2023-03-31T22:00:00Z", "before 2023/24 began")]
    [InlineData("April", "an instant such as")]
    public async Task An_effective_from_out_of_bounds_is_refused_naming_it_and_changes_nothing(string effectiveFrom, string says)
    {
        var pool = await PoolScenario.CreateAsync(App);
        var puts = new (string Path, object Body)[]
        {
            (pool.Path, Pool(pool, "One Riverside", effectiveFrom)),
            ($"{pool.Path}/streams/place", Stream("Riverside place budget", pool.Icb, effectiveFrom)),
            ($"{pool.Path}/agreement", Agreement(pool.Icb, "400000", effectiveFrom)),
        };
        foreach (var (path, body) in puts)
        {
            var problem = await PutAsync(pool, path, body, HttpStatusCode.BadRequest);
            problem.GetProperty("errors").GetProperty("effectiveFrom")[0].GetString().Should().Contain(says, path);
        }
        if (!says.StartsWith("before", StringComparison.Ordinal))
        {
            // An organisation belongs to no pool: only the future and malformed instants are out of bounds for it.
            var problem = await PutAsync(pool, $"api/organisations/{pool.Council}", Council("RBC", effectiveFrom), HttpStatusCode.BadRequest);
            problem.GetProperty("errors").GetProperty("effectiveFrom")[0].GetString().Should().Contain(says);
        }

        (await FaceAsync(pool)).Should().Be(AsSetUp, "nothing was written");
        var history = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/streams/place/history", pool.Auditor), HttpStatusCode.OK);
        history.GetProperty("versions").GetArrayLength().Should().Be(1);
    }
}
