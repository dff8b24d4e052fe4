using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Finance.Domain.Principals;
using Finance.Functions.Access;
using Microsoft.Extensions.Configuration;

namespace Finance.DevTools;

/// <summary>
/// Seeds a small demo through the app's own HTTP API, so the demo exercises exactly what a client would and stays true
/// as the API grows. Idempotent: seeding twice leaves the same data. Signs in with a development Administrator token,
/// so it runs only where development tokens are minted (the Development environment with the development issuer).
/// </summary>
public static class DemoData
{
    public const string Seeder = "demo-seeder";

    /// <summary>The demo's people: the directory gives them their organisations and roles, so a token naming just the
    /// user (<c>mint-token --user alice</c>) is enough.</summary>
    public static IReadOnlyList<(string User, string[] Organisations, Role[] Roles)> People { get; } =
    [
        ("ada", [], [Role.Administrator]),
        ("priya", ["riverside-council"], [Role.PoolManager]),
        ("alice", ["riverside-council"], [Role.FinanceLead]),
        ("hamid", ["riverside-hospital"], [Role.FinanceLead]),
        ("cara", ["riverside-community-trust"], [Role.FinanceLead]),
        ("pat", ["riverside-icb"], [Role.PartnerViewer]),
        ("audrey", [], [Role.Auditor]),
    ];

