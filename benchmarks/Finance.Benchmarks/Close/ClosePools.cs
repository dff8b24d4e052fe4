using System.Globalization;
using System.Text.Json;
using Finance.Benchmarks.Harness;
using Finance.Benchmarks.Posting;

namespace Finance.Benchmarks.Close;

/// <summary>A financial year as each place writes it: "2024/25" in a pool, "2024-25" in routes and ledger partitions.</summary>
internal sealed record BenchYear(int StartYear)
{
    public string Text => string.Create(CultureInfo.InvariantCulture, $"{StartYear}/{(StartYear + 1) % 100:00}");

    public string Route => Text.Replace('/', '-');

    /// <summary>The ledger partition of <paramref name="pool"/> in this year (PartitionKey of the Ledger table).</summary>
    public string Partition(string pool) => $"{pool}~{Route}";
}

/// <summary>Pools closed together (by one timer run, or one round of HTTP closes): the first <c>n</c> of the benchmark's pools.</summary>
internal sealed record CloseSet(BenchYear Year, IReadOnlyList<string> Pools)
{
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Pools.Count} pools");
}

/// <summary>One journal entry as the postings API takes it; allocations and contributions name a stream (and a partner).</summary>
internal sealed record LedgerEntryBody(string Kind, int Month, string Amount, string? Line = null, string? Stream = null, string? Partner = null, string? Reference = null);

/// <summary>
/// Pools set up through the API so that month end of the month closed (<see cref="CloseMonth"/>, month m) has nothing to
/// refuse: each auto-closes, commits a budget to every line, books the partner's contribution equal to the allocation
/// (and to the agreement), has months 1 to m − 1 closed (months close in order) and an actual for month m on every line
/// from a finance lead of the host. The lines start in month m, so the months before it need no submissions: their
/// closes find nothing, and the ledger holds the same entries whatever m is. The partnership is
/// <see cref="BenchPools"/>'s: the council hosts every line, the ICB funds the one place-allocation stream.
/// </summary>
internal sealed class ClosePools(ApiClient manager, ApiClient lead)
{
    /// <summary>Entries per set-up posting, each on a different line: 3n + 2 table operations, the most that fit in one
    /// transaction (see functions/Finance.Storage/Ledger/README.md).</summary>
    public const int EntriesPerPosting = 32;

    /// <summary>Ledger entries a pool of <paramref name="lines"/> lines holds once set up: a commitment per line, an
    /// allocation and a contribution, and an actual per line for the month closed.</summary>
    public static int EntriesPerPool(int lines) => 2 * lines + 2;

    /// <summary>Postings that set up a pool's ledger: commitments, then actuals, in postings of
    /// <see cref="EntriesPerPosting"/>, and one of the allocation and the contribution.</summary>
    public static int PostingsPerPool(int lines) => 2 * ((lines + EntriesPerPosting - 1) / EntriesPerPosting) + 1;

    /// <summary>Why the benchmark reopens a month it closed: recorded in the chain with the reopening.</summary>
    public const string ReopenReason = "Benchmark: reopened so that the same month of the same pool can be closed and timed again.";

