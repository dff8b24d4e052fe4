using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// Posting against the packaged app, as the Functions host forwards requests: the demo seeding through the API, and a
/// CSV import whose instance is killed part-way and which another instance of the app finishes exactly once.
/// </summary>
public sealed class PostingTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private static async Task<JsonElement> Expect(Task<HttpResponseMessage> send, HttpStatusCode status)
    {
        using var response = await send;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static HttpRequestMessage Post(string path, HttpContent content, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private static async Task<List<JsonElement>> JournalAsync(HttpClient client, string pool, string query)
    {
        var all = new List<JsonElement>();
        string? token = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>(
                $"api/pools/{pool}/entries?pageSize=1000&{query}{(token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token))}");
            all.AddRange(page.GetProperty("entries").EnumerateArray());
            token = page.GetProperty("continuationToken").GetString();
        }
        while (token is not null);
        return all;
    }

    [Fact]
    public async Task The_demo_seeds_two_pools_with_months_posted_and_seeding_again_posts_nothing_twice()
    {
        var url = fixture.Client.BaseAddress!.ToString();
        for (var run = 1; run <= 2; run++)
        {
            var (exit, output, error) = await DevTokens.RunAsync("Development", ["seed-demo", url, LocalApp.FunctionKey], new Dictionary<string, string>());
            exit.Should().Be(0, $"run {run}: {output}\n{error}");
        }
        var auditor = await fixture.ClientForAsync("e2e-auditor", [], "Auditor");

        var place = await JournalAsync(auditor, "riverside-place", "");
        place.Should().HaveCount(19, "7 budget entries, 6 for the programme manager, 4 for frailty, 2 for leadership, each once");
        var programmeManager = await JournalAsync(auditor, "riverside-place", "line=programme-manager&kind=actual");
        programmeManager.Sum(e => e.GetProperty("amountPence").GetInt64()).Should().Be(1_600_000, "months 3 to 6 at £4,000, as in the worked example");
        place.Select(e => e.GetProperty("author").GetString()).Distinct().Should().BeEquivalentTo("priya", "alice", "cara", "hamid");

        var bcf = await JournalAsync(auditor, "riverside-bcf", "kind=actual");
        bcf.Select(e => e.GetProperty("month").GetInt32()).Distinct().Order().Should().Equal(1, 2, 3, 4);
        var setup = await auditor.GetFromJsonAsync<JsonElement>("api/pools/riverside-bcf/setup");
        setup.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("id").GetString()).Should().BeEquivalentTo("bcf-nhs", "ibcf", "dfg");

        // The demo's entries are dated as the worked example's: its month 6 statement as at 12 October 2024 (as the
        // README shows it) has the figures of the statement as it stands, and as at 30 September it has not month 6's.
        var now = await auditor.GetFromJsonAsync<JsonElement>("api/pools/riverside-place/statements/2024-25/6?pence=true");
        var paper = await auditor.GetFromJsonAsync<JsonElement>("api/pools/riverside-place/statements/2024-25/6?pence=true&asAt=2024-10-12T09:00:00Z");
        paper.GetProperty("totals").GetRawText().Should().Be(now.GetProperty("totals").GetRawText());
        var before = await auditor.GetFromJsonAsync<JsonElement>("api/pools/riverside-place/statements/2024-25/6?pence=true&asAt=2024-09-30T12:00:00Z");
        before.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64()
            .Should().BeLessThan(now.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64());
    }

    [Fact]
    public async Task A_csv_import_killed_part_way_is_finished_by_the_next_process_exactly_once()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var pool = $"crash-{suffix}";
        var admin = await fixture.AdministratorAsync();
        var manager = await fixture.ClientForAsync($"manager-{suffix}", [$"council-{suffix}"], "PoolManager");
        var lead = await fixture.ClientForAsync($"lead-{suffix}", [$"council-{suffix}"], "FinanceLead");
        await fixture.RegisterOrganisationsAsync($"council-{suffix}");
        await Expect(admin.PutAsJsonAsync($"api/directory/principals/manager-{suffix}",
            new { organisations = new[] { $"council-{suffix}" }, roles = Array.Empty<string>() }), HttpStatusCode.OK);
        await Expect(admin.PutAsJsonAsync($"api/pools/{pool}", new
        {
            name = "Crash pool", hostOrganisation = $"council-{suffix}", financialYear = "2024/25", poolManagers = new[] { $"manager-{suffix}" },
        }), HttpStatusCode.Created);
        await Expect(manager.PutAsJsonAsync($"api/pools/{pool}/streams/place", new { kind = "placeAllocation", name = "Place", nature = "revenue" }), HttpStatusCode.OK);
        const int lines = 40;
        for (var i = 0; i < lines; i++)
        {
            await Expect(manager.PutAsJsonAsync($"api/pools/{pool}/lines/line-{i:000}", new { fundingSource = "place", title = $"Line {i}", host = $"council-{suffix}" }), HttpStatusCode.Created);
        }
        const int rows = 3000;
        var csv = new StringBuilder("pool,line,month,amount,reference,memo\n");
        for (var i = 1; i <= rows; i++)
        {
            csv.Append(pool).Append(",line-").Append((i % lines).ToString("000", System.Globalization.CultureInfo.InvariantCulture))
                .Append(",7,").Append(i).Append(".25,INV-").Append(i).Append(",row ").Append(i).Append('\n');
        }

        // Another instance of the app, with a short lease, so the fixture's instance may take the import over soon after
        // this one's worker process is killed (as a crash or a scale-in would stop it).
        string importId;
        await using (var first = await AppFixture.StartAsync(fixture.Azurite.ConnectionString, new Dictionary<string, string?> { ["Imports__LeaseSeconds"] = "2" }))
        {
            using var client = first.NewClient();
            client.DefaultRequestHeaders.Authorization = lead.DefaultRequestHeaders.Authorization;
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
            content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            var accepted = await Expect(client.SendAsync(Post($"api/pools/{pool}/imports", content, $"crash-{suffix}")), HttpStatusCode.Accepted);
            importId = accepted.GetProperty("importId").GetString()!;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await client.GetFromJsonAsync<JsonElement>($"api/pools/{pool}/entries?pageSize=1&source=csv:{importId}")).GetProperty("entries").GetArrayLength() == 0
                   && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            await first.Host.KillWorkerAsync();
        }
        var posted = (await JournalAsync(lead, pool, $"source=csv:{importId}")).Count;
        posted.Should().BeGreaterThan(0).And.BeLessThan(rows, "the kill stopped the import part-way");

        // The fixture's instance (already running) takes it over once the lease runs out, when the import is read.
        var done = default(JsonElement);
        var until = DateTime.UtcNow.AddSeconds(180);
        do
        {
            await Task.Delay(250);
            done = await lead.GetFromJsonAsync<JsonElement>($"api/pools/{pool}/imports/{importId}");
        }
        while (done.GetProperty("status").GetString() == "applying" && DateTime.UtcNow < until);
        done.GetProperty("status").GetString().Should().Be("applied", done.ToString());
        done.GetProperty("rowsApplied").GetInt32().Should().Be(rows);

        var entries = await JournalAsync(lead, pool, $"source=csv:{importId}");
        entries.Should().HaveCount(rows, "no row lost, none posted twice");
        entries.Select(e => e.GetProperty("reference").GetString()).Should().OnlyHaveUniqueItems();
        entries.Sum(e => e.GetProperty("amountPence").GetInt64()).Should().Be(Enumerable.Range(1, rows).Sum(i => (i * 100L) + 25));
        entries.Select(e => e.GetProperty("seq").GetInt64()).Order().Should().Equal(Enumerable.Range(1, rows).Select(i => (long)i));
    }
}
