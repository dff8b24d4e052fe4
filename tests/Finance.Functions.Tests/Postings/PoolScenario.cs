using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using FluentAssertions;

namespace Finance.Functions.Tests.Postings;

/// <summary>
/// A pool set up through the HTTP API, as a pool manager would: a council host, an ICB partner and a trust, a place
/// allocation stream, the agreement, lines hosted by each organisation, and budgets committed. Ids are unique per
/// scenario, so scenarios share one Azurite without meeting.
/// </summary>
public sealed class PoolScenario
{
    private PoolScenario(TestApp app, string suffix)
    {
        App = app;
        Suffix = suffix;
    }

    public TestApp App { get; }

    public string Suffix { get; }

    public string PoolId => $"pool-{Suffix}";

    public string Council => $"council-{Suffix}";

    public string Icb => $"icb-{Suffix}";

    public string Trust => $"trust-{Suffix}";

    public string Manager => $"manager-{Suffix}";

    public static readonly string[] CouncilLines = ["programme-manager", "data-analyst"];

    public static readonly string[] TrustLines = ["frailty-service"];

    public string ManagerToken => TestApp.Token(Manager, [Council], Role.PoolManager);

    public string CouncilLead => TestApp.Token($"council-lead-{Suffix}", [Council], Role.FinanceLead);

    public string TrustLead => TestApp.Token($"trust-lead-{Suffix}", [Trust], Role.FinanceLead);

    public string Viewer => TestApp.Token($"viewer-{Suffix}", [Icb], Role.PartnerViewer);

    public string Auditor => TestApp.Token($"auditor-{Suffix}", [], Role.Auditor);

    public string Path => $"api/pools/{PoolId}";

    public static async Task<PoolScenario> CreateAsync(TestApp app, bool commitBudgets = true)
    {
        var scenario = new PoolScenario(app, Guid.NewGuid().ToString("N")[..10]);
        await scenario.SetUpAsync(commitBudgets);
        return scenario;
    }

    private async Task SetUpAsync(bool commitBudgets)
    {
        foreach (var (id, name, kind) in new[] { (Council, "Riverside Council", "council"), (Icb, "Riverside ICB", "integratedCareBoard"), (Trust, "Riverside Community Trust", "nhsTrust") })
        {
            await Expect(App.SendAsync(HttpMethod.Put, $"api/organisations/{id}", ManagerToken, JsonContent.Create(new { name, kind })), HttpStatusCode.Created);
        }
        await Expect(App.SendAsync(HttpMethod.Put, Path, ManagerToken, JsonContent.Create(new
        {
            name = "Riverside Place", hostOrganisation = Council, financialYear = "2024/25", partnerOrganisations = new[] { Icb, Trust },
        })), HttpStatusCode.Created);
        await Expect(App.SendAsync(HttpMethod.Put, $"{Path}/streams/place", ManagerToken, JsonContent.Create(new
        {
            kind = "placeAllocation", name = "Place-based allocation", nature = "revenue", funder = Icb,
        })), HttpStatusCode.OK);
        await Expect(App.SendAsync(HttpMethod.Put, $"{Path}/agreement", ManagerToken, JsonContent.Create(new
        {
            contributions = new[] { new { partner = Icb, stream = "place", annualAmount = "300000" } },
            riskShare = new { rule = "proportionalToContributions", includeCapital = false },
            underspend = "carryForward",
        })), HttpStatusCode.OK);
        foreach (var line in CouncilLines)
        {
            await Expect(App.SendAsync(HttpMethod.Put, $"{Path}/lines/{line}", ManagerToken, JsonContent.Create(new { fundingSource = "place", title = line, host = Council })), HttpStatusCode.Created);
        }
        foreach (var line in TrustLines)
        {
            await Expect(App.SendAsync(HttpMethod.Put, $"{Path}/lines/{line}", ManagerToken, JsonContent.Create(new { fundingSource = "place", title = line, host = Trust })), HttpStatusCode.Created);
        }
        if (commitBudgets)
        {
            await Expect(App.PostAsync($"{Path}/postings", ManagerToken, JsonContent.Create(new
            {
                entries = new object[]
                {
                    new { kind = "allocation", stream = "place", month = 1, amount = "300000" },
                    new { kind = "commitment", line = "programme-manager", month = 1, amount = "48000" },
                    new { kind = "commitment", line = "data-analyst", month = 1, amount = "36000" },
                    new { kind = "commitment", line = "frailty-service", month = 1, amount = "180000" },
                },
            })), HttpStatusCode.Created);
        }
    }

    /// <summary>Every entry of the journal, newest first, read page by page.</summary>
    public async Task<List<JsonElement>> JournalAsync(string? query = null)
    {
        var entries = new List<JsonElement>();
        string? token = null;
        do
        {
            var url = $"{Path}/entries?pageSize=1000{(query is null ? "" : "&" + query)}{(token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token))}";
            using var response = await App.SendAsync(HttpMethod.Get, url, Auditor);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            entries.AddRange(page.GetProperty("entries").EnumerateArray());
            token = page.GetProperty("continuationToken").GetString();
        }
        while (token is not null);
        return entries;
    }

    public static async Task<JsonElement> Expect(Task<HttpResponseMessage> send, HttpStatusCode status)
    {
        using var response = await send;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
