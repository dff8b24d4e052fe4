using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// DOMAIN.md's Riverside Place example, set up and posted through the API as its users would, with ids unique to the
/// test. Its month 6 statement is the worked example's, cell by cell.
/// </summary>
public sealed class RiversideThroughApi
{
    private RiversideThroughApi(TestApp app, string suffix)
    {
        App = app;
        Suffix = suffix;
    }

    public TestApp App { get; }

    public string Suffix { get; }

    public string PoolId => $"riverside-{Suffix}";

    public string Path => $"api/pools/{PoolId}";

    public string Council => $"council-{Suffix}";

    public string Icb => $"icb-{Suffix}";

    public string Hospital => $"hospital-{Suffix}";

    public string Trust => $"trust-{Suffix}";

    public string Manager => TestApp.Token($"manager-{Suffix}", [Council], Role.PoolManager);

    public string Auditor => TestApp.Token($"auditor-{Suffix}", [], Role.Auditor);

    public string PartnerViewer => TestApp.Token($"viewer-{Suffix}", [Icb], Role.PartnerViewer);

    public static string Lead(string organisation) => TestApp.Token($"lead-{organisation}", [organisation], Role.FinanceLead);

    /// <param name="postFigures">False to post only the budget, leaving the finance leads' figures to the test.</param>
    /// <param name="budgetEffectiveAt">When the budget was approved, if not when it is posted.</param>
    public static async Task<RiversideThroughApi> CreateAsync(TestApp app, bool postFigures = true, string? budgetEffectiveAt = null)
    {
        var riverside = new RiversideThroughApi(app, Guid.NewGuid().ToString("N")[..10]);
        await riverside.SetUpAsync(postFigures, budgetEffectiveAt);
        return riverside;
    }

    private async Task Put(string path, object body)
    {
        using var response = await App.SendAsync(HttpMethod.Put, path, Manager, JsonContent.Create(body));
        response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
    }

    public async Task PostAsync(string token, params object[] entries)
    {
        using var response = await App.PostAsync($"{Path}/postings", token, JsonContent.Create(new { entries }));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private async Task SetUpAsync(bool postFigures, string? budgetEffectiveAt)
    {
        foreach (var (id, name, kind, shortName) in new[]
        {
            (Council, "Riverside Council", "council", "RC"), (Icb, "Riverside ICB", "integratedCareBoard", "ICB"),
            (Hospital, "Riverside Hospital", "nhsTrust", "RH"), (Trust, "Riverside Community Trust", "nhsTrust", "RCT"),
        })
        {
            await Put($"api/organisations/{id}", new { name, kind, shortName });
        }
        await Put(Path, new { name = "Riverside Place", hostOrganisation = Council, financialYear = "2024/25", partnerOrganisations = new[] { Icb, Hospital, Trust } });
        await Put($"{Path}/streams/place", new { kind = "placeAllocation", name = "Place-based allocation", nature = "revenue", funder = Icb });
        await Put($"{Path}/streams/carried-forward", new { kind = "carriedForwardBalance", name = "2023/24 balance carried forward", nature = "revenue" });
        await Put($"{Path}/streams/leadership", new { kind = "additionalNhsContribution", name = "Leadership funding", nature = "revenue", funder = Hospital });
        await Put($"{Path}/agreement", new
        {
            contributions = new[] { new { partner = Icb, stream = "place", annualAmount = "300000" }, new { partner = Hospital, stream = "leadership", annualAmount = "9000" } },
            riskShare = new { rule = "proportionalToContributions", includeCapital = false },
            underspend = "carryForward",
        });
        await Put($"{Path}/lines/programme-manager", new { fundingSource = "place", title = "Programme Manager", host = Council });
        await Put($"{Path}/lines/frailty-service", new { fundingSource = "place", title = "Frailty Service", host = Trust });
        await Put($"{Path}/lines/leadership-alliance", new { fundingSource = "leadership", title = "Leadership – Alliance", host = Hospital });
        await Put($"{Path}/lines/data-analyst", new { fundingSource = "place", title = "Data Analyst (starts M7)", host = Council, startMonth = 7 });
        var at = budgetEffectiveAt;
        await PostAsync(Manager,
            new { kind = "allocation", stream = "place", month = 1, amount = "300000", effectiveAt = at },
            new { kind = "carryForwardIn", stream = "carried-forward", month = 1, amount = "24000", effectiveAt = at },
            new { kind = "allocation", stream = "leadership", month = 1, amount = "9000", effectiveAt = at },
            new { kind = "commitment", line = "programme-manager", month = 1, amount = "48000", effectiveAt = at },
            new { kind = "commitment", line = "frailty-service", month = 1, amount = "180000", effectiveAt = at },
            new { kind = "commitment", line = "leadership-alliance", month = 1, amount = "3000", effectiveAt = at },
            new { kind = "commitment", line = "data-analyst", month = 1, amount = "36000", effectiveAt = at });
        if (!postFigures)
        {
            return;
        }
        await PostAsync(Lead(Council),
            new { kind = "priorYearInvoice", line = "programme-manager", month = 1, amount = "4000" },
            new { kind = "actual", line = "programme-manager", month = 3, amount = "4000" },
            new { kind = "actual", line = "programme-manager", month = 4, amount = "4000" },
            new { kind = "actual", line = "programme-manager", month = 5, amount = "4000" },
            new { kind = "actual", line = "programme-manager", month = 6, amount = "4000" },
            new { kind = "accrual", line = "programme-manager", month = 6, amount = "4000" });
        await PostAsync(Lead(Trust),
            new { kind = "actual", line = "frailty-service", month = 4, amount = "15000" },
            new { kind = "actual", line = "frailty-service", month = 5, amount = "15000" },
            new { kind = "accrual", line = "frailty-service", month = 6, amount = "15000" },
            new { kind = "forecastOutturn", line = "frailty-service", month = 6, amount = "150000" });
        await PostAsync(Lead(Hospital),
            new { kind = "actual", line = "leadership-alliance", month = 2, amount = "500" },
            new { kind = "actual", line = "leadership-alliance", month = 5, amount = "1200" });
    }
}

public sealed class StatementApiTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private TestApp App => fixture.App;