    public static async Task<int> SeedAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        if (DevelopmentTokens.AudienceForMinting(configuration, DevelopmentTokens.CurrentEnvironmentName(), out var refusal) is not { } audience)
        {
            await Console.Error.WriteLineAsync($"Cannot seed the demo: {refusal}");
            return 1;
        }
        var token = DevelopmentTokens.Mint(audience, Seeder, [], [Role.Administrator], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10));
        var baseAddress = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:7071/");
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // The host wants a function key on every function but health, as in Azure.
        if (args.Length > 1)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", args[1]);
        }

        foreach (var (user, organisations, roles) in People)
        {
            if (!await Put(http, $"api/directory/principals/{user}", new { organisations, roles = roles.Select(r => r.ToString()) }, $"{user}'s memberships"))
            {
                return 1;
            }
        }
        var seeder = new PoolSeeder(http, audience);
        return await seeder.SeedPoolsAsync() ? 0 : 1;
    }

    private static async Task<bool> Put(HttpClient http, string path, object body, string what)
    {
        using var response = await http.PutAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"Seeding {what} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return false;
        }
        Console.WriteLine($"Seeded {what}");
        return true;
    }

    /// <summary>
    /// The two demo pools: Riverside Place, the place budget of DOMAIN.md's worked example (months 1 to 6 of 2024/25
    /// posted, so its month 6 statement is the example's), and the Riverside Better Care Fund, a section 75 pool with
    /// BCF, iBCF and DFG streams and a few months of actuals. Each posting has a fixed Idempotency-Key, so seeding again
    /// posts nothing twice.
    /// </summary>
    private sealed class PoolSeeder(HttpClient admin, string audience)
    {
        private const string Year = "2024/25";
        private static readonly string[] Managers = ["priya"];
        private static readonly string[] PlacePartners = ["riverside-icb", "riverside-hospital", "riverside-community-trust"];
        private static readonly string[] BcfPartners = ["riverside-icb"];

        public async Task<bool> SeedPoolsAsync()
        {
            string[][] organisations =
            [
                ["riverside-council", "Riverside Council", "council", "RC"],
                ["riverside-icb", "Riverside Integrated Care Board", "integratedCareBoard", "ICB"],
                ["riverside-hospital", "Riverside Hospital", "nhsTrust", "RH"],
                ["riverside-community-trust", "Riverside Community Trust", "nhsTrust", "RCT"],
            ];
            foreach (var o in organisations)
            {
                if (!await Put(admin, $"api/organisations/{o[0]}", new { name = o[1], kind = o[2], shortName = o[3] }, $"organisation {o[0]}"))
                {
                    return false;
                }
            }
            return await PlaceAsync() && await BetterCareFundAsync();
        }

        private async Task<bool> PlaceAsync()
        {
            const string pool = "riverside-place";
            var ok = await Put(admin, $"api/pools/{pool}", new
            {
                name = "Riverside Place", hostOrganisation = "riverside-council", financialYear = Year,
                partnerOrganisations = PlacePartners, poolManagers = Managers,
            }, $"pool {pool}")
                && await Stream(pool, "place", "placeAllocation", "Place-based allocation", "revenue", "riverside-icb")
                && await Stream(pool, "carried-forward", "carriedForwardBalance", "2023/24 balance carried forward", "revenue", null)
                && await Stream(pool, "leadership", "additionalNhsContribution", "Leadership funding", "revenue", "riverside-hospital")
                && await Put(admin, $"api/pools/{pool}/agreement", new
                {
                    contributions = new[]
                    {
                        new { partner = "riverside-icb", stream = "place", annualAmount = "300000" },
                        new { partner = "riverside-hospital", stream = "leadership", annualAmount = "9000" },
                    },
                    riskShare = new { rule = "proportionalToContributions", includeCapital = false },
                    underspend = "carryForward",
                }, $"{pool} agreement")
                && await Line(pool, "programme-manager", "place", "Programme Manager", "riverside-council", 1)
                && await Line(pool, "frailty-service", "place", "Frailty Service", "riverside-community-trust", 1)
                && await Line(pool, "leadership-alliance", "leadership", "Leadership – Alliance", "riverside-hospital", 1)
                && await Line(pool, "data-analyst", "place", "Data Analyst (starts M7)", "riverside-council", 7);
            return ok
                && await Post(pool, "priya", "budget",
                    Entry("allocation", stream: "place", month: 1, amount: "300000"),
                    Entry("carryForwardIn", stream: "carried-forward", month: 1, amount: "24000"),
                    Entry("allocation", stream: "leadership", month: 1, amount: "9000"),
                    Entry("commitment", line: "programme-manager", month: 1, amount: "48000"),
                    Entry("commitment", line: "frailty-service", month: 1, amount: "180000"),
                    Entry("commitment", line: "leadership-alliance", month: 1, amount: "3000"),
                    Entry("commitment", line: "data-analyst", month: 1, amount: "36000"))
                && await Post(pool, "alice", "programme-manager",
                    Entry("priorYearInvoice", line: "programme-manager", month: 1, amount: "4000", reference: "2023/24 M12 invoice"),
                    Entry("actual", line: "programme-manager", month: 3, amount: "4000"),
                    Entry("actual", line: "programme-manager", month: 4, amount: "4000"),
                    Entry("actual", line: "programme-manager", month: 5, amount: "4000"),
                    Entry("actual", line: "programme-manager", month: 6, amount: "4000"),
                    Entry("accrual", line: "programme-manager", month: 6, amount: "4000", memo: "September not yet invoiced"))
                && await Post(pool, "cara", "frailty-service",
                    Entry("actual", line: "frailty-service", month: 4, amount: "15000"),
                    Entry("actual", line: "frailty-service", month: 5, amount: "15000"),
                    Entry("accrual", line: "frailty-service", month: 6, amount: "15000"),
                    Entry("forecastOutturn", line: "frailty-service", month: 6, amount: "150000", memo: "Slow start to recruitment"))
                && await Post(pool, "hamid", "leadership",
                    Entry("actual", line: "leadership-alliance", month: 2, amount: "500"),
                    Entry("actual", line: "leadership-alliance", month: 5, amount: "1200"));
        }

        private async Task<bool> BetterCareFundAsync()
        {
            const string pool = "riverside-bcf";
            var ok = await Put(admin, $"api/pools/{pool}", new
            {
                name = "Riverside Better Care Fund", hostOrganisation = "riverside-council", financialYear = Year,
                partnerOrganisations = BcfPartners, poolManagers = Managers,
            }, $"pool {pool}")
                && await Stream(pool, "bcf-nhs", "bcfNhsMinimumContribution", "BCF NHS minimum contribution", "revenue", "riverside-icb")
                && await Stream(pool, "ibcf", "improvedBetterCareFund", "Improved Better Care Fund", "revenue", "riverside-council")
                && await Stream(pool, "dfg", "disabledFacilitiesGrant", "Disabled Facilities Grant", "capital", "riverside-council")
                && await Put(admin, $"api/pools/{pool}/agreement", new
                {
                    contributions = new[]
                    {
                        new { partner = "riverside-icb", stream = "bcf-nhs", annualAmount = "12500000" },
                        new { partner = "riverside-council", stream = "ibcf", annualAmount = "6000000" },
                        new { partner = "riverside-council", stream = "dfg", annualAmount = "1500000" },
                    },
                    riskShare = new { rule = "proportionalToContributions", includeCapital = false },
                    underspend = "returnInProportion",
                }, $"{pool} agreement")
                && await Line(pool, "intermediate-care", "bcf-nhs", "Intermediate care", "riverside-council", 1)
                && await Line(pool, "reablement", "ibcf", "Reablement", "riverside-council", 1)
                && await Line(pool, "discharge-to-assess", "bcf-nhs", "Discharge to assess", "riverside-icb", 1)
                && await Line(pool, "dfg-adaptations", "dfg", "Home adaptations (DFG)", "riverside-council", 1);
            var budget = new[]
            {
                Entry("contribution", stream: "bcf-nhs", partner: "riverside-icb", month: 1, amount: "12500000"),
                Entry("allocation", stream: "bcf-nhs", month: 1, amount: "12500000"),
                Entry("contribution", stream: "ibcf", partner: "riverside-council", month: 1, amount: "6000000"),
                Entry("allocation", stream: "ibcf", month: 1, amount: "6000000"),
                Entry("contribution", stream: "dfg", partner: "riverside-council", month: 1, amount: "1500000"),
                Entry("allocation", stream: "dfg", month: 1, amount: "1500000"),
                Entry("commitment", line: "intermediate-care", month: 1, amount: "8400000"),
                Entry("commitment", line: "reablement", month: 1, amount: "6000000"),
                Entry("commitment", line: "discharge-to-assess", month: 1, amount: "4100000"),
                Entry("commitment", line: "dfg-adaptations", month: 1, amount: "1500000"),
            };
            var council = Enumerable.Range(1, 4).SelectMany(m => new[]
            {
                Entry("actual", line: "intermediate-care", month: m, amount: $"{700000 + (m * 12500)}"),
                Entry("actual", line: "reablement", month: m, amount: $"{480000 + (m * 7250)}"),
                Entry("actual", line: "dfg-adaptations", month: m, amount: $"{95000 + (m * 4100)}.50"),
            }).ToArray();
            return ok
                && await Post(pool, "priya", "budget", budget)
                && await Post(pool, "alice", "months-1-4", council)
                && await Post(pool, "alice", "forecast",
                    Entry("forecastOutturn", line: "intermediate-care", month: 4, amount: "8650000", memo: "Winter demand"),
                    Entry("accrual", line: "reablement", month: 4, amount: "41000"));
        }

        private Task<bool> Stream(string pool, string id, string kind, string name, string nature, string? funder) =>
            Put(admin, $"api/pools/{pool}/streams/{id}", new { kind, name, nature, funder }, $"{pool} stream {id}");

        private Task<bool> Line(string pool, string id, string source, string title, string host, int startMonth) =>
            Put(admin, $"api/pools/{pool}/lines/{id}", new { fundingSource = source, title, host, startMonth }, $"{pool} line {id}");

        private static Dictionary<string, object> Entry(
            string kind, string? line = null, string? stream = null, string? partner = null, int month = 1, string? amount = null, string? reference = null, string? memo = null)
        {
            // Dated as the paper has them: the year's budgets on 3 April 2024, a month's figures on the 8th of the next
            // month, so a statement as at any day of 2024/25 shows what had happened by then.
            var budget = kind is "allocation" or "contribution" or "commitment" or "carryForwardIn";
            var effectiveAt = budget
                ? "2024-04-03T09:00:00Z"
                : new DateTimeOffset(2024, 4, 8, 9, 0, 0, TimeSpan.Zero).AddMonths(month).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            var entry = new Dictionary<string, object> { ["kind"] = kind, ["month"] = month, ["effectiveAt"] = effectiveAt };
            foreach (var (name, value) in new[] { ("line", line), ("stream", stream), ("partner", partner), ("amount", amount), ("reference", reference), ("memo", memo) })
            {
                if (value is not null)
                {
                    entry[name] = value;
                }
            }
            return entry;
        }

        /// <summary>Posts as a demo user (their organisations and roles come from the directory), under a fixed key.</summary>
        private async Task<bool> Post(string pool, string user, string name, params Dictionary<string, object>[] entries)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/pools/{pool}/postings") { Content = JsonContent.Create(new { entries }) };
            request.Headers.Authorization = new AuthenticationHeaderValue(
                "Bearer", DevelopmentTokens.Mint(audience, user, [], [], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10)));
            request.Headers.Add("Idempotency-Key", $"demo-{pool}-{name}");
            using var response = await admin.SendAsync(request);
            if (response.StatusCode == System.Net.HttpStatusCode.Conflict
                && (await response.Content.ReadAsStringAsync()).Contains("Idempotency-Key reused", StringComparison.Ordinal))
            {
                // Storage seeded by an earlier version of the demo (before its entries were dated): left as it is.
                Console.WriteLine($"Seeded {pool} postings '{name}' earlier, by an older demo; left as they are");
                return true;
            }
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"Seeding {pool} postings '{name}' as {user} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                return false;
            }
            Console.WriteLine($"Seeded {pool} postings '{name}' ({entries.Length} entries) as {user}");
            return true;
        }
    }
}
