using System.Net.Http.Headers;
using Finance.Functions.Access;

namespace Finance.Functions.Demo;

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

        foreach (var (user, organisations, roles) in People)
        {
            if (!await Put(http, $"api/directory/principals/{user}", new { organisations, roles = roles.Select(r => r.ToString()) }, $"{user}'s memberships"))
            {
                return 1;
            }
        }
        var pools = new[]
        {
            ("riverside-place", new
            {
                name = "Riverside Place", hostOrganisation = "riverside-council", financialYear = "2024/25",
                partnerOrganisations = new[] { "riverside-icb", "riverside-hospital", "riverside-community-trust" }, poolManagers = new[] { "priya" },
            }),
            ("riverside-bcf", new
            {
                name = "Riverside Better Care Fund", hostOrganisation = "riverside-council", financialYear = "2024/25",
                partnerOrganisations = new[] { "riverside-icb" }, poolManagers = new[] { "priya" },
            }),
        };
        foreach (var (poolId, body) in pools)
        {
            if (!await Put(http, $"api/pools/{poolId}", body, $"pool {poolId}"))
            {
                return 1;
            }
        }
        return 0;
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
}