    private static long Pounds(JsonElement amount) => amount.GetProperty("pence").GetInt64() / 100;

    private async Task<(HttpResponseMessage Response, string Body)> Get(string path, string token, string? accept = null, string? ifNoneMatch = null)
    {
        var headers = new Dictionary<string, string>();
        if (accept is not null)
        {
            headers["Accept"] = accept;
        }
        if (ifNoneMatch is not null)
        {
            headers["If-None-Match"] = ifNoneMatch;
        }
        var response = await App.SendAsync(HttpMethod.Get, path, token, null, headers);
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_month_6_statement_is_the_worked_example_cell_by_cell()
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var (response, body) = await Get($"{riverside.Path}/statements/2024-25/6", riverside.PartnerViewer);
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var s = JsonDocument.Parse(body).RootElement;

        s.GetProperty("period").GetString().Should().Be("2024/25 M6");
        s.GetProperty("periodEnd").GetString().Should().Be("2024-09-30");
        var summary = s.GetProperty("summary");
        summary.GetProperty("sources").EnumerateArray().Select(x => Pounds(x.GetProperty("amount"))).Should().BeEquivalentTo(new[] { 300_000L, 24_000, 9_000 });
        Pounds(summary.GetProperty("totalBudget")).Should().Be(333_000);
        Pounds(summary.GetProperty("totalCommitted")).Should().Be(267_000);
        Pounds(summary.GetProperty("balanceRemaining")).Should().Be(66_000);
        summary.GetProperty("balanceRemaining").GetProperty("pounds").GetString().Should().Be("66,000");

        s.GetProperty("headings").EnumerateArray().Select(h => h.GetString()).Should().Equal(
            "Funding Source", "Title", "Host", "Annual Budget", "Prior Year Invoices", "Month 1", "Month 2", "Month 3", "Month 4", "Month 5", "Month 6",
            "YTD Actuals", "YTD Accruals", "YTD Total", "YTD Forecast", "Variance", "Forecast Outturn", "Notes");

        var rows = s.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("line").GetString()!);
        var pm = rows["programme-manager"];
        pm.GetProperty("fundingSourceLabel").GetString().Should().Be("ICB");
        pm.GetProperty("hostName").GetString().Should().Be("Riverside Council");
        new[] { "annualBudget", "priorYearInvoices", "ytdActuals", "ytdAccruals", "ytdTotal", "ytdForecast", "variance", "forecastOutturn" }
            .Select(c => Pounds(pm.GetProperty(c))).Should().Equal(48_000, 4_000, 20_000, 4_000, 24_000, 24_000, 0, 48_000);
        pm.GetProperty("months").EnumerateArray().Select(Pounds).Should().Equal(0, 0, 4_000, 4_000, 4_000, 4_000);
        var frailty = rows["frailty-service"];
        new[] { "ytdActuals", "ytdAccruals", "ytdTotal", "ytdForecast", "variance", "forecastOutturn" }
            .Select(c => Pounds(frailty.GetProperty(c))).Should().Equal(30_000, 15_000, 45_000, 90_000, -45_000, 150_000);
        frailty.GetProperty("variance").GetProperty("pounds").GetString().Should().Be("-45,000");
        var leadership = rows["leadership-alliance"];
        leadership.GetProperty("fundingSourceLabel").GetString().Should().Be("RH");
        new[] { "ytdActuals", "ytdTotal", "ytdForecast", "variance" }.Select(c => Pounds(leadership.GetProperty(c))).Should().Equal(1_700, 1_700, 1_500, 200);
        var analyst = rows["data-analyst"];
        new[] { "ytdTotal", "ytdForecast", "forecastOutturn" }.Select(c => Pounds(analyst.GetProperty(c))).Should().Equal(0, 0, 36_000);

