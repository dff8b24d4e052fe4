using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks.Posting;

/// <summary>
/// The partnership the benchmark posts into, set up through the API as a pool manager would: a council hosting every
/// line, an ICB funding one place allocation, and per pool the same lines, each with a commitment (its budget).
/// </summary>
internal sealed class BenchPools(ApiClient administrator, ApiClient manager)
{
    public const string Council = "bench-council";
    public const string Icb = "bench-icb";
    public const string Manager = "bench-manager";
    public const string Stream = "place";
    public const string FinancialYear = "2024/25";

    /// <summary>Each line's budget: far above the actuals any run posts to it.</summary>
    public const long CommitmentPence = 100_000_00;

    /// <summary>Commitments per set-up posting: distinct lines, so each needs its own balance row; well inside one transaction.</summary>
    public const int CommitmentsPerPosting = 20;

    public static string LineId(int index) => $"line-{index + 1:D3}";

    public async Task CreateOrganisationsAsync(CancellationToken cancellationToken)
    {
        await administrator.PutAsync($"api/organisations/{Council}", new { name = "Bench Council", kind = "Council" }, cancellationToken);
        await administrator.PutAsync($"api/organisations/{Icb}", new { name = "Bench ICB", kind = "IntegratedCareBoard" }, cancellationToken);
    }

    /// <summary>Creates <paramref name="pool"/> with <paramref name="lines"/> lines and commits a budget to each.</summary>
    public async Task CreatePoolAsync(string pool, int lines, CancellationToken cancellationToken)
    {
        await manager.PutAsync($"api/pools/{pool}", new
        {
            name = $"Bench pool {pool}",
            hostOrganisation = Council,
            financialYear = FinancialYear,
            partnerOrganisations = new[] { Icb },
            poolManagers = new[] { Manager },
        }, cancellationToken);
        await manager.PutAsync($"api/pools/{pool}/streams/{Stream}", new
        {
            kind = "PlaceAllocation",
            name = "Place allocation",
            nature = "Revenue",
            funder = Icb,
        }, cancellationToken);
        await manager.PutAsync($"api/pools/{pool}/agreement", new
        {
            contributions = new[] { new { partner = Icb, stream = Stream, annualAmount = LedgerApi.Pounds(lines * CommitmentPence) } },
            riskShare = new { rule = "ProportionalToContributions", includeCapital = false },
            underspend = "CarryForward",
        }, cancellationToken);
        for (var i = 0; i < lines; i++)
        {
            await manager.PutAsync($"api/pools/{pool}/lines/{LineId(i)}", new
            {
                fundingSource = Stream,
                title = $"Scheme {i + 1}",
                host = Council,
            }, cancellationToken);
        }
        foreach (var chunk in Enumerable.Range(0, lines).Chunk(CommitmentsPerPosting))
        {
            var commitments = chunk.Select(i => new EntryBody("commitment", LineId(i), 1, LedgerApi.Pounds(CommitmentPence))).ToList();
            await LedgerApi.PostAsync(manager, pool, commitments, cancellationToken);
        }
    }
}