    /// <summary>Creates <paramref name="pool"/> in <paramref name="month"/>'s year with <paramref name="lines"/> lines,
    /// closes the months before it and posts everything it needs to close.</summary>
    public async Task CreateAsync(string pool, CloseMonth month, int lines, CancellationToken cancellationToken)
    {
        var annualPence = lines * BenchPools.CommitmentPence;
        var year = month.Year;
        await MoveAsync(pool, year, cancellationToken);
        await manager.PutAsync($"api/pools/{pool}/streams/{BenchPools.Stream}", new
        {
            kind = "PlaceAllocation",
            name = "Place allocation",
            nature = "Revenue",
            funder = BenchPools.Icb,
        }, cancellationToken);
        await manager.PutAsync($"api/pools/{pool}/agreement", new
        {
            contributions = new[] { new { partner = BenchPools.Icb, stream = BenchPools.Stream, annualAmount = LedgerApi.Pounds(annualPence) } },
            riskShare = new { rule = "ProportionalToContributions", includeCapital = false },
            underspend = month.Underspend,
        }, cancellationToken);
        for (var i = 0; i < lines; i++)
        {
            await manager.PutAsync($"api/pools/{pool}/lines/{BenchPools.LineId(i)}", new
            {
                fundingSource = BenchPools.Stream,
                title = $"Scheme {i + 1}",
                host = BenchPools.Council,
                startMonth = month.Number,
            }, cancellationToken);
        }
        // The budget: committed per line, and allocated to the pool as the partner contributes it, so the lines' budgets
        // are within the pool's (line-budgets-exceed-pool) and allocations agree with contributions (both blocking).
        foreach (var chunk in Enumerable.Range(0, lines).Chunk(EntriesPerPosting))
        {
            await PostAsync(manager, pool, [.. chunk.Select(i => new LedgerEntryBody("commitment", 1, LedgerApi.Pounds(BenchPools.CommitmentPence), Line: BenchPools.LineId(i)))],
                cancellationToken);
        }
        await PostAsync(manager, pool,
        [
            new LedgerEntryBody("allocation", 1, LedgerApi.Pounds(annualPence), Stream: BenchPools.Stream),
            new LedgerEntryBody("contribution", 1, LedgerApi.Pounds(annualPence), Stream: BenchPools.Stream, Partner: BenchPools.Icb),
        ], cancellationToken);
        for (var earlier = 1; earlier < month.Number; earlier++)
        {
            await CloseAsync(manager, pool, year, earlier, cancellationToken);
        }
        await SubmitActualsAsync(pool, lines, month.Number, cancellationToken);
    }

    /// <summary>Creates <paramref name="pool"/> (auto-closing) or moves it to <paramref name="year"/>: a PUT of the pool keeps
    /// its streams, agreement and lines, and its ledger of each year stays in that year's partition. The timer takes only
    /// the pools whose year is due, so moving a pool to a year never due takes it out of month end.</summary>
    public Task MoveAsync(string pool, BenchYear year, CancellationToken cancellationToken) =>
        manager.PutAsync($"api/pools/{pool}", new
        {
            name = $"Bench close {pool}",
            hostOrganisation = BenchPools.Council,
            financialYear = year.Text,
            partnerOrganisations = new[] { BenchPools.Icb },
            poolManagers = new[] { BenchPools.Manager },
            autoClose = true,
        }, cancellationToken);

