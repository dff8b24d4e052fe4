using System.Net;
using System.Net.Http.Json;
using System.Text;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Postings;

/// <summary>Setting a pool up: organisations, streams, the agreement and lines, each change a new set-up version.</summary>
public sealed class SetupTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private TestApp App => fixture.App;

    [Fact]
    public async Task A_pool_is_set_up_piece_by_piece_and_reads_back_whole()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var setup = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Viewer), HttpStatusCode.OK);
        setup.GetProperty("streams").EnumerateArray().Single().GetProperty("funder").GetString().Should().Be(pool.Icb);
        setup.GetProperty("agreement").GetProperty("contributions")[0].GetProperty("annualPence").GetInt64().Should().Be(30_000_000);
        setup.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("lineId").GetString())
            .Should().BeEquivalentTo("programme-manager", "data-analyst", "frailty-service");
        var version = setup.GetProperty("setupVersion").GetInt64();
        version.Should().BeGreaterThanOrEqualTo(6, "the pool, a stream, the agreement and three lines were each a change");

        var line = await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/data-analyst", pool.ManagerToken, JsonContent.Create(new
        {
            fundingSource = "place", title = "Data Analyst (starts M7)", host = pool.Council, startMonth = 7,
            profile = new { kind = "customMonthly", amounts = new[] { "0", "0", "0", "0", "0", "0", "6000", "6000", "6000", "6000", "6000", "6000" } },
        })), HttpStatusCode.OK);
        line.GetProperty("startMonth").GetInt32().Should().Be(7);
        line.GetProperty("createdBy").GetString().Should().Be(pool.Manager);
        var after = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Auditor), HttpStatusCode.OK);
        after.GetProperty("setupVersion").GetInt64().Should().Be(version + 1);

        var organisation = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"api/organisations/{pool.Council}", pool.CouncilLead), HttpStatusCode.OK);
        organisation.GetProperty("kind").GetString().Should().Be("council");
    }

    [Theory]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"X","host":"nobody-here"}""", HttpStatusCode.BadRequest, "host")]
    [InlineData("lines/new-line", """{"fundingSource":"no-stream","title":"X","host":"{council}"}""", HttpStatusCode.UnprocessableEntity, "fundingSource")]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"","host":"{council}"}""", HttpStatusCode.BadRequest, "title")]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"X","host":"{council}","startMonth":13}""", HttpStatusCode.BadRequest, "startMonth")]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"X","host":"{council}","startMonth":7,"profile":{"kind":"lumpSum","month":3}}""", HttpStatusCode.BadRequest, "profile")]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"X","host":"{council}","profile":{"kind":"customMonthly","amounts":["1"]}}""", HttpStatusCode.BadRequest, "profile.amounts")]
    [InlineData("lines/new-line", """{"fundingSource":"place","title":"X","host":"{council}","budget":"1000"}""", HttpStatusCode.BadRequest, "budget")]
    [InlineData("streams/dfg", """{"kind":"disabledFacilitiesGrant","name":"DFG","nature":"revenue"}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("streams/dfg", """{"kind":"disabledFacilitiesGrant","name":"DFG","nature":"capital","passThroughTo":"no-such-district"}""", HttpStatusCode.BadRequest, "passThroughTo")]
    [InlineData("streams/dfg", """{"kind":"grant","name":"DFG","nature":"capital"}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("streams/dfg", """{"kind":"disabledFacilitiesGrant","name":"DFG","nature":"capital","funder":"stranger"}""", HttpStatusCode.BadRequest, "funder")]
    [InlineData("streams/dfg", """{"kind":"disabledFacilitiesGrant","name":"DFG","nature":"capital","spendBy":"31/03/2025"}""", HttpStatusCode.BadRequest, "spendBy")]
    [InlineData("agreement", """{"contributions":[{"partner":"{icb}","stream":"nothing","annualAmount":"1"}],"riskShare":{"rule":"hostBearsAll"},"underspend":"carryForward"}""", HttpStatusCode.BadRequest, "contributions[0].stream")]
    [InlineData("agreement", """{"contributions":[{"partner":"stranger","stream":"place","annualAmount":"1"}],"riskShare":{"rule":"hostBearsAll"},"underspend":"carryForward"}""", HttpStatusCode.BadRequest, "contributions[0].partner")]
    [InlineData("agreement", """{"contributions":[],"riskShare":{"rule":"fixedPercentages","shares":[{"partner":"{icb}","percent":60}]},"underspend":"carryForward"}""", HttpStatusCode.BadRequest, "riskShare.shares")]
    [InlineData("lines/programme-manager", """{"fundingSource":"place","title":"Programme\u0007 Manager","host":"{council}"}""", HttpStatusCode.BadRequest, "title")]
    [InlineData("agreement", """{"contributions":[],"riskShare":{"rule":"hostBearsAll"},"underspend":"spendIt"}""", HttpStatusCode.BadRequest, "underspend")]
    [InlineData("agreement", """{"contributions":[{"partner":"{icb}","stream":"place","annualAmount":"1.001"}],"riskShare":{"rule":"hostBearsAll"},"underspend":"carryForward"}""", HttpStatusCode.BadRequest, "contributions[0].annualAmount")]
    public async Task Bad_set_up_is_refused_naming_the_field_and_changes_nothing(string path, string body, HttpStatusCode status, string field)
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var before = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Auditor), HttpStatusCode.OK);
        var json = body.Replace("{council}", pool.Council, StringComparison.Ordinal).Replace("{icb}", pool.Icb, StringComparison.Ordinal);
        var problem = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Put, $"{pool.Path}/{path}", pool.ManagerToken, new StringContent(json, Encoding.UTF8, "application/json")), status);
        problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(field, problem.ToString());
        var after = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Auditor), HttpStatusCode.OK);
        after.ToString().Should().Be(before.ToString(), "a refused change changes nothing");
    }

    [Fact]
    public async Task Parties_and_managers_are_named_once_and_registered_and_a_kept_partner_who_becomes_host_is_not_also_a_partner()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        async Task<System.Text.Json.JsonElement> Put(object body, HttpStatusCode status) =>
            await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, pool.Path, pool.ManagerToken, System.Net.Http.Json.JsonContent.Create(body)), status);

        var twice = await Put(new { name = "R", hostOrganisation = pool.Council, financialYear = "2024/25", partnerOrganisations = new[] { pool.Icb, pool.Icb } },
            HttpStatusCode.UnprocessableEntity);
        twice.GetProperty("errors").GetProperty("partnerOrganisations[1]")[0].GetString().Should().Contain("already named");
        var host = await Put(new { name = "R", hostOrganisation = pool.Council, financialYear = "2024/25", partnerOrganisations = new[] { pool.Council } },
            HttpStatusCode.UnprocessableEntity);
        host.GetProperty("errors").GetProperty("partnerOrganisations[0]")[0].GetString().Should().Contain("is the host");
        var stranger = await Put(new { name = "R", hostOrganisation = pool.Council, financialYear = "2024/25", partnerOrganisations = new[] { "no-such-org" } },
            HttpStatusCode.UnprocessableEntity);
        stranger.GetProperty("errors").GetProperty("partnerOrganisations[0]")[0].GetString().Should().Contain("not a registered organisation");
        (await Put(new { name = "R", hostOrganisation = "no-such-host", financialYear = "2024/25" }, HttpStatusCode.UnprocessableEntity))
            .GetProperty("errors").TryGetProperty("hostOrganisation", out _).Should().BeTrue();

        var nobody = await Put(new { name = "R", hostOrganisation = pool.Council, financialYear = "2024/25", poolManagers = new[] { pool.Manager, "nobody-registered" } },
            HttpStatusCode.UnprocessableEntity);
        nobody.GetProperty("errors").GetProperty("poolManagers[1]")[0].GetString().Should().Contain("not a principal the directory knows");
        var managerTwice = await Put(new { name = "R", hostOrganisation = pool.Council, financialYear = "2024/25", poolManagers = new[] { pool.Manager, pool.Manager } },
            HttpStatusCode.UnprocessableEntity);
        managerTwice.GetProperty("errors").TryGetProperty("poolManagers[1]", out _).Should().BeTrue();

        var replaced = await Put(new { name = "Riverside Place", hostOrganisation = pool.Icb, financialYear = "2024/25" }, HttpStatusCode.OK);
        replaced.GetProperty("partnerOrganisations").EnumerateArray().Select(p => p.GetString()).Should().Equal([pool.Trust],
            "the partners kept by a replace lose the one that became host");
    }

    [Theory]
    [InlineData("Riverside\u0000Place")]
    [InlineData("Riverside\nPlace")]
    [InlineData("Riverside\u001b[2JPlace")]
    public async Task A_pool_name_is_one_line_of_printable_text(string name)
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var json = System.Text.Json.JsonSerializer.Serialize(new { name, hostOrganisation = pool.Council, financialYear = "2024/25" });
        var problem = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Put, pool.Path, pool.ManagerToken, new StringContent(json, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        problem.GetProperty("errors").GetProperty("name")[0].GetString().Should().Contain("control character");
        var read = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, pool.Path, pool.Auditor), HttpStatusCode.OK);
        read.GetProperty("name").GetString().Should().Be("Riverside Place", "the refusal changed nothing");
    }

    [Fact]
    public async Task Set_up_of_a_missing_pool_is_not_found_and_organisations_are_checked()
    {
        var manager = TestApp.Token("setup-manager", [], Role.PoolManager);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"api/pools/no-pool-{Guid.NewGuid():N}"[..30] + "/lines/a-line", manager,
            JsonContent.Create(new { fundingSource = "place", title = "X", host = "x-org" })), HttpStatusCode.NotFound);
        var bad = await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, "api/organisations/some-org", manager,
            JsonContent.Create(new { name = "", kind = "charity", aliases = new[] { "" } })), HttpStatusCode.BadRequest);
        bad.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().BeEquivalentTo("name", "kind", "aliases[0]");
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, "api/organisations/never-made", manager), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_set_up_change_with_a_stale_if_match_is_refused()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        using var read = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.ManagerToken);
        var etag = read.Headers.ETag!.Tag;
        var body = JsonContent.Create(new { fundingSource = "place", title = "Renamed", host = pool.Council });
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/programme-manager", pool.ManagerToken, body,
            new Dictionary<string, string> { ["If-Match"] = etag }), HttpStatusCode.OK);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/data-analyst", pool.ManagerToken,
            JsonContent.Create(new { fundingSource = "place", title = "Renamed too", host = pool.Council }),
            new Dictionary<string, string> { ["If-Match"] = etag }), HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Concurrent_line_changes_all_land_with_their_own_set_up_versions()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var before = (await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Auditor), HttpStatusCode.OK)).GetProperty("setupVersion").GetInt64();
        var puts = Enumerable.Range(0, 4).Select(i => App.SendAsync(HttpMethod.Put, $"{pool.Path}/lines/extra-{i}", pool.ManagerToken,
            JsonContent.Create(new { fundingSource = "place", title = $"Extra {i}", host = pool.Council })));
        foreach (var response in await Task.WhenAll(puts))
        {
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            response.Dispose();
        }
        var after = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/setup", pool.Auditor), HttpStatusCode.OK);
        after.GetProperty("lines").GetArrayLength().Should().Be(7);
        after.GetProperty("setupVersion").GetInt64().Should().Be(before + 4);
    }
}
