using System.Globalization;
using System.Text.Json;
using Finance.Benchmarks.Harness;

namespace Finance.Benchmarks.Posting;

/// <summary>One journal entry as the postings API takes it. Amounts are decimal text in pounds ("123.45").</summary>
internal sealed record EntryBody(
    string Kind, string Line, int Month, string Amount, string? Reference = null, string? Memo = null, string? EffectiveAt = null);

internal sealed record PostingBody(IReadOnlyList<EntryBody> Entries);

/// <summary>The ledger's HTTP API as the benchmark calls it: the routes, and what a successful answer must hold.</summary>
internal static class LedgerApi
{
    public static string Pounds(long pence) =>
        string.Create(CultureInfo.InvariantCulture, $"{pence / 100}.{pence % 100:D2}");

    /// <summary>Posts one batch as one atomic posting; 201 with every entry back, or the run stops.</summary>
    public static async Task PostAsync(ApiClient client, string pool, IReadOnlyList<EntryBody> entries, CancellationToken cancellationToken)
    {
        var path = $"api/pools/{pool}/postings";
        var answer = await client.SendJsonAsync(HttpMethod.Post, path, new PostingBody(entries), cancellationToken);
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

    /// <summary>The import's status ("applying", "applied", "failed") and its row counts.</summary>
    public static (string Status, long RowsTotal, long RowsApplied) ImportState(ApiAnswer answer)
    {
        var json = answer.Json();
        return (
            json.TryGetProperty("status", out var status) ? status.GetString() ?? "" : "",
            json.TryGetProperty("rowsTotal", out var total) && total.ValueKind == JsonValueKind.Number ? total.GetInt64() : -1,
            json.TryGetProperty("rowsApplied", out var applied) && applied.ValueKind == JsonValueKind.Number ? applied.GetInt64() : -1);
    }
}
