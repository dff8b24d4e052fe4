using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using Finance.Storage;
using Finance.Storage.Ledger;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Postings;

public sealed class PostingAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Posting through the HTTP API: who may post what, idempotency, atomic batches, the period lock, the journal.</summary>
public sealed class PostingTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private TestApp App => fixture.App;

    private static JsonContent Json(object body) => JsonContent.Create(body);

    [Fact]
    public async Task A_finance_lead_posts_an_actual_and_the_journal_shows_who_when_and_from_where()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var posted = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, Json(new { kind = "actual", line = "programme-manager", month = 3, amount = "4,000.00", reference = "INV-1", memo = "March salary" })),
            HttpStatusCode.Created);

        var entry = posted.GetProperty("entries")[0];
        entry.GetProperty("kind").GetString().Should().Be("actual");
        entry.GetProperty("amountPence").GetInt64().Should().Be(400_000);
        entry.GetProperty("period").GetString().Should().Be("2024/25 M3");
        entry.GetProperty("author").GetString().Should().Be($"council-lead-{pool.Suffix}");
        entry.GetProperty("source").GetString().Should().Be("api");

        var journal = await pool.JournalAsync();
        journal[0].GetProperty("id").GetString().Should().Be(entry.GetProperty("id").GetString(), "newest first");
        journal[0].GetProperty("reference").GetString().Should().Be("INV-1");
        journal[0].GetProperty("postedAt").GetString().Should().NotBeNullOrEmpty();
        journal.Should().HaveCount(5, "the four set-up entries and the actual");

        var one = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries/{entry.GetProperty("id").GetString()}", pool.Viewer), HttpStatusCode.OK);
        one.GetProperty("memo").GetString().Should().Be("March salary");
    }

    [Fact]
    public async Task A_finance_lead_posts_only_to_lines_their_organisation_hosts_and_a_refusal_writes_nothing()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = (await pool.JournalAsync()).Count;

        var refused = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/postings", pool.TrustLead, Json(new
            {
                entries = new object[]
                {
                    new { kind = "actual", line = "frailty-service", month = 4, amount = "15000" },
                    new { kind = "actual", line = "programme-manager", month = 4, amount = "4000" },
                },
            })),
            HttpStatusCode.Forbidden);
        refused.GetProperty("detail").GetString().Should().Contain("entries[1]").And.Contain(pool.Council);
        (await pool.JournalAsync()).Should().HaveCount(before, "the trust's own line in the same batch was not posted either");

        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.TrustLead, Json(new { kind = "commitment", line = "frailty-service", month = 1, amount = "1" })),
            HttpStatusCode.Forbidden);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.ManagerToken, Json(new { kind = "actual", line = "frailty-service", month = 1, amount = "1" })),
            HttpStatusCode.Forbidden);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.Viewer, Json(new { kind = "actual", line = "frailty-service", month = 1, amount = "1" })),
            HttpStatusCode.Forbidden);
        (await pool.JournalAsync()).Should().HaveCount(before);

        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.TrustLead, Json(new { kind = "actual", line = "frailty-service", month = 4, amount = "15000" })),
            HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_first_response_and_writes_nothing()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var body = """{"kind":"actual","line":"data-analyst","month":7,"amount":"3000"}""";
        using var first = await App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, new StringContent(body, Encoding.UTF8, "application/json"), "key-1");
        first.StatusCode.Should().Be(HttpStatusCode.Created);
        var firstBody = await first.Content.ReadAsStringAsync();

        using var again = await App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, new StringContent(body, Encoding.UTF8, "application/json"), "key-1");
        again.StatusCode.Should().Be(HttpStatusCode.Created);
        (await again.Content.ReadAsStringAsync()).Should().Be(firstBody);
        again.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");

        using var different = await App.PostAsync($"{pool.Path}/entries", pool.CouncilLead,
            new StringContent(body.Replace("3000", "3001", StringComparison.Ordinal), Encoding.UTF8, "application/json"), "key-1");
        different.StatusCode.Should().Be(HttpStatusCode.Conflict);
        different.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");

        // The same key from another principal is that principal's own key.
        var otherLead = TestApp.Token($"other-lead-{pool.Suffix}", [pool.Council], Role.FinanceLead);
        using var other = await App.PostAsync($"{pool.Path}/entries", otherLead, new StringContent(body, Encoding.UTF8, "application/json"), "key-1");
        other.StatusCode.Should().Be(HttpStatusCode.Created);

        (await pool.JournalAsync("kind=actual")).Should().HaveCount(2);
    }

    [Fact]
    public async Task Every_post_needs_an_idempotency_key()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        var response = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Post, $"{pool.Path}/entries", pool.CouncilLead, Json(new { kind = "actual", line = "data-analyst", month = 1, amount = "1" })),
            HttpStatusCode.BadRequest);
        response.GetProperty("errors").TryGetProperty("Idempotency-Key", out _).Should().BeTrue();
    }

    [Fact]
    public async Task Concurrent_repeats_of_one_key_post_once()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var body = """{"entries":[{"kind":"actual","line":"programme-manager","month":2,"amount":"100"},{"kind":"actual","line":"data-analyst","month":2,"amount":"200"}]}""";
        var sends = Enumerable.Range(0, 6).Select(_ => App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, new StringContent(body, Encoding.UTF8, "application/json"), "same-key")).ToList();
        var responses = await Task.WhenAll(sends);
        var bodies = new List<string>();
        foreach (var response in responses)
        {
            response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            bodies.Add(await response.Content.ReadAsStringAsync());
            response.Dispose();
        }
        bodies.Distinct().Should().HaveCount(1, "every repeat answers with the first response");
        (await pool.JournalAsync("kind=actual")).Should().HaveCount(2);
    }

    [Fact]
    public async Task Concurrent_posters_never_lose_an_update()
    {
        var pool = await PoolScenario.CreateAsync(App);
        const int posts = 24;
        var sends = Enumerable.Range(1, posts).Select(i => App.PostAsync($"{pool.Path}/entries", i % 2 == 0 ? pool.CouncilLead : pool.TrustLead,
            Json(new { kind = "actual", line = i % 2 == 0 ? "programme-manager" : "frailty-service", month = 1 + (i % 6), amount = $"{i}.01" })));
        var responses = await Task.WhenAll(sends);
        var retried = 0;
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                retried++; // the ledger gave up after its retries: nothing was written, and the caller may resend
            }
            else
            {
                response.StatusCode.Should().Be(HttpStatusCode.Created);
            }
            response.Dispose();
        }
        var actuals = await pool.JournalAsync("kind=actual");
        actuals.Should().HaveCount(posts - retried);
        var seqs = (await pool.JournalAsync()).Select(e => e.GetProperty("seq").GetInt64()).Order().ToList();
        seqs.Should().Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), "sequence numbers have no gaps");

        var ledger = App.Ledger();
        var partition = new LedgerPartition(new PoolId(pool.PoolId), FinancialYear.Parse("2024/25"));
        var verification = await ledger.VerifyAsync(partition);
        verification.IsClean.Should().BeTrue(string.Join("; ", verification.Problems));
    }

    [Fact]
    public async Task A_batch_is_atomic_and_every_bad_field_is_named()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = (await pool.JournalAsync()).Count;
        var problem = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, Json(new
        {
            entries = new object[]
            {
                new { kind = "actual", line = "programme-manager", month = 1, amount = "10" },
                new { kind = "actual", line = "programme-manager", month = 13, amount = "10" },
                new { kind = "actual", line = "programme-manager", month = 2, amount = "10.123" },
                new { kind = "actul", line = "programme-manager", month = 2, amount = "10" },
                new { kind = "actual", line = "programme-manager", month = 2, amount = "2000000000" },
            },
        })), HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).Should().BeEquivalentTo("entries[1].month", "entries[2].amount", "entries[3].kind", "entries[4].amount");
        (await pool.JournalAsync()).Should().HaveCount(before);
    }

    [Theory]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":"six","amount":"1"}""", HttpStatusCode.BadRequest, "month")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":0,"amount":"1"}""", HttpStatusCode.BadRequest, "month")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1,"amount":true}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1,"amount":"1e3"}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1,"amount":1.005}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1}""", HttpStatusCode.BadRequest, "amount")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1,"amount":"0"}""", HttpStatusCode.BadRequest, "")]
    [InlineData("""{"kind":"actual","line":"no-such-line","month":1,"amount":"1"}""", HttpStatusCode.UnprocessableEntity, "line")]
    [InlineData("""{"kind":"actual","line":"Bad Line","month":1,"amount":"1"}""", HttpStatusCode.BadRequest, "line")]
    [InlineData("""{"kind":"actual","month":1,"amount":"1"}""", HttpStatusCode.BadRequest, "")]
    [InlineData("""{"kind":"reversal","line":"programme-manager","month":1,"amount":"1"}""", HttpStatusCode.BadRequest, "kind")]
    [InlineData("""{"kind":"actual","line":"programme-manager","month":1,"amount":"1","colour":"red"}""", HttpStatusCode.BadRequest, "colour")]
    [InlineData("""[1,2,3]""", HttpStatusCode.BadRequest, "")]
    [InlineData("""{"kind":"actual",""", HttpStatusCode.BadRequest, "")]
    public async Task Bad_entries_get_a_problem_naming_the_field_and_nothing_is_written(string body, HttpStatusCode status, string field)
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = (await pool.JournalAsync()).Count;
        using var response = await App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(text).RootElement;
        if (field.Length > 0)
        {
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Should().Contain(field, text);
        }
        (await pool.JournalAsync()).Should().HaveCount(before);
    }

    [Fact]
    public async Task Unknown_pools_are_not_found_and_oversized_bodies_are_refused()
    {
        var pool = await PoolScenario.CreateAsync(App, commitBudgets: false);
        await PoolScenario.Expect(App.PostAsync($"api/pools/no-such-{pool.Suffix}/entries", pool.CouncilLead, Json(new { kind = "actual", line = "x-line", month = 1, amount = "1" })),
            HttpStatusCode.NotFound);
        var huge = "{\"kind\":\"actual\",\"line\":\"data-analyst\",\"month\":1,\"amount\":\"1\",\"memo\":\"" + new string('x', 1_100_000) + "\"}";
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, new StringContent(huge, Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge);
        var tooMany = Enumerable.Range(0, 60).Select(i => new { kind = "actual", line = "data-analyst", month = 1, amount = $"{i + 1}" }).ToArray();
        var large = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, Json(new { entries = tooMany })), HttpStatusCode.RequestEntityTooLarge);
        large.GetProperty("detail").GetString().Should().Contain("48");
        (await pool.JournalAsync()).Should().HaveCount(0);
    }

    [Fact]
    public async Task A_closed_month_refuses_postings_naming_the_month_and_a_reversal_goes_into_the_next_open_month()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var actual = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/entries", pool.TrustLead, Json(new { kind = "actual", line = "frailty-service", month = 4, amount = "15000" })), HttpStatusCode.Created);
        var actualId = actual.GetProperty("entries")[0].GetProperty("id").GetString();

        var ledger = App.Ledger();
        var year = FinancialYear.Parse("2024/25");
        var partition = new LedgerPartition(new PoolId(pool.PoolId), year);
        await ledger.CloseMonthAsync(partition, new FinancialMonth(year, 4));
        var before = (await pool.JournalAsync()).Count;

        var closed = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/entries", pool.TrustLead, Json(new { kind = "actual", line = "frailty-service", month = 4, amount = "1" })), HttpStatusCode.Conflict);
        closed.GetProperty("month").GetString().Should().Be("2024/25 M4");
        closed.GetProperty("detail").GetString().Should().Contain("2024/25 M4");
        (await pool.JournalAsync()).Should().HaveCount(before);

        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{actualId}/reversal", pool.TrustLead, Json(new { })), HttpStatusCode.BadRequest);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{actualId}/reversal", pool.CouncilLead, Json(new { reason = "Not ours" })), HttpStatusCode.Forbidden);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{actualId}/reversal", pool.TrustLead, Json(new { reason = "Wrong month", month = 4 })), HttpStatusCode.Conflict);
        var reversed = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/entries/{actualId}/reversal", pool.TrustLead, Json(new { reason = "Invoice was for another pool" })), HttpStatusCode.Created);
        var reversal = reversed.GetProperty("entries")[0];
        reversal.GetProperty("kind").GetString().Should().Be("reversal");
        reversal.GetProperty("reversesEntryId").GetString().Should().Be(actualId);
        reversal.GetProperty("month").GetInt32().Should().Be(5, "month 4 is closed, so the correction goes into the next open month");
        reversal.GetProperty("amountPence").GetInt64().Should().Be(-1_500_000);
        reversal.GetProperty("reason").GetString().Should().Be("Invoice was for another pool");

        var twice = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/entries/{actualId}/reversal", pool.TrustLead, Json(new { reason = "Again" })), HttpStatusCode.UnprocessableEntity);
        twice.GetProperty("detail").GetString().Should().Contain(actualId);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/no-such-entry/reversal", pool.TrustLead, Json(new { reason = "x" })), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_journal_filters_by_line_month_kind_author_and_source_and_pages_newest_first()
    {
        var pool = await PoolScenario.CreateAsync(App);
        for (var month = 1; month <= 6; month++)
        {
            await PoolScenario.Expect(App.PostAsync($"{pool.Path}/postings", pool.CouncilLead, Json(new
            {
                entries = new object[]
                {
                    new { kind = "actual", line = "programme-manager", month, amount = "4000" },
                    new { kind = "accrual", line = "data-analyst", month, amount = "100" },
                },
            })), HttpStatusCode.Created);
        }
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.TrustLead, Json(new { kind = "nilReturn", line = "frailty-service", month = 3 })), HttpStatusCode.Created);

        (await pool.JournalAsync("line=programme-manager&kind=actual")).Should().HaveCount(6);
        (await pool.JournalAsync("month=3")).Select(e => e.GetProperty("kind").GetString()).Should().BeEquivalentTo("nilReturn", "accrual", "actual");
        (await pool.JournalAsync($"author=trust-lead-{pool.Suffix}")).Should().ContainSingle();
        (await pool.JournalAsync("source=api")).Should().HaveCount(17);
        (await pool.JournalAsync("source=csv:nothing-here")).Should().BeEmpty();

        var first = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?pageSize=5", pool.Auditor), HttpStatusCode.OK);
        var seqs = first.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).ToList();
        seqs.Should().Equal(17, 16, 15, 14, 13);
        var token = first.GetProperty("continuationToken").GetString();
        var second = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?pageSize=5&continuationToken={Uri.EscapeDataString(token!)}", pool.Auditor), HttpStatusCode.OK);
        second.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()).Should().Equal(12, 11, 10, 9, 8);
        var larger = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?pageSize=50&continuationToken={Uri.EscapeDataString(token!)}", pool.Auditor), HttpStatusCode.OK);
        larger.GetProperty("entries").GetArrayLength().Should().Be(12, "a token is good with another page size");
        larger.GetProperty("continuationToken").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "the last page says so");

        // A token is opaque and signed: one forged, altered, from another listing or from another pool is refused before
        // it reaches storage, never answered with an empty page a client would take for the end of the journal.
        var other = await PoolScenario.CreateAsync(App);
        await PoolScenario.Expect(App.PostAsync($"{other.Path}/entries", other.CouncilLead,
            Json(new { kind = "actual", line = "programme-manager", month = 2, amount = "1" })), HttpStatusCode.Created);
        var seq = token!.Split('.')[0];
        var forged = new[]
        {
            ("a space", "a b"), ("another position", $"{long.Parse(seq, System.Globalization.CultureInfo.InvariantCulture) + 1}.{token.Split('.')[1]}"),
            ("no signature", seq), ("an altered signature", token[..^1] + (token[^1] == 'A' ? 'B' : 'A')), ("the storage service's own", "1!8!cG9vbA--"),
            ("very long", new string('1', 500)),
        };
        foreach (var (what, bad) in forged)
        {
            using var response = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?pageSize=5&continuationToken={Uri.EscapeDataString(bad)}", pool.Auditor);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, what);
            (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("errors").TryGetProperty("continuationToken", out _)
                .Should().BeTrue(what);
        }
        using (var otherFilters = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?pageSize=5&kind=actual&continuationToken={Uri.EscapeDataString(token)}", pool.Auditor))
        {
            otherFilters.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a token is for the filters it was given with");
        }
        using (var otherPool = await App.SendAsync(HttpMethod.Get, $"{other.Path}/entries?pageSize=5&continuationToken={Uri.EscapeDataString(token)}", other.Auditor))
        {
            otherPool.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a token is for the pool it was given for");
        }

        foreach (var bad in new[] { "month=13", "month=x", "kind=bogus", "pageSize=0", "pageSize=5000", "line=Bad%20Line", "source=ftp", "author=%27or%27" })
        {
            using var response = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries?{bad}", pool.Auditor);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, bad);
        }
    }

    [Fact]
    public async Task Formula_looking_memos_are_stored_as_given()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var memo = "=HYPERLINK(\"http://evil.example\",\"click\")";
        var posted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead,
            Json(new { kind = "actual", line = "programme-manager", month = 2, amount = "1", memo, reference = "@SUM(A1)" })), HttpStatusCode.Created);
        var id = posted.GetProperty("entries")[0].GetProperty("id").GetString();
        var read = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/entries/{id}", pool.Auditor), HttpStatusCode.OK);
        read.GetProperty("memo").GetString().Should().Be(memo, "JSON is not a spreadsheet: the text is kept exactly; exports escape it");
        read.GetProperty("reference").GetString().Should().Be("@SUM(A1)");
    }

    [Fact]
    public async Task The_ledger_stays_consistent_with_the_storage()
    {
        var pool = await PoolScenario.CreateAsync(App);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, Json(new { kind = "forecastOutturn", line = "programme-manager", month = 6, amount = "47000" })),
            HttpStatusCode.Created);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.ManagerToken, Json(new { kind = "commitmentRelease", line = "data-analyst", month = 6, amount = "6000" })),
            HttpStatusCode.Created);
        var storage = App.Storage;
        var ledger = new LedgerRepository(storage.Table(StorageNames.LedgerTable), NodaTime.SystemClock.Instance);
        var partition = new LedgerPartition(new PoolId(pool.PoolId), FinancialYear.Parse("2024/25"));
        var balances = await ledger.ReadBalancesAsync(partition);
        balances.ForLine(new LineId("data-analyst"))!.Budget.Value.Should().Be(3_000_000);
        (await ledger.VerifyAsync(partition)).IsClean.Should().BeTrue();
    }
}
