using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using Finance.Storage;
using Finance.Storage.Imports;
using Finance.Storage.Ledger;
using FluentAssertions;
using Finance.Functions.Imports;
using Xunit;

namespace Finance.Functions.Tests.Imports;

public sealed class ImportAppFixture : IAsyncLifetime
{
    public TestApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();

    /// <summary>A file's text as an upload's body.</summary>
    public static ByteArrayContent CsvContent(string csv)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    /// <summary>The import once it is no longer applying (or as it is after two minutes).</summary>
    public async Task<JsonElement> WaitUntilFinishedAsync(PoolScenario pool, string importId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var import = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports/{importId}", pool.Auditor), HttpStatusCode.OK);
            if (import.GetProperty("status").GetString() != "applying" || DateTime.UtcNow > deadline)
            {
                return import;
            }
            await Task.Delay(100);
        }
    }
}

/// <summary>CSV upload through the HTTP API: all-or-nothing validation, the import resource, exactly-once application.</summary>
public sealed class ImportApiTests(ImportAppFixture fixture) : IClassFixture<ImportAppFixture>
{
    private TestApp App => fixture.App;

    private static string Csv(PoolScenario pool, int rows, string line = "programme-manager", int month = 6) =>
        "pool,line,month,amount,reference,memo\n"
        + string.Concat(Enumerable.Range(1, rows).Select(i => $"{pool.PoolId},{line},{month},{i}.{i % 100:00},INV-{i},row {i}\n"));