    /// <summary>Reopens a closed month as the pool manager, with <see cref="ReopenReason"/>; 201 with the reopening, or the run stops.</summary>
    public async Task ReopenAsync(string pool, BenchYear year, int month, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"api/pools/{pool}/closes/{year.Route}/{month}/reopen");
        var answer = await manager.ExpectAsync(HttpMethod.Post, path, new { reason = ReopenReason }, [201], cancellationToken);
        if (!answer.Json().TryGetProperty("kind", out var kind) || kind.GetString() != "reopen")
        {
            throw new ApiCallFailedException($"POST /{path} answered 201 but not with a reopening.", answer.Body);
        }
    }

    /// <summary>Closes <paramref name="month"/> of <paramref name="pool"/> through <c>POST /closes/{year}/{month}</c>
    /// (body <c>{}</c>): 201 with the close link of that month, or the run stops.</summary>
    public static async Task CloseAsync(ApiClient client, string pool, BenchYear year, int month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(year);
        var path = string.Create(CultureInfo.InvariantCulture, $"api/pools/{pool}/closes/{year.Route}/{month}");
        var link = (await client.ExpectAsync(HttpMethod.Post, path, new { }, [201], cancellationToken)).Json();
        if (!link.TryGetProperty("kind", out var kind) || kind.GetString() != "close"
            || !link.TryGetProperty("month", out var number) || number.ValueKind != JsonValueKind.Number || number.GetInt32() != month)
        {
            throw new ApiCallFailedException($"POST /{path} answered 201 but not with the close link of month {month}.", link.GetRawText());
        }
    }

    /// <summary>Runs month end for <paramref name="pool"/> through <c>POST /month-end?month=N</c>, as the timer would for
    /// it: 200 with the pool's outcome <c>closed</c>, or the run stops.</summary>
    public static async Task MonthEndAsync(ApiClient client, string pool, int month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var path = string.Create(CultureInfo.InvariantCulture, $"api/pools/{pool}/month-end?month={month}");
        var result = (await client.ExpectAsync(HttpMethod.Post, path, null, [200], cancellationToken)).Json();
        if (!result.TryGetProperty("outcome", out var outcome) || outcome.GetString() != "closed")
        {
            throw new ApiCallFailedException($"POST /{path} answered 200 but the pool's outcome is not closed.", result.GetRawText());
        }
    }

    /// <summary>An actual on every line for <paramref name="month"/>, as the council's finance lead, in postings of
    /// <see cref="EntriesPerPosting"/> on distinct lines: every line has its submission for the month.</summary>
    private async Task SubmitActualsAsync(string pool, int lines, int month, CancellationToken cancellationToken)
    {
        foreach (var chunk in Enumerable.Range(0, lines).Chunk(EntriesPerPosting))
        {
            await PostAsync(lead, pool, [.. chunk.Select(i => new LedgerEntryBody(
                "actual", month, LedgerApi.Pounds(100 + (month * 1_000 + i) * 7919L % 99_900), Line: BenchPools.LineId(i),
                Reference: string.Create(CultureInfo.InvariantCulture, $"INV-{pool}-M{month:D2}-{i:D3}")))], cancellationToken);
        }
    }

    /// <summary>The month's reconciliation findings as the pool manager sees them: whether any blocks, and the codes
    /// with their counts. A blocking finding stops the run with the findings printed: the close would be refused, and
    /// a refusal is not what this benchmark measures.</summary>
    public async Task<string> CheckNothingBlocksAsync(string pool, BenchYear year, int month, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"api/pools/{pool}/findings/{year.Route}/{month}");
        var answer = await manager.ExpectAsync(HttpMethod.Get, path, null, [200], cancellationToken);
        var json = answer.Json();
        var codes = json.TryGetProperty("findings", out var findings) && findings.ValueKind == JsonValueKind.Array
            ? findings.EnumerateArray()
                .Select(f => $"{(f.TryGetProperty("code", out var c) ? c.GetString() : "?")} ({(f.TryGetProperty("severity", out var s) ? s.GetString() : "?")})")
                .GroupBy(code => code, StringComparer.Ordinal)
                .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} ×{g.Count()}"))
                .ToList()
            : [];
        if (!json.TryGetProperty("blocking", out var blocking) || blocking.ValueKind != JsonValueKind.False)
        {
            throw new ApiCallFailedException($"GET /{path}: blocking findings stand after set-up, so month end would not close {pool}.", answer.Body);
        }
        return codes.Count == 0 ? "no findings" : string.Join(", ", codes);
    }

    /// <summary>Posts one batch; 201 listing every entry sent, or the run stops.</summary>
    public static async Task PostAsync(ApiClient client, string pool, IReadOnlyList<LedgerEntryBody> entries, CancellationToken cancellationToken)
    {
        var path = $"api/pools/{pool}/postings";
        var answer = await client.SendJsonAsync(HttpMethod.Post, path, new { entries }, cancellationToken);
        if (answer.Status != 201)
        {
            throw client.Unexpected(HttpMethod.Post, path, answer);
        }
        var accepted = answer.Json().TryGetProperty("entries", out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : -1;
        if (accepted != entries.Count)
        {
            throw new ApiCallFailedException($"POST /{path} posted {entries.Count} entries but the answer lists {accepted}.", answer.Body);
        }
    }
}