        var totals = s.GetProperty("totals");
        new[] { "annualBudget", "priorYearInvoices", "ytdActuals", "ytdAccruals", "ytdTotal", "ytdForecast", "variance", "forecastOutturn" }
            .Select(c => Pounds(totals.GetProperty(c))).Should().Equal(267_000, 4_000, 51_700, 19_000, 70_700, 115_500, -44_800, 237_000);
    }

    [Fact]
    public async Task An_as_at_statement_ignores_later_entries_and_reproduces_the_earlier_paper()
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var (_, before) = await Get($"{riverside.Path}/statements/2024-25/6?pence=true", riverside.Auditor);
        var drawn = JsonDocument.Parse(before).RootElement.GetProperty("asAt").GetString()!;
        await Task.Delay(20);
        await riverside.PostAsync(RiversideThroughApi.Lead(riverside.Council), new { kind = "actual", line = "programme-manager", month = 6, amount = "999.99" });

        var (_, now) = await Get($"{riverside.Path}/statements/2024-25/6?pence=true", riverside.Auditor);
        Pounds(JsonDocument.Parse(now).RootElement.GetProperty("totals").GetProperty("ytdActuals")).Should().Be(52_699);

        var (response, then) = await Get($"{riverside.Path}/statements/2024-25/6?pence=true&asAt={Uri.EscapeDataString(drawn)}", riverside.Auditor);
        response.StatusCode.Should().Be(HttpStatusCode.OK, then);
        var reproduced = JsonDocument.Parse(then).RootElement;
        reproduced.GetProperty("rows").ToString().Should().Be(JsonDocument.Parse(before).RootElement.GetProperty("rows").ToString());
        reproduced.GetProperty("summary").ToString().Should().Be(JsonDocument.Parse(before).RootElement.GetProperty("summary").ToString());
    }

    [Fact]
    public async Task An_unchanged_statement_answers_304_to_its_etag_and_a_posting_changes_it()
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var path = $"{riverside.Path}/statements/2024-25/6";
        var (first, _) = await Get(path, riverside.Auditor);
        var etag = first.Headers.ETag!.ToString();
        var (again, body) = await Get(path, riverside.Auditor, ifNoneMatch: etag);
        again.StatusCode.Should().Be(HttpStatusCode.NotModified);
        body.Should().BeEmpty();

        await riverside.PostAsync(RiversideThroughApi.Lead(riverside.Trust), new { kind = "actual", line = "frailty-service", month = 6, amount = "10" });
        var (changed, _) = await Get(path, riverside.Auditor, ifNoneMatch: etag);
        changed.StatusCode.Should().Be(HttpStatusCode.OK);
        changed.Headers.ETag!.ToString().Should().NotBe(etag);
    }

    [Fact]
    public async Task Csv_and_excel_are_chosen_by_accept_or_format()
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var path = $"{riverside.Path}/statements/2024-25/6";
        var (csv, csvBody) = await Get(path, riverside.PartnerViewer, accept: "text/csv");
        csv.StatusCode.Should().Be(HttpStatusCode.OK);
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        csvBody.Should().Contain("Balance Remaining").And.Contain("Programme Manager");
        csvBody.IndexOf("Balance Remaining", StringComparison.Ordinal).Should().BeLessThan(csvBody.IndexOf("Funding Source", StringComparison.Ordinal), "the summary block is above the detail");

        var (byQuery, queryBody) = await Get($"{path}?format=csv", riverside.PartnerViewer);
        byQuery.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        queryBody.Should().Be(csvBody.Replace(ExtractAsAt(csvBody), ExtractAsAt(queryBody), StringComparison.Ordinal));

        var (xlsx, _) = await Get(path, riverside.PartnerViewer, accept: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        xlsx.StatusCode.Should().Be(HttpStatusCode.OK);
        var bytes = await xlsx.Content.ReadAsByteArrayAsync();
        bytes.Should().NotBeEmpty();
        bytes.Take(2).Should().Equal((byte)'P', (byte)'K');
        xlsx.Content.Headers.ContentDisposition!.FileName.Should().Contain("m06");
    }

    private static string ExtractAsAt(string csv) => csv.Split('\n').First(l => l.StartsWith("As at", StringComparison.Ordinal) || l.Contains("As at", StringComparison.Ordinal));

    [Theory]
    [InlineData("statements/2024-25/13", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/0", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/x", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024/6", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2023-24/6", "", HttpStatusCode.NotFound)]
    [InlineData("statements/2024-25/6?format=pdf", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/6", "application/pdf", HttpStatusCode.NotAcceptable)]
    [InlineData("statements/2024-25/6?asAt=yesterday", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/6?asAt=2099-01-01T00:00:00Z", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/6?knownAt=yesterday", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/6?knownAt=2099-01-01T00:00:00Z", "", HttpStatusCode.BadRequest)]
    [InlineData("positions/2024-25/6?knownAt=2024-13-01T00:00:00Z", "", HttpStatusCode.BadRequest)]
    [InlineData("statements/2024-25/6?pence=maybe", "", HttpStatusCode.BadRequest)]
    [InlineData("positions/2024-25/13", "", HttpStatusCode.BadRequest)]
    [InlineData("positions/2024-25/6?asAt=2099-01-01T00:00:00Z", "", HttpStatusCode.BadRequest)]
    public async Task Bad_requests_get_problems(string path, string accept, HttpStatusCode status)
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var (response, body) = await Get($"{riverside.Path}/{path}", riverside.Auditor, accept: accept.Length == 0 ? null : accept);
        response.StatusCode.Should().Be(status, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
    }

    [Fact]
    public async Task Partners_outside_the_pool_get_404_as_for_a_pool_that_does_not_exist()
    {
        var riverside = await RiversideThroughApi.CreateAsync(App);
        var stranger = TestApp.Token("stranger", ["elsewhere-council"], Role.PartnerViewer);
        var (outside, body) = await Get($"{riverside.Path}/statements/2024-25/6", stranger);
        var (missing, missingBody) = await Get($"api/pools/no-such-{riverside.Suffix}/statements/2024-25/6", stranger);
        outside.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonDocument.Parse(body).RootElement.GetProperty("title").GetString().Should().Be(JsonDocument.Parse(missingBody).RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_position_shares_a_projected_overspend_in_proportion_to_revenue_contributions_to_the_penny()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var council = $"council-{suffix}";
        var icb = $"icb-{suffix}";
        var manager = TestApp.Token($"manager-{suffix}", [council], Role.PoolManager);
        var lead = TestApp.Token($"lead-{suffix}", [council], Role.FinanceLead);
        var path = $"api/pools/bcf-{suffix}";
        async Task Put(string p, object body)
        {
            using var r = await App.SendAsync(HttpMethod.Put, p, manager, JsonContent.Create(body));
            r.IsSuccessStatusCode.Should().BeTrue(await r.Content.ReadAsStringAsync());
        }
        await App.RegisterOrganisationsAsync(council, icb);
        await Put(path, new { name = "BCF", hostOrganisation = council, financialYear = "2024/25", partnerOrganisations = new[] { icb } });
        await Put($"{path}/streams/bcf", new { kind = "bcfNhsMinimumContribution", name = "BCF", nature = "revenue", funder = icb });
        await Put($"{path}/streams/ibcf", new { kind = "improvedBetterCareFund", name = "iBCF", nature = "revenue", funder = council });
        await Put($"{path}/agreement", new
        {
            contributions = new[] { new { partner = icb, stream = "bcf", annualAmount = "12500000" }, new { partner = council, stream = "ibcf", annualAmount = "6000000" } },
            riskShare = new { rule = "proportionalToContributions", includeCapital = false },
            underspend = "returnInProportion",
        });
        await Put($"{path}/lines/care", new { fundingSource = "bcf", title = "Care", host = council });
        await Put($"{path}/lines/reablement", new { fundingSource = "ibcf", title = "Reablement", host = council });
        using (var budget = await App.PostAsync($"{path}/postings", manager, JsonContent.Create(new
        {
            entries = new object[]
            {
                new { kind = "contribution", stream = "bcf", partner = icb, month = 1, amount = "12500000" },
                new { kind = "allocation", stream = "bcf", month = 1, amount = "12500000" },
                new { kind = "contribution", stream = "ibcf", partner = council, month = 1, amount = "6000000" },
                new { kind = "allocation", stream = "ibcf", month = 1, amount = "6000000" },
                new { kind = "commitment", line = "care", month = 1, amount = "12500000" },
                new { kind = "commitment", line = "reablement", month = 1, amount = "6000000" },
            },
        })))
        {
            budget.StatusCode.Should().Be(HttpStatusCode.Created, await budget.Content.ReadAsStringAsync());
        }
        using (var forecast = await App.PostAsync($"{path}/entries", lead, JsonContent.Create(new { kind = "forecastOutturn", line = "care", month = 5, amount = "12900000" })))
        {
            forecast.StatusCode.Should().Be(HttpStatusCode.Created, await forecast.Content.ReadAsStringAsync());
        }

        var (response, body) = await Get($"{path}/positions/2024-25/5?pence=true", TestApp.Token($"viewer-{suffix}", [icb], Role.PartnerViewer));
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var position = JsonDocument.Parse(body).RootElement;
        position.GetProperty("projectedOverspend").GetProperty("pence").GetInt64().Should().Be(40_000_000);
        var shares = position.GetProperty("partners").EnumerateArray().ToDictionary(p => p.GetProperty("partner").GetString()!, p => p.GetProperty("shareOfOverspend"));
        shares[icb].GetProperty("pounds").GetString().Should().Be("270,270.27");
        shares[council].GetProperty("pounds").GetString().Should().Be("129,729.73");

        var (summary, summaryBody) = await Get($"api/organisations/{icb}/pools?month=5", TestApp.Token($"viewer-{suffix}", [icb], Role.PartnerViewer));
        summary.StatusCode.Should().Be(HttpStatusCode.OK, summaryBody);
        var row = JsonDocument.Parse(summaryBody).RootElement.GetProperty("pools").EnumerateArray().Single();
        row.GetProperty("role").GetString().Should().Be("partner");
        row.GetProperty("organisationShareOfOverspend").GetProperty("pence").GetInt64().Should().Be(27_027_027);
        var (foreign, _) = await Get($"api/organisations/{council}/pools", TestApp.Token($"viewer-{suffix}", [icb], Role.PartnerViewer));
        foreign.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }
}
