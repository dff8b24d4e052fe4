namespace Finance.Functions.Demo;

/// <summary>
/// Seeds a small demo through the app's own HTTP API, so the demo exercises exactly what a client would and stays true
/// as the API grows. Idempotent: seeding twice leaves the same data.
/// </summary>
public static class DemoData
{
    public static async Task<int> SeedAsync(string[] args)
    {
        var baseAddress = new Uri(args.Length > 0 ? args[0] : "http://127.0.0.1:7071/");
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var pools = new[]
        {
            ("riverside-place", new { name = "Riverside Place", hostOrganisation = "Riverside Council", financialYear = "2024/25" }),
            ("riverside-bcf", new { name = "Riverside Better Care Fund", hostOrganisation = "Riverside Council", financialYear = "2024/25" }),
        };
        foreach (var (poolId, body) in pools)
        {
            using var response = await http.PutAsJsonAsync($"api/pools/{poolId}", body);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"Seeding {poolId} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                return 1;
            }
            Console.WriteLine($"Seeded pool {poolId}");
        }
        return 0;
    }
}
