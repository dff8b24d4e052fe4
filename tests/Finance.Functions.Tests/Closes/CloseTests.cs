using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Domain.Principals;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using Finance.Functions.Tests.Statements;
using Finance.Storage;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Closes;

/// <summary>Month-end close through the API: the lock, the frozen hash-chained statements, reopening and verification.</summary>
public sealed class CloseTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private TestApp App => fixture.App;

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, string token, object? body = null, Dictionary<string, string>? headers = null) =>
        Send(App, method, path, token, body, headers);

    /// <summary>A request as a close test sends it (a fresh Idempotency-Key on every POST), with its JSON body read.</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Send(
        TestApp app, HttpMethod method, string path, string token, object? body = null, Dictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(headers ?? []);
        if (method == HttpMethod.Post)
        {
            all["Idempotency-Key"] = Guid.NewGuid().ToString("N");
        }
        var response = await app.SendAsync(method, path, token, body is null ? null : JsonContent.Create(body), all);
        var text = await response.Content.ReadAsStringAsync();
        var isJson = response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true;
        return (response.StatusCode, text.Length == 0 || !isJson ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Close(RiversideThroughApi r, int month, object? body = null) =>
        Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/{month}", r.Manager, body ?? new { overrideReason = "Test pool: contributions are not booked" });

    [Fact]
    public async Task Closed_months_lock_and_their_frozen_statements_form_a_chain_that_verifies()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var (_, before, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/6", r.Auditor);
        for (var month = 1; month <= 6; month++)
        {
            var (status, link, _) = await Close(r, month);
            status.Should().Be(HttpStatusCode.Created, link.ToString());
            link.GetProperty("seq").GetInt32().Should().Be(month);
            link.GetProperty("by").GetString().Should().Be($"manager-{r.Suffix}");
        }

        var (posted, problem, _) = await Send(HttpMethod.Post, $"{r.Path}/entries", RiversideThroughApi.Lead(r.Council), new { kind = "actual", line = "programme-manager", month = 6, amount = "1" });
        posted.Should().Be(HttpStatusCode.Conflict);
        problem.GetProperty("month").GetString().Should().Be("2024/25 M6");

        var (_, chain, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.PartnerViewer);
        var links = chain.GetProperty("links").EnumerateArray().ToList();
        links.Should().HaveCount(6);
        links[0].GetProperty("previousSha256").ValueKind.Should().Be(JsonValueKind.Null);
        for (var i = 1; i < links.Count; i++)
        {
            links[i].GetProperty("previousSha256").GetString().Should().Be(links[i - 1].GetProperty("sha256").GetString(), "each frozen statement carries the previous one's SHA-256");
        }
        links[5].GetProperty("accrualsReversedPence").GetInt64().Should().Be(1_900_000, "£19,000 of accruals outstanding at month 6 reverse into month 7");

        var (status6, frozen, response) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/6", r.PartnerViewer);
        status6.Should().Be(HttpStatusCode.OK);
        response.Headers.GetValues("X-Frozen-Statement").Single().Should().EndWith("0006-close-m06.json");
        frozen.GetProperty("monthClosed").GetBoolean().Should().BeTrue();
        frozen.GetProperty("totals").ToString().Should().Be(before.GetProperty("totals").ToString(), "the frozen statement is the one the month closed on");
        var etag = response.Headers.ETag!.ToString();
        etag.Should().NotStartWith("W/", "a frozen statement never changes, so its ETag is strong");
        var (notModified, _, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/6", r.PartnerViewer, headers: new() { ["If-None-Match"] = etag });
        notModified.Should().Be(HttpStatusCode.NotModified);
        var (_, _, csv) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/6?format=csv", r.PartnerViewer);
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");

        var (_, verification, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        verification.GetProperty("holds").GetBoolean().Should().BeTrue(verification.ToString());
        verification.GetProperty("closesRecomputed").GetInt32().Should().Be(6);
    }

    [Fact]
    public async Task Closing_twice_is_harmless_and_bad_closes_are_refused_changing_nothing()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        (await Close(r, 1)).Status.Should().Be(HttpStatusCode.Created);
        var (again, link, _) = await Close(r, 1);
        again.Should().Be(HttpStatusCode.OK);
        link.GetProperty("seq").GetInt32().Should().Be(1);

        (await Close(r, 3)).Status.Should().Be(HttpStatusCode.Conflict, "month 2 is still open");
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/2", RiversideThroughApi.Lead(r.Council), new { })).Status.Should().Be(HttpStatusCode.Forbidden);
        var otherManager = TestApp.Token("someone-else", [$"elsewhere-{r.Suffix}"], Role.PoolManager);
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/2", otherManager, new { })).Status.Should().Be(HttpStatusCode.NotFound);
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2023-24/2", r.Manager, new { })).Status.Should().Be(HttpStatusCode.NotFound);
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/13", r.Manager, new { })).Status.Should().Be(HttpStatusCode.BadRequest);
        using (var noKey = await App.SendAsync(HttpMethod.Post, $"{r.Path}/closes/2024-25/2", r.Manager, JsonContent.Create(new { })))
        {
            noKey.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        }

        var (_, chain, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);
        chain.GetProperty("links").GetArrayLength().Should().Be(1, "no refused close wrote anything");
    }

    [Fact]
    public async Task A_month_not_yet_ended_cannot_be_closed()
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var manager = TestApp.Token($"m-{suffix}", [$"c-{suffix}"], Role.PoolManager);
        var today = LondonTime.Today(NodaTime.SystemClock.Instance);
        var year = FinancialYear.Containing(today);
        var month = FinancialMonth.Containing(today);
        await App.RegisterOrganisationsAsync($"c-{suffix}");
        using (var put = await App.SendAsync(HttpMethod.Put, $"api/pools/now-{suffix}", manager,
            JsonContent.Create(new { name = "Now", hostOrganisation = $"c-{suffix}", financialYear = year.ToString() })))
        {
            put.StatusCode.Should().Be(HttpStatusCode.Created);
        }
        var path = $"api/pools/now-{suffix}/closes/{year.StartYear}-{year.EndYear % 100:00}/{month.Number}";
        var (status, problem, _) = await Send(HttpMethod.Post, path, manager, new { });
        status.Should().Be(HttpStatusCode.Conflict);
        problem.GetProperty("title").GetString().Should().Be("The month has not ended.");
    }

    [Fact]
    public async Task Blocking_findings_refuse_a_close_unless_overridden_with_a_reason()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var (_, findings, _) = await Send(HttpMethod.Get, $"{r.Path}/findings/2024-25/1", r.Auditor);
        findings.GetProperty("blocking").GetBoolean().Should().BeTrue(findings.ToString());
        var (refused, problem, _) = await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/1", r.Manager, new { });
        refused.Should().Be(HttpStatusCode.Conflict);
        problem.GetProperty("findings").EnumerateArray().Should().Contain(f => f.GetProperty("severity").GetString() == "blocking");

        var (closed, link, _) = await Close(r, 1, new { overrideReason = "Contributions are booked in the council's ledger this year" });
        closed.Should().Be(HttpStatusCode.Created);
        link.GetProperty("overrideReason").GetString().Should().Be("Contributions are booked in the council's ledger this year");
        link.GetProperty("findings").GetArrayLength().Should().BeGreaterThan(0, "the findings overridden are recorded with the close");
    }

    [Fact]
    public async Task Reopening_needs_a_reason_keeps_the_frozen_statement_and_extends_the_chain()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        for (var month = 1; month <= 3; month++)
        {
            (await Close(r, month)).Status.Should().Be(HttpStatusCode.Created);
        }
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/3/reopen", r.Manager, new { })).Status.Should().Be(HttpStatusCode.BadRequest);
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/2/reopen", r.Manager, new { reason = "x" })).Status.Should().Be(HttpStatusCode.Conflict, "month 3 is closed");
        (await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/3/reopen", RiversideThroughApi.Lead(r.Council), new { reason = "x" })).Status.Should().Be(HttpStatusCode.Forbidden);
        var (reopened, link, _) = await Send(HttpMethod.Post, $"{r.Path}/closes/2024-25/3/reopen", r.Manager, new { reason = "Invoice for June missed" });
        reopened.Should().Be(HttpStatusCode.Created);
        link.GetProperty("kind").GetString().Should().Be("reopen");
        link.GetProperty("reason").GetString().Should().Be("Invoice for June missed");

        await r.PostAsync(RiversideThroughApi.Lead(r.Council), new { kind = "actual", line = "programme-manager", month = 3, amount = "250" });
        (await Close(r, 3)).Status.Should().Be(HttpStatusCode.Created);

        var (_, chain, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);
        var links = chain.GetProperty("links").EnumerateArray().ToList();
        links.Select(l => l.GetProperty("kind").GetString()).Should().Equal("close", "close", "close", "reopen", "close");
        var (_, statement, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/3", r.Auditor);
        statement.GetProperty("rows").EnumerateArray().Single(x => x.GetProperty("line").GetString() == "programme-manager")
            .GetProperty("months")[2].GetProperty("pence").GetInt64().Should().Be(425_000, "the re-close froze the corrected month");

        var storage = App.Storage;
        var first = await storage.Container(StorageNames.StatementsContainer).GetBlobClient(links[2].GetProperty("blob").GetString()!).ExistsAsync();
        first.Value.Should().BeTrue("the earlier frozen statement is kept, never overwritten");
        var (_, verification, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        verification.GetProperty("holds").GetBoolean().Should().BeTrue(verification.ToString());
        verification.GetProperty("links").GetInt32().Should().Be(5);
    }

    [Fact]
    public async Task Verification_reports_a_frozen_statement_altered_in_storage()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        (await Close(r, 1)).Status.Should().Be(HttpStatusCode.Created);
        (await Close(r, 2)).Status.Should().Be(HttpStatusCode.Created);
        var (_, chain, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor);
        var name = chain.GetProperty("links")[0].GetProperty("blob").GetString()!;

        // Someone with storage access edits the first frozen statement (here: the storage account's own key, as Azurite has).
        var blob = App.Storage.Container(StorageNames.StatementsContainer).GetBlobClient(name);
        var text = (await blob.DownloadContentAsync()).Value.Content.ToString();
        var altered = text.Replace("\"annualBudgetPence\":4800000", "\"annualBudgetPence\":4700000", StringComparison.Ordinal);
        altered.Should().NotBe(text);
        await blob.UploadAsync(BinaryData.FromString(altered), new Azure.Storage.Blobs.Models.BlobUploadOptions());

        var (_, verification, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        verification.GetProperty("holds").GetBoolean().Should().BeFalse();
        var problems = verification.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        problems.Should().Contain(p => p!.Contains("chain is broken", StringComparison.Ordinal), "the second link's previous hash no longer matches");
        problems.Should().Contain(p => p!.Contains("programme-manager annual budget", StringComparison.Ordinal), "the altered amount differs from the journal");
    }

    /// <summary>Overwrites a blob of the statements container as someone with the account key could (links are
    /// written once through the app; storage itself does not stop the key's holder).</summary>
    private async Task<string> Tamper(string blobName, string find, string replace)
    {
        var blob = App.Storage.Container(StorageNames.StatementsContainer).GetBlobClient(blobName);
        var text = (await blob.DownloadContentAsync()).Value.Content.ToString();
        var altered = text.Replace(find, replace, StringComparison.Ordinal);
        altered.Should().NotBe(text, $"{blobName} holds {find}");
        await blob.UploadAsync(BinaryData.FromString(altered), new Azure.Storage.Blobs.Models.BlobUploadOptions());
        return text;
    }

    private static void ShouldBeRefusedAsTampered((HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) answer, string blobName, string what)
    {
        answer.Status.Should().Be(HttpStatusCode.InternalServerError, what);
        answer.Response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", what);
        answer.Body.GetProperty("title").GetString().Should().Be("The frozen record failed its integrity check.", what);
        answer.Body.GetProperty("record").GetString().Should().Be(blobName, what);
        answer.Body.GetProperty("detail").GetString().Should().Contain("verify", what);
        answer.Response.Headers.Contains("X-Frozen-Statement").Should().BeFalse(what);
    }

    [Fact]
    public async Task Every_way_of_reading_a_frozen_record_refuses_one_that_fails_its_hash_and_serves_the_months_that_hold()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var blobs = new List<string>();
        for (var month = 1; month <= 3; month++)
        {
            var (status, link, _) = await Close(r, month);
            status.Should().Be(HttpStatusCode.Created);
            blobs.Add(link.GetProperty("blob").GetString()!);
        }
        var (_, before, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/2", r.PartnerViewer);

        // One amount inside month 2's frozen statement is altered in storage, after this instance read and checked it.
        await Tamper(blobs[1], "\"annualBudgetPence\":4800000", "\"annualBudgetPence\":4700000");
        var (kept, keptBody, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/2", r.PartnerViewer);
        kept.Should().Be(HttpStatusCode.OK, "this instance holds the bytes it checked, which are the record");
        keptBody.GetProperty("totals").ToString().Should().Be(before.GetProperty("totals").ToString(), "never the altered figures");

        // Every instance that reads it now refuses it, every way it is read.
        await using var fresh = await TestApp.StartAsync();
        foreach (var format in new[] { "", "?format=csv", "?format=xlsx", "?format=json&pence=true" })
        {
            ShouldBeRefusedAsTampered(await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/2{format}", r.PartnerViewer), blobs[1], $"month 2{format}");
        }
        ShouldBeRefusedAsTampered(await Send(fresh, HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor), blobs[1], "the list of closes");
        (await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/2", r.PartnerViewer, headers: new() { ["If-None-Match"] = "*" }))
            .Status.Should().Be(HttpStatusCode.InternalServerError, "not even a 304 vouches for it");
        fresh.App.Log(400).Should().Contain("failed its integrity check and was not served").And.Contain(blobs[1]);

        // The months whose records hold are still served.
        (await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/1", r.PartnerViewer)).Status
            .Should().Be(HttpStatusCode.OK, "month 1's link is the one month 2's names");
        var (three, _, threeResponse) = await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/3?format=csv", r.PartnerViewer);
        three.Should().Be(HttpStatusCode.OK, "month 3's link is the one the chain's tip records");
        threeResponse.Headers.GetValues("X-Frozen-Statement").Single().Should().Be(blobs[2]);

        var (_, verification, _) = await Send(fresh, HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        verification.GetProperty("holds").GetBoolean().Should().BeFalse();
        verification.GetProperty("problems").EnumerateArray().Should().Contain(p => p.GetString()!.StartsWith(blobs[2], StringComparison.Ordinal)
            && p.GetString()!.Contains("chain is broken", StringComparison.Ordinal), "verify names where the chain breaks");

        // Restored byte for byte, it is the record again, at once.
        await Tamper(blobs[1], "\"annualBudgetPence\":4700000", "\"annualBudgetPence\":4800000");
        var (restored, again, _) = await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/2", r.PartnerViewer);
        restored.Should().Be(HttpStatusCode.OK);
        again.GetProperty("totals").ToString().Should().Be(before.GetProperty("totals").ToString());
    }

    [Fact]
    public async Task A_frozen_csv_or_the_last_link_altered_in_storage_is_refused_and_named()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var (_, first, _) = await Close(r, 1);
        var (_, second, _) = await Close(r, 2);
        var firstCsv = first.GetProperty("blob").GetString()!.Replace(".json", ".csv", StringComparison.Ordinal);
        var last = second.GetProperty("blob").GetString()!;

        // A frozen CSV is checked against the hash its close recorded on every read.
        await Tamper(firstCsv, "48000.00,4000.00", "48000.00,3000.00");
        ShouldBeRefusedAsTampered(await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/1?format=csv", r.PartnerViewer), firstCsv, "month 1's CSV");
        (await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/1", r.PartnerViewer)).Status.Should().Be(HttpStatusCode.OK, "its JSON link holds");

        // The newest link has no successor: the chain's tip, kept in the table, vouches for it.
        await Tamper(last, "\"by\":\"manager-", "\"by\":\"someone-");
        await using var fresh = await TestApp.StartAsync();
        ShouldBeRefusedAsTampered(await Send(fresh, HttpMethod.Get, $"{r.Path}/statements/2024-25/2", r.PartnerViewer), last, "month 2");
        ShouldBeRefusedAsTampered(await Send(fresh, HttpMethod.Get, $"{r.Path}/closes/2024-25", r.Auditor), last, "the list of closes");
        var (_, verification, _) = await Send(fresh, HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        var problems = verification.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        problems.Should().Contain(p => p.StartsWith(firstCsv, StringComparison.Ordinal));
        problems.Should().Contain(p => p.Contains("recorded tip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_link_that_no_longer_reads_back_is_refused_and_verify_names_it()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var (_, link, _) = await Close(r, 1);
        var first = link.GetProperty("blob").GetString()!;

        // Not yet read since the close moved the tip, so this instance reads the altered bytes.
        await Tamper(first, "\"format\":\"finance.close-link/1\"", "\"format\":\"finance.close-link/1\",\"format\":1");
        ShouldBeRefusedAsTampered(await Send(HttpMethod.Get, $"{r.Path}/statements/2024-25/1", r.PartnerViewer), first, "month 1");
        var (status, verification, _) = await Send(HttpMethod.Get, $"{r.Path}/closes/2024-25/verify", r.Auditor);
        status.Should().Be(HttpStatusCode.OK);
        verification.GetProperty("holds").GetBoolean().Should().BeFalse();
        verification.GetProperty("problems")[0].GetString().Should().StartWith(first).And.Contain("does not read back");
    }

    [Fact]
    public async Task Closing_month_12_settles_the_year_and_carries_the_underspend_into_next_year_to_the_penny()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        for (var month = 1; month <= 11; month++)
        {
            (await Close(r, month)).Status.Should().Be(HttpStatusCode.Created);
        }
        var (status, link, _) = await Close(r, 12);
        status.Should().Be(HttpStatusCode.Created, link.ToString());
        var yearEnd = link.GetProperty("yearEnd");
        yearEnd.GetProperty("unaccountedPence").GetInt64().Should().Be(0, "every penny of budget less outturn is carried, returned or paid");
        var budget = yearEnd.GetProperty("totalBudgetPence").GetInt64();
        var outturn = yearEnd.GetProperty("totalOutturnPence").GetInt64();
        budget.Should().Be(33_300_000);
        yearEnd.GetProperty("carriedForwardPence").GetInt64().Should().Be(budget - outturn, "Riverside carries its underspend forward");
        yearEnd.GetProperty("nextYearPartition").GetString().Should().Be($"{r.PoolId}~2025-26");

        // Closing again posts nothing twice into next year.
        (await Close(r, 12)).Status.Should().Be(HttpStatusCode.OK);
        var ledger = App.Ledger();
        var next = await ledger.ReadAllEntriesAsync(new Finance.Storage.Ledger.LedgerPartition(new Finance.Domain.Model.PoolId(r.PoolId), new FinancialYear(2025)));
        next.Select(e => e.Entry.Id.Value).Should().BeEquivalentTo(yearEnd.GetProperty("carryForwardEntryIds").EnumerateArray().Select(e => e.GetString()));
        next.Sum(e => e.Entry.Amount.Value).Should().Be(budget - outturn);
        next.Should().OnlyContain(e => e.Entry.Kind == Finance.Domain.Ledger.EntryKind.CarryForwardIn && e.Entry.Source == Finance.Domain.Ledger.EntrySource.YearEnd);

        // The pool moves on to 2025/26 and opens with the balance brought forward as a budget source.
        using (var put = await App.SendAsync(HttpMethod.Put, r.Path, r.Manager, JsonContent.Create(new
        {
            name = "Riverside Place", hostOrganisation = r.Council, financialYear = "2025/26", partnerOrganisations = new[] { r.Icb, r.Hospital, r.Trust },
        })))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        var (_, opening, _) = await Send(HttpMethod.Get, $"{r.Path}/statements/2025-26/1", r.Auditor);
        opening.GetProperty("summary").GetProperty("totalBudget").GetProperty("pence").GetInt64().Should().Be(budget - outturn, opening.ToString());
    }

    [Fact]
    public async Task A_partners_control_total_that_differs_from_the_pool_is_reported_by_reconciliation()
    {
        var r = await RiversideThroughApi.CreateAsync(App);
        var lead = RiversideThroughApi.Lead(r.Council);
        var path = $"{r.Path}/control-totals/2024-25/5/{r.Council}";
        (await Send(HttpMethod.Put, path, lead, new { amount = "4,000.00", costCentre = "RP001" })).Status.Should().Be(HttpStatusCode.OK);
        var (_, matching, _) = await Send(HttpMethod.Get, $"{r.Path}/findings/2024-25/5", r.Auditor);
        matching.GetProperty("findings").EnumerateArray().Should().NotContain(f => f.GetProperty("code").GetString() == "control-total-differs",
            "the council's £4,000 for month 5 is the programme manager's actual");

        (await Send(HttpMethod.Put, path, lead, new { amount = "4100", costCentre = "RP001" })).Status.Should().Be(HttpStatusCode.OK);
        var (_, differing, _) = await Send(HttpMethod.Get, $"{r.Path}/findings/2024-25/5", r.Auditor);
        var finding = differing.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("code").GetString() == "control-total-differs");
        finding.GetProperty("severity").GetString().Should().Be("warning");
        finding.GetProperty("partner").GetString().Should().Be(r.Council);
        finding.GetProperty("message").GetString().Should().Contain("RP001");

        (await Send(HttpMethod.Put, $"{r.Path}/control-totals/2024-25/5/{r.Trust}", lead, new { amount = "1" })).Status.Should().Be(HttpStatusCode.Forbidden, "only the trust's own finance lead");
        (await Send(HttpMethod.Put, path, lead, new { amount = "1.001" })).Status.Should().Be(HttpStatusCode.BadRequest);
        (await Send(HttpMethod.Put, $"{r.Path}/control-totals/2024-25/5/stranger-org", lead, new { amount = "1" })).Status.Should().Be(HttpStatusCode.NotFound);
        var (_, listed, _) = await Send(HttpMethod.Get, $"{r.Path}/control-totals/2024-25/5", r.PartnerViewer);
        listed.GetProperty("controlTotals").EnumerateArray().Single().GetProperty("amountPence").GetInt64().Should().Be(410_000);
    }
}