    [Fact]
    public async Task A_valid_file_is_kept_as_uploaded_and_applied_exactly_once_with_progress()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var csv = "\uFEFF" + Csv(pool, 250).Replace("\n", "\r\n", StringComparison.Ordinal);
        var accepted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports?fileName=june.csv", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-1"), HttpStatusCode.Accepted);
        var importId = accepted.GetProperty("importId").GetString()!;
        accepted.GetProperty("rowsTotal").GetInt32().Should().Be(250);
        accepted.GetProperty("chunksTotal").GetInt32().Should().BeGreaterThan(1);

        var done = await fixture.WaitUntilFinishedAsync(pool, importId);
        done.GetProperty("status").GetString().Should().Be("applied", done.ToString());
        done.GetProperty("rowsApplied").GetInt32().Should().Be(250);
        done.GetProperty("netPence").GetInt64().Should().Be(Enumerable.Range(1, 250).Sum(i => (i * 100L) + (i % 100)));

        var entries = await pool.JournalAsync($"source=csv:{importId}");
        entries.Should().HaveCount(250);
        entries.Select(e => e.GetProperty("reference").GetString()).Should().OnlyHaveUniqueItems();
        entries.Should().OnlyContain(e => e.GetProperty("author").GetString() == $"council-lead-{pool.Suffix}" && e.GetProperty("kind").GetString() == "actual");

        using var file = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports/{importId}/file", pool.Auditor);
        (await file.Content.ReadAsByteArrayAsync()).Should().Equal(Encoding.UTF8.GetBytes(csv), "the raw file is kept exactly as received");

        var again = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports?fileName=june.csv", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-1"), HttpStatusCode.Accepted);
        again.GetProperty("importId").GetString().Should().Be(importId);
        (await pool.JournalAsync($"source=csv:{importId}")).Should().HaveCount(250, "a repeat of the key posts nothing");
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(Csv(pool, 3)), "upload-1"), HttpStatusCode.Conflict);

        var list = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports", pool.Viewer), HttpStatusCode.OK);
        list.GetProperty("imports").EnumerateArray().Select(i => i.GetProperty("importId").GetString()).Should().Equal(importId);
    }

    [Fact]
    public async Task A_file_may_say_when_each_actual_happened_in_an_effectiveAt_column()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var bad = $"pool,line,month,amount,reference,memo,EffectiveAt\n{pool.PoolId},programme-manager,8,10.00,E-1,,2024-12-05T10:00:00Z\n"
            + $"{pool.PoolId},programme-manager,8,11.00,E-2,,2099-01-01T00:00:00Z\n{pool.PoolId},programme-manager,8,12.00,E-3,,5 Dec\n";
        var refused = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(bad)),
            HttpStatusCode.UnprocessableEntity);
        refused.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("row").GetInt32(), p.GetProperty("column").GetString()))
            .Should().Equal((3, "effectiveAt"), (4, "effectiveAt"));

        var good = $"pool,line,month,amount,reference,memo,effectiveAt\n{pool.PoolId},programme-manager,8,10.00,E-1,,2024-12-05T10:00:00Z\n"
            + $"{pool.PoolId},programme-manager,8,11.00,E-2,,\n";
        var accepted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(good)), HttpStatusCode.Accepted);
        var importId = accepted.GetProperty("importId").GetString()!;
        (await fixture.WaitUntilFinishedAsync(pool, importId)).GetProperty("status").GetString().Should().Be("applied");

        var entries = await pool.JournalAsync($"source=csv:{importId}");
        var dated = entries.Single(e => e.GetProperty("reference").GetString() == "E-1");
        dated.GetProperty("effectiveAt").GetString().Should().Be("2024-12-05T10:00:00Z");
        var undated = entries.Single(e => e.GetProperty("reference").GetString() == "E-2");
        undated.GetProperty("effectiveAt").GetString().Should().Be(undated.GetProperty("postedAt").GetString(), "an empty cell is when it was posted");
    }

    [Fact]
    public async Task A_whole_month_end_submission_goes_in_one_file_with_a_kind_column()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var bad = $"pool,line,month,amount,reference,memo,kind\n{pool.PoolId},programme-manager,8,10.00,K-1,,commitment\n"
            + $"{pool.PoolId},programme-manager,8,5.00,K-2,,nilReturn\n{pool.PoolId},programme-manager,8,0,K-3,,\n";
        var refused = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(bad)),
            HttpStatusCode.UnprocessableEntity);
        refused.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("row").GetInt32(), p.GetProperty("column").GetString()))
            .Should().Equal((2, "kind"), (3, "amount"), (4, "amount"));

        var good = $"pool,line,month,amount,reference,memo,Kind\n{pool.PoolId},programme-manager,8,4000.00,K-1,,\n"
            + $"{pool.PoolId},programme-manager,8,120.00,K-2,,priorYearInvoice\n{pool.PoolId},programme-manager,8,300.00,K-3,,accrual\n"
            + $"{pool.PoolId},programme-manager,8,47000.00,K-4,,forecastOutturn\n{pool.PoolId},data-analyst,8,,K-5,,NILRETURN\n";
        var accepted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(good)), HttpStatusCode.Accepted);
        var importId = accepted.GetProperty("importId").GetString()!;
        (await fixture.WaitUntilFinishedAsync(pool, importId)).GetProperty("status").GetString().Should().Be("applied");

        var entries = await pool.JournalAsync($"source=csv:{importId}");
        entries.Select(e => (e.GetProperty("reference").GetString(), e.GetProperty("kind").GetString(), e.GetProperty("amountPence").GetInt64()))
            .Should().BeEquivalentTo([
                ("K-1", "actual", 400_000L), ("K-2", "priorYearInvoice", 12_000L), ("K-3", "accrual", 30_000L),
                ("K-4", "forecastOutturn", 4_700_000L), ("K-5", "nilReturn", 0L)]);
        var statement = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/8?pence=true", pool.Viewer), HttpStatusCode.OK);
        var row = statement.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("line").GetString() == "programme-manager");
        row.GetProperty("priorYearInvoices").GetProperty("pence").GetInt64().Should().Be(12_000);
        row.GetProperty("ytdAccruals").GetProperty("pence").GetInt64().Should().Be(30_000);
        row.GetProperty("forecastOutturn").GetProperty("pence").GetInt64().Should().Be(4_700_000);
    }

    [Fact]
    public async Task An_invalid_file_is_refused_with_every_problem_and_nothing_is_stored()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = (await pool.JournalAsync()).Count;
        var lines = Csv(pool, 10).Split('\n').ToList();
        lines[3] = $"{pool.PoolId},programme-manager,13,10.00,INV-X,bad month";
        lines[7] = $"{pool.PoolId},no-such-line,6,1.234,INV-Y,two problems";
        lines[9] = lines[8];
        var problem = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(string.Join('\n', lines))), HttpStatusCode.UnprocessableEntity);
        var problems = problem.GetProperty("problems").EnumerateArray()
            .Select(p => (p.GetProperty("row").GetInt32(), p.GetProperty("column").GetString()))
            .ToList();
        problems.Should().Contain([(4, "month"), (8, "line"), (8, "amount"), (10, "")]);
        problem.GetProperty("problemCount").GetInt32().Should().Be(problems.Count);

        (await pool.JournalAsync()).Should().HaveCount(before);
        var list = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports", pool.Auditor), HttpStatusCode.OK);
        list.GetProperty("imports").GetArrayLength().Should().Be(0);
        var blobs = new List<string>();
        await foreach (var blob in App.Storage.Container(StorageNames.ImportsContainer).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{pool.PoolId}/" }))
        {
            blobs.Add(blob.Name);
        }
        blobs.Should().BeEmpty();
    }

    [Theory]
    [InlineData("line,month,amount,reference,memo\n{pool},programme-manager,6,1.00,,\n", "pool")]
    [InlineData("{pool},programme-manager,6,1.00,,\n", "pool")]
    [InlineData("pool,line,month,amount,reference,memo\n{pool},programme-manager,2023/24 M6,1.00,,\n", "month")]
    [InlineData("pool,line,month,amount,reference,memo\n", "")]
    [InlineData("pool;line;month;amount;reference;memo\n{pool};programme-manager;6;1e3;;\n", "amount")]
    public async Task Bad_files_are_refused_naming_the_column(string template, string column)
    {
        var pool = await PoolScenario.CreateAsync(App);
        var problem = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(template.Replace("{pool}", pool.PoolId, StringComparison.Ordinal))),
            HttpStatusCode.UnprocessableEntity);
        problem.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("column").GetString()).Should().Contain(column);
    }

    [Fact]
    public async Task Rows_for_lines_another_organisation_hosts_are_refused_and_other_requests_get_clear_answers()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var csv = Csv(pool, 2) + $"{pool.PoolId},frailty-service,6,5.00,T-1,not ours\n";
        var problem = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Forbidden);
        problem.GetProperty("problems").EnumerateArray().Single().GetProperty("row").GetInt32().Should().Be(4);

        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.ManagerToken, ImportAppFixture.CsvContent(Csv(pool, 1))), HttpStatusCode.Forbidden);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Post, $"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(Csv(pool, 1))), HttpStatusCode.BadRequest);
        var json = JsonContent.Create(new { rows = 1 });
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, json), HttpStatusCode.UnsupportedMediaType);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent("")), HttpStatusCode.BadRequest);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports/imp-000000000000000000000000", pool.Auditor), HttpStatusCode.NotFound);
        (await pool.JournalAsync("kind=actual")).Should().BeEmpty();
    }

    [Fact]
    public async Task An_import_whose_worker_is_killed_part_way_resumes_by_timer_and_every_row_is_posted_exactly_once()
    {
        const int rows = 6000;
        var pool = await PoolScenario.CreateAsync(App);
        var accepted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(Csv(pool, rows))), HttpStatusCode.Accepted);
        var importId = accepted.GetProperty("importId").GetString()!;
        accepted.GetProperty("chunksTotal").GetInt32().Should().BeGreaterThan(4);

        // Kill the worker process (as a crash or a scale-in would) once the runner has written some rows.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var progress = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports/{importId}", pool.Auditor), HttpStatusCode.OK);
            if (progress.GetProperty("rowsApplied").GetInt32() > 0)
            {
                break;
            }
            await Task.Delay(20);
        }
        await App.App.Host.KillWorkerAsync();
        var partition = new LedgerPartition(new PoolId(pool.PoolId), FinancialYear.Parse("2024/25"));
        var posted = (await App.Ledger().ReadAllEntriesAsync(partition)).Count(e => e.Entry.Source.ImportId == importId);
        posted.Should().BeGreaterThan(0).And.BeLessThan(rows, "the kill stopped it part-way");

        // The host starts a new worker. The import is still "applying", held by the dead runner's lease until it runs out
        // (moved back here, as time would); then the ResumeImports timer, fired by the host, carries it to the end.
        await App.App.Host.WaitForWorkerAsync(TimeSpan.FromSeconds(60));
        var stuck = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports/{importId}", pool.Auditor), HttpStatusCode.OK);
        stuck.GetProperty("status").GetString().Should().Be("applying");
        stuck.GetProperty("rowsApplied").GetInt32().Should().BeLessThanOrEqualTo(posted, "progress is written after the ledger, never before");
        var table = App.Storage.Table(StorageNames.PoolsTable);
        var row = (await table.GetEntityAsync<Azure.Data.Tables.TableEntity>(pool.PoolId, ImportRecord.RowPrefix + importId)).Value;
        row["LeaseUntil"] = DateTimeOffset.UtcNow.AddMinutes(-1);
        await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        var resumed = await App.App.Host.InvokeTimerAsync(ImportFunctions.ResumeTimer);
        resumed.Status.Should().Be(Finance.LocalHost.InvocationStatus.Succeeded, App.App.Log());

        var done = await fixture.WaitUntilFinishedAsync(pool, importId);
        done.GetProperty("status").GetString().Should().Be("applied", done.ToString());
        done.GetProperty("rowsApplied").GetInt32().Should().Be(rows);
        var entries = (await App.Ledger().ReadAllEntriesAsync(partition)).Select(e => e.Entry).Where(e => e.Source.ImportId == importId).ToList();
        entries.Should().HaveCount(rows, "no row is lost and none is posted twice");
        entries.Select(e => e.Reference).Should().OnlyHaveUniqueItems();
        entries.Sum(e => e.Amount.Value).Should().Be(Enumerable.Range(1, rows).Sum(i => (i * 100L) + (i % 100)));
        var verification = await App.Ledger().VerifyAsync(partition);
        verification.IsClean.Should().BeTrue(string.Join("; ", verification.Problems));
    }

    [Fact]
    public async Task A_file_with_rows_for_a_closed_month_is_refused_naming_it()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var ledger = App.Ledger();
        var year = FinancialYear.Parse("2024/25");
        await ledger.CloseMonthAsync(new LedgerPartition(new PoolId(pool.PoolId), year), new FinancialMonth(year, 6));
        var refused = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(Csv(pool, 5))), HttpStatusCode.Conflict);
        refused.GetProperty("detail").GetString().Should().Contain("2024/25 M6").And.Contain("row 2");
        (await pool.JournalAsync("kind=actual")).Should().BeEmpty();
    }
}
