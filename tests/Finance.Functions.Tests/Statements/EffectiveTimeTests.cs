using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Functions.Tests.Postings;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// Two times on every entry and every statement, through the API: a board paper re-keyed after the fact with the
/// dates things happened reproduces as at its drawing (effective time), and as known at the moment it was drawn it
/// stays exactly what the system showed then, whatever is posted later (recorded time).
/// </summary>
public sealed class EffectiveTimeTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private const string Drawn = "2024-12-12T09:00:00Z";

    private Finance.Functions.Tests.Access.TestApp App => fixture.App;

    /// <summary>Month 8 of 2024/25 re-keyed in 2026 with the dates of the paper: budgets in April, a commitment approved on 9 December.</summary>
    private async Task<PoolScenario> RekeyedAsync()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.ManagerToken, JsonContent.Create(new
        {
            entries = new object[]
            {
                new { kind = "allocation", stream = "place", month = 1, amount = "300000", effectiveAt = "2024-04-01T09:00:00+01:00" },
                new { kind = "commitment", line = "programme-manager", month = 1, amount = "48000", effectiveAt = "2024-04-02T09:00:00+01:00" },
                new { kind = "commitment", line = "frailty-service", month = 1, amount = "180000", effectiveAt = "2024-04-02T09:00:00+01:00" },
                new { kind = "commitment", line = "data-analyst", month = 9, amount = "36000", effectiveAt = "2024-12-09T14:00:00Z" },
            },
        })), HttpStatusCode.Created);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, JsonContent.Create(new
        {
            entries = new object[]
            {
                new { kind = "actual", line = "programme-manager", month = 8, amount = "4000", effectiveAt = "2024-12-05T10:00:00Z" },
                new { kind = "actual", line = "programme-manager", month = 8, amount = "999", effectiveAt = "2024-12-15T10:00:00Z" },
            },
        })), HttpStatusCode.Created);
        return pool;
    }

    private async Task<JsonElement> StatementAsync(PoolScenario pool, string query) =>
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/8?{query}", pool.Viewer), HttpStatusCode.OK);

    [Fact]
    public async Task A_statement_as_at_counts_what_had_happened_by_then_however_late_it_was_typed_in()
    {
        var pool = await RekeyedAsync();

        var paper = await StatementAsync(pool, $"asAt={Drawn}&pence=true");

        paper.GetProperty("asAt").GetString().Should().Be(Drawn);
        paper.TryGetProperty("note", out var note).Should().BeTrue();
        note.ValueKind.Should().Be(JsonValueKind.Null, "entries were in effect");
        var summary = paper.GetProperty("summary");
        summary.GetProperty("totalBudget").GetProperty("pence").GetInt64().Should().Be(30_000_000);
        summary.GetProperty("totalCommitted").GetProperty("pence").GetInt64().Should().Be(26_400_000, "the commitment approved on 9 December is in");
        paper.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64().Should().Be(400_000, "the actual of 15 December is not");

        var now = await StatementAsync(pool, "pence=true");
        now.GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64().Should().Be(499_900);
        now.GetProperty("knownAt").GetString().Should().Be(now.GetProperty("asAt").GetString(), "drawn now, it is as at and as known at now");

        var before = await StatementAsync(pool, "asAt=2024-03-31T12:00:00Z");
        before.GetProperty("note").GetString().Should().Be("nothing was in effect");
        before.GetProperty("totals").GetProperty("annualBudget").GetProperty("pence").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task A_statement_as_known_at_the_moment_it_was_drawn_is_what_the_system_showed_then()
    {
        var pool = await RekeyedAsync();
        var first = await StatementAsync(pool, $"asAt={Drawn}");
        var knownAt = first.GetProperty("knownAt").GetString()!;

        // Later, an accrual booked on 1 December is keyed in, and a set-up change is not involved.
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "accrual", line = "programme-manager", month = 8, amount = "1500", effectiveAt = "2024-12-01T12:00:00Z",
        })), HttpStatusCode.Created);

        var asItStandsNow = await StatementAsync(pool, $"asAt={Drawn}");
        asItStandsNow.GetProperty("totals").GetProperty("ytdAccruals").GetProperty("pence").GetInt64().Should().Be(150_000);
        var again = await StatementAsync(pool, $"asAt={Drawn}&knownAt={Uri.EscapeDataString(knownAt)}");
        again.GetProperty("knownAt").GetString().Should().Be(knownAt);
        foreach (var part in new[] { "summary", "rows", "totals", "headings", "asAt", "period" })
        {
            again.GetProperty(part).GetRawText().Should().Be(first.GetProperty(part).GetRawText(), $"the {part} are as they were shown");
        }

        using var csv = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/8?format=csv&asAt={Drawn}&knownAt={Uri.EscapeDataString(knownAt)}", pool.Viewer);
        (await csv.Content.ReadAsStringAsync()).Should().Contain("As at 2024-12-12 09:00, as known at ");
    }

    [Fact]
    public async Task The_journal_shows_both_times_and_filters_by_either()
    {
        var pool = await RekeyedAsync();

        var all = await pool.JournalAsync();
        all.Should().HaveCount(6);
        all.Select(e => e.GetProperty("effectiveAt").GetDateTimeOffset() <= e.GetProperty("postedAt").GetDateTimeOffset())
            .Should().OnlyContain(b => b, "an entry takes effect no later than it is recorded");
        var byThen = await pool.JournalAsync($"asAt={Drawn}");
        byThen.Select(e => e.GetProperty("amountPence").GetInt64()).Should().BeEquivalentTo([30_000_000L, 4_800_000, 18_000_000, 3_600_000, 400_000]);
        (await pool.JournalAsync("knownAt=2024-12-12T09:00:00Z")).Should().BeEmpty("nothing was recorded in 2024: it was keyed in later");
        var latest = all.Max(e => e.GetProperty("postedAt").GetDateTimeOffset());
        (await pool.JournalAsync($"knownAt={Uri.EscapeDataString(latest.ToString("O"))}")).Should().HaveCount(6);
    }

    [Theory]
    [InlineData("2099-01-01T00:00:00Z", "future")]
    [InlineData("2023-03-31T22:59:59Z", "before 2023/24 began")]
    [InlineData("12/12/2024", "an instant such as")]
    [InlineData("2024-12-12", "an instant such as")]
    public async Task An_effective_time_out_of_bounds_is_refused_naming_it_and_nothing_is_posted(string effectiveAt, string says)
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = await pool.JournalAsync();

        var single = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "actual", line = "programme-manager", month = 3, amount = "10", effectiveAt,
        })), HttpStatusCode.BadRequest);
        single.GetProperty("errors").GetProperty("effectiveAt")[0].GetString().Should().Contain(says);
        var batch = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, JsonContent.Create(new
        {
            entries = new object[]
            {
                new { kind = "actual", line = "programme-manager", month = 3, amount = "10" },
                new { kind = "actual", line = "programme-manager", month = 3, amount = "11", effectiveAt },
            },
        })), HttpStatusCode.BadRequest);
        batch.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Equal("entries[1].effectiveAt");

        (await pool.JournalAsync()).Should().HaveCount(before.Count);
    }

    [Fact]
    public async Task A_reversal_takes_effect_when_it_says_but_not_before_what_it_reverses()
    {
        var pool = await RekeyedAsync();
        var actual = (await pool.JournalAsync()).First(e => e.GetProperty("amountPence").GetInt64() == 400_000);
        var id = actual.GetProperty("id").GetString();

        var refused = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{id}/reversal", pool.CouncilLead, JsonContent.Create(new
        {
            reason = "Keyed twice", effectiveAt = "2024-12-01T00:00:00Z",
        })), HttpStatusCode.BadRequest);
        refused.GetProperty("errors").GetProperty("effectiveAt")[0].GetString().Should().Contain("before entry");

        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{id}/reversal", pool.CouncilLead, JsonContent.Create(new
        {
            reason = "Keyed twice", effectiveAt = "2024-12-20T00:00:00Z",
        })), HttpStatusCode.Created);
        (await StatementAsync(pool, $"asAt={Drawn}&pence=true")).GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64()
            .Should().Be(400_000, "as at the paper, the reversal had not happened");
        (await StatementAsync(pool, "pence=true")).GetProperty("totals").GetProperty("ytdActuals").GetProperty("pence").GetInt64()
            .Should().Be(99_900);
    }
}
