using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Functions.Tests.Postings;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// The statement as the board sees it, set up through the API: lines in the board's order, two lines listed as one
/// committed item ("Comms &amp; Engagement" 25,000 for 10,000 and 15,000), a host shown by its statement name, a line's
/// own funding-source label; and bad values refused naming the field.
/// </summary>
public sealed class BoardLayoutTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private Finance.Functions.Tests.Access.TestApp App => fixture.App;

    [Fact]
    public async Task Lines_show_in_the_boards_order_grouped_and_labelled_as_on_the_paper()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"api/organisations/{pool.Trust}", pool.ManagerToken, JsonContent.Create(new
        {
            name = "Warrington and Halton Teaching Hospitals NHS Foundation Trust", kind = "nhsTrust", statementName = "Warrington Hospital",
        })), HttpStatusCode.OK);
        foreach (var (id, title, order, group) in new[]
        {
            ("comms-manager", "Comms Manager", 3, "Comms & Engagement"),
            ("comms-engagement", "Comms & Engagement", 2, "Comms & Engagement"),
            ("programme-manager", "Programme Manager", 1, (string?)null),
        })
        {
            await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/{id}", pool.ManagerToken, JsonContent.Create(new
            {
                fundingSource = "place", title, host = pool.Council, displayOrder = order, summaryGroup = group,
                fundingSourceLabel = id == "programme-manager" ? "Place (recurrent)" : null,
            })), id == "programme-manager" ? HttpStatusCode.OK : HttpStatusCode.Created);
        }
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/streams/bcf", pool.ManagerToken, JsonContent.Create(new
        {
            kind = "bcfNhsMinimumContribution", name = "BCF NHS minimum", nature = "revenue", funder = pool.Icb, displayOrder = 1,
        })), HttpStatusCode.OK);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.ManagerToken, JsonContent.Create(new
        {
            entries = new object[]
            {
                new { kind = "allocation", stream = "place", month = 1, amount = "300000" },
                new { kind = "allocation", stream = "bcf", month = 1, amount = "1000" },
                new { kind = "commitment", line = "comms-manager", month = 1, amount = "10000" },
                new { kind = "commitment", line = "comms-engagement", month = 1, amount = "15000" },
                new { kind = "commitment", line = "programme-manager", month = 1, amount = "48000" },
                new { kind = "commitment", line = "frailty-service", month = 1, amount = "180000" },
            },
        })), HttpStatusCode.Created);

        var statement = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/3", pool.Viewer), HttpStatusCode.OK);

        var rows = statement.GetProperty("rows").EnumerateArray().ToList();
        rows.Select(r => r.GetProperty("line").GetString()).Should().Equal(
            ["programme-manager", "comms-engagement", "comms-manager", "data-analyst", "frailty-service"],
            "lines with a display order first, lowest first; the rest in their own order");
        rows[0].GetProperty("fundingSourceLabel").GetString().Should().Be("Place (recurrent)");
        rows.Single(r => r.GetProperty("line").GetString() == "frailty-service").GetProperty("hostName").GetString().Should().Be("Warrington Hospital");
        var committed = statement.GetProperty("summary").GetProperty("committed").EnumerateArray()
            .Select(c => (c.GetProperty("title").GetString(), c.GetProperty("amount").GetProperty("pounds").GetString())).ToList();
        committed.Should().Equal(
            ("Programme Manager", "48,000"), ("Comms & Engagement", "25,000"), ("data-analyst", "0"), ("frailty-service", "180,000"));
        statement.GetProperty("summary").GetProperty("totalCommitted").GetProperty("pounds").GetString().Should().Be("253,000");
        statement.GetProperty("summary").GetProperty("sources").EnumerateArray().Select(x => x.GetProperty("stream").GetString())
            .Should().Equal(["bcf", "place"], "the source with a display order first");

        using var csv = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/3?format=csv", pool.Viewer);
        var text = await csv.Content.ReadAsStringAsync();
        text.Should().Contain("Comms & Engagement,25000").And.Contain("Warrington Hospital");
    }

    [Theory]
    [InlineData("displayOrder", 0)]
    [InlineData("displayOrder", 10_001)]
    [InlineData("summaryGroup", "Two\nlines")]
    [InlineData("fundingSourceLabel", "Bell\u0007")]
    public async Task A_bad_display_value_is_refused_naming_it(string field, object value)
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var body = new Dictionary<string, object> { ["fundingSource"] = "place", ["title"] = "Programme Manager", ["host"] = pool.Council, [field] = value };

        var problem = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/programme-manager", pool.ManagerToken, JsonContent.Create(body)), HttpStatusCode.BadRequest);

        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal(field);
        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.ManagerToken), HttpStatusCode.OK);
        setup.GetProperty("lines").EnumerateArray().Single(l => l.GetProperty("lineId").GetString() == "programme-manager")
            .TryGetProperty(field, out var stored).Should().BeTrue();
        stored.ValueKind.Should().Be(JsonValueKind.Null, "nothing was changed");
    }

    [Fact]
    public async Task A_summary_group_differing_from_one_in_use_only_in_case_or_spacing_is_refused_as_ambiguous()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        object Line(string group) => new { fundingSource = "place", title = "Comms", host = pool.Council, summaryGroup = group };
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/comms-manager", pool.ManagerToken,
            JsonContent.Create(Line("Comms & Engagement"))), HttpStatusCode.Created);

        var problem = await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/comms-engagement", pool.ManagerToken,
            JsonContent.Create(Line("comms &  engagement"))), HttpStatusCode.BadRequest);

        problem.GetProperty("errors").GetProperty("summaryGroup")[0].GetString().Should().Contain("'Comms & Engagement'");
        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.ManagerToken), HttpStatusCode.OK);
        setup.GetProperty("lines").EnumerateArray().Should().NotContain(l => l.GetProperty("lineId").GetString() == "comms-engagement");
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/comms-engagement", pool.ManagerToken,
            JsonContent.Create(Line("Comms & Engagement"))), HttpStatusCode.Created);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/comms-manager", pool.ManagerToken,
            JsonContent.Create(Line("comms & engagement"))), HttpStatusCode.BadRequest);
    }
}
