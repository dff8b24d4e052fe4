using System.Net;
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
using Xunit;

namespace Finance.Functions.Tests.Imports;

/// <summary>
/// Issue 16: a file that failed part-way and is uploaded again is refused naming the first import (nothing stored or
/// posted); the failed import lists the file rows that applied and those that did not; resuming it posts only the rest,
/// exactly once.
/// </summary>
public sealed class ImportResubmissionTests(ImportAppFixture fixture) : IClassFixture<ImportAppFixture>
{
    /// <summary>Rows on "data-analyst" in month 6, posted first (chunks are cut by line); then rows on "programme-manager" in
    /// month 7, closed as soon as the upload is accepted, so the import fails at the first chunk holding month-7 rows.</summary>
    private const int Month6Rows = 4000;
    private const int Month7Rows = 200;

    /// <summary>The rows of the chunks before the first refused: chunks on one line hold 96 entries, so the chunk after the
    /// 41 full ones holds the last 64 month-6 rows with the first 31 month-7 ones, and is refused whole (each chunk is
    /// atomic).</summary>
    private const int RowsApplied = Month6Rows / LedgerLimits.MaxEntriesPerStoredPosting * LedgerLimits.MaxEntriesPerStoredPosting;

    private static readonly FinancialYear Year = FinancialYear.Parse("2024/25");

    private TestApp App => fixture.App;

    private static string Csv(PoolScenario pool) =>
        "pool,line,month,amount,reference,memo\n"
        + string.Concat(Enumerable.Range(1, Month6Rows + Month7Rows).Select(i =>
            $"{pool.PoolId},{(i <= Month6Rows ? "data-analyst,6" : "programme-manager,7")},{i}.{i % 100:00},INV-{i},row {i}\n"));

    private static long TotalPence => Enumerable.Range(1, Month6Rows + Month7Rows).Sum(i => (i * 100L) + (i % 100));

    private static LedgerPartition Partition(PoolScenario pool) => new(new PoolId(pool.PoolId), Year);

    private Task<HttpResponseMessage> Resume(PoolScenario pool, string importId, string key, string? token = null) =>
        App.PostAsync($"{pool.Path}/imports/{importId}/resumption", token ?? pool.CouncilLead, null, key);

    /// <summary>Uploads the file and closes month 7 meanwhile: the import fails part-way, every month-6 row applied.</summary>
    private async Task<(PoolScenario Pool, string Csv, string ImportId, JsonElement Failed)> FailPartWayAsync()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var csv = Csv(pool);
        var accepted = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports?fileName=q2.csv", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-1"),
            HttpStatusCode.Accepted);
        await App.Ledger().CloseMonthAsync(Partition(pool), new FinancialMonth(Year, 7));
        var importId = accepted.GetProperty("importId").GetString()!;
        var failed = await fixture.WaitUntilFinishedAsync(pool, importId);
        failed.GetProperty("status").GetString().Should().Be("failed", "month 7 was closed before the runner reached its rows: {0}", failed);
        failed.GetProperty("failure").GetString().Should().Contain("2024/25 M7");
        failed.GetProperty("rowsApplied").GetInt32().Should().Be(RowsApplied);
        return (pool, csv, importId, failed);
    }

    /// <summary>Every row of the pool's partitions (Pools and Ledger) with its ETag, and the pool's stored files: equal
    /// before and after a request exactly when it wrote nothing.</summary>
    private async Task<List<string>> StorageAsync(PoolScenario pool)
    {
        var state = new List<string>();
        foreach (var (table, partition) in new[] { (StorageNames.PoolsTable, pool.PoolId), (StorageNames.LedgerTable, Partition(pool).PartitionKey) })
        {
            await foreach (var row in App.Storage.Table(table).QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"]))
            {
                state.Add($"{table} {row.RowKey} {row.ETag}");
            }
        }
        await foreach (var blob in App.Storage.Container(StorageNames.ImportsContainer).GetBlobsAsync(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = $"{pool.PoolId}/" }))
        {
            state.Add($"blob {blob.Name} {blob.Properties.ETag}");
        }
        return state;
    }

    private static void ShouldName(JsonElement reference, string importId, string poolPath, string status)
    {
        reference.GetProperty("importId").GetString().Should().Be(importId);
        reference.GetProperty("status").GetString().Should().Be(status);
        reference.GetProperty("uploadedAt").GetString().Should().NotBeNullOrEmpty();
        reference.GetProperty("url").GetString().Should().Be($"/{poolPath}/imports/{importId}");
    }

    private static List<(int From, int To)> Ranges(JsonElement import, string name) =>
        import.GetProperty(name).EnumerateArray().Select(r => (r.GetProperty("from").GetInt32(), r.GetProperty("to").GetInt32())).ToList();

    [Fact]
    public async Task A_file_that_failed_part_way_uploaded_again_under_a_new_key_is_refused_naming_the_import_and_changes_nothing()
    {
        var (pool, csv, importId, _) = await FailPartWayAsync();
        var before = await StorageAsync(pool);
        var journal = await pool.JournalAsync();

        var problem = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports?fileName=q2-again.csv", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-2"),
            HttpStatusCode.Conflict);
        ShouldName(problem.GetProperty("earlierImport"), importId, pool.Path, "failed");
        problem.GetProperty("detail").GetString().Should().Contain(importId).And.Contain("deliberate re-submission of the rows that did not apply")
            .And.Contain($"/{pool.Path}/imports/{importId}/resumption");
        problem.GetProperty("resumption").GetString().Should().Be($"/{pool.Path}/imports/{importId}/resumption");

        (await StorageAsync(pool)).Should().Equal(before, "no blob, no import record, no posting");
        (await pool.JournalAsync()).Select(e => e.ToString()).Should().Equal(journal.Select(e => e.ToString()));
        (await App.Ledger().ReadAllEntriesAsync(Partition(pool))).Count(e => e.Entry.Source.ImportId == importId).Should().Be(RowsApplied);

        // The same key and bytes are still a replay of the first upload, not a duplicate.
        using var replay = await App.PostAsync($"{pool.Path}/imports?fileName=q2.csv", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-1");
        replay.StatusCode.Should().Be(HttpStatusCode.Accepted, await replay.Content.ReadAsStringAsync());
        replay.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        (await StorageAsync(pool)).Should().Equal(before);
    }

    [Fact]
    public async Task A_failed_import_lists_the_file_rows_applied_and_not_applied_from_its_chunk_boundaries()
    {
        var (pool, _, importId, failed) = await FailPartWayAsync();
        // The header is row 1, so data row i is file row i + 1: rows 2 to 3985 applied, 3986 (the refused chunk's first,
        // a month-6 row) to 4201 not.
        Ranges(failed, "appliedRows").Should().Equal((2, RowsApplied + 1));
        Ranges(failed, "unappliedRows").Should().Equal((RowsApplied + 2, Month6Rows + Month7Rows + 1));
        failed.GetProperty("failure").GetString().Should().Contain($"file row {RowsApplied + 2}");
        failed.GetProperty("resumptions").GetInt32().Should().Be(0);
        var journal = await pool.JournalAsync($"source=csv:{importId}");
        journal.Should().HaveCount(RowsApplied).And.OnlyContain(e => e.GetProperty("month").GetInt32() == 6);

        var list = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{pool.Path}/imports", pool.Viewer), HttpStatusCode.OK);
        var listed = list.GetProperty("imports").EnumerateArray().Single();
        listed.GetProperty("status").GetString().Should().Be("failed");
        listed.GetProperty("appliedRows").ValueKind.Should().Be(JsonValueKind.Null, "ranges are given when the import is read on its own");
    }

    [Fact]
    public async Task Resuming_posts_only_the_rows_that_did_not_apply_exactly_once_and_a_second_resumption_is_refused()
    {
        var (pool, csv, importId, _) = await FailPartWayAsync();
        var partition = Partition(pool);

        // Month 7 still closed: the rest fails again, listing the same rows; nothing is posted twice.
        var again = await PoolScenario.Expect(Resume(pool, importId, "resume-1"), HttpStatusCode.Accepted);
        again.GetProperty("status").GetString().Should().Be("applying");
        var failedAgain = await fixture.WaitUntilFinishedAsync(pool, importId);
        failedAgain.GetProperty("status").GetString().Should().Be("failed", failedAgain.ToString());
        failedAgain.GetProperty("resumptions").GetInt32().Should().Be(1);
        failedAgain.GetProperty("rowsApplied").GetInt32().Should().Be(RowsApplied);
        Ranges(failedAgain, "unappliedRows").Should().Equal((RowsApplied + 2, Month6Rows + Month7Rows + 1));
        (await App.Ledger().ReadAllEntriesAsync(partition)).Count(e => e.Entry.Source.ImportId == importId).Should().Be(RowsApplied);

        // Reopened: the rest applies, once.
        await App.Ledger().ReopenMonthAsync(partition, new FinancialMonth(Year, 7));
        using (var resumed = await Resume(pool, importId, "resume-2"))
        {
            resumed.StatusCode.Should().Be(HttpStatusCode.Accepted, await resumed.Content.ReadAsStringAsync());
            resumed.Headers.Location!.ToString().Should().Be($"/{pool.Path}/imports/{importId}");
        }
        var done = await fixture.WaitUntilFinishedAsync(pool, importId);
        done.GetProperty("status").GetString().Should().Be("applied", done.ToString());
        done.GetProperty("rowsApplied").GetInt32().Should().Be(Month6Rows + Month7Rows);
        done.GetProperty("netPence").GetInt64().Should().Be(TotalPence);
        done.GetProperty("resumptions").GetInt32().Should().Be(2);
        var entries = (await App.Ledger().ReadAllEntriesAsync(partition)).Select(e => e.Entry).Where(e => e.Source.ImportId == importId).ToList();
        entries.Should().HaveCount(Month6Rows + Month7Rows, "every row once");
        entries.Select(e => e.Reference).Should().OnlyHaveUniqueItems();
        entries.Sum(e => e.Amount.Value).Should().Be(TotalPence, "the file's total, exactly once");
        var verification = await App.Ledger().VerifyAsync(partition);
        verification.IsClean.Should().BeTrue(string.Join("; ", verification.Problems));

        // A repeat of either key answers the import as it stands and writes nothing; a new key is refused naming its state.
        var before = await StorageAsync(pool);
        foreach (var key in new[] { "resume-2", "resume-1" })
        {
            using var replay = await Resume(pool, importId, key);
            replay.StatusCode.Should().Be(HttpStatusCode.Accepted, await replay.Content.ReadAsStringAsync());
            replay.Headers.GetValues("Idempotent-Replayed").Should().Equal("true");
        }
        var refused = await PoolScenario.Expect(Resume(pool, importId, "resume-3"), HttpStatusCode.Conflict);
        ShouldName(refused.GetProperty("import"), importId, pool.Path, "applied");
        refused.GetProperty("detail").GetString().Should().Contain("applied");
        var duplicate = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv), "upload-3"), HttpStatusCode.Conflict);
        ShouldName(duplicate.GetProperty("earlierImport"), importId, pool.Path, "applied");
        (await StorageAsync(pool)).Should().Equal(before, "refusals and repeats change nothing");
    }

    [Fact]
    public async Task Another_file_is_accepted_and_the_same_file_in_another_pool_is_accepted()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var other = await PoolScenario.CreateAsync(App);
        var csv = $"pool,line,month,amount,reference,memo\n{pool.PoolId},programme-manager,6,10.00,INV-1,June\n";
        var first = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Accepted);
        var changed = csv.Replace("10.00", "10.01", StringComparison.Ordinal);
        var second = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(changed)), HttpStatusCode.Accepted);
        second.GetProperty("importId").GetString().Should().NotBe(first.GetProperty("importId").GetString());

        // A file names its pool in each row, so "the same file" in another pool is the same rows for that pool: its bytes
        // differ only in the pool id. Byte-for-byte the same file is refused there as a row for another pool, never as a
        // duplicate: a claim is per pool.
        var otherCsv = csv.Replace(pool.PoolId, other.PoolId, StringComparison.Ordinal);
        await PoolScenario.Expect(App.PostAsync($"{other.Path}/imports", other.CouncilLead, ImportAppFixture.CsvContent(otherCsv)), HttpStatusCode.Accepted);
        var sameBytes = await PoolScenario.Expect(App.PostAsync($"{other.Path}/imports", other.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.UnprocessableEntity);
        sameBytes.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("column").GetString()).Should().Contain("pool");
    }

    [Fact]
    public async Task An_import_made_before_claims_existed_is_found_by_its_content_and_claimed()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var csv = $"pool,line,month,amount,reference,memo\n{pool.PoolId},programme-manager,6,12.00,INV-OLD,Before claims\n";
        var first = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Accepted);
        var importId = first.GetProperty("importId").GetString()!;
        (await fixture.WaitUntilFinishedAsync(pool, importId)).GetProperty("status").GetString().Should().Be("applied");

        // As it was stored before this change: the import record alone, no claim on its content, no marker.
        var table = App.Storage.Table(StorageNames.PoolsTable);
        var sha = first.GetProperty("fileSha256").GetString()!;
        await table.DeleteEntityAsync(pool.PoolId, ImportFileClaim.RowPrefix + sha);
        await table.DeleteEntityAsync(pool.PoolId, ImportFileClaim.MarkerRowKey);

        var refused = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Conflict);
        ShouldName(refused.GetProperty("earlierImport"), importId, pool.Path, "applied");
        var claim = await table.GetEntityIfExistsAsync<TableEntity>(pool.PoolId, ImportFileClaim.RowPrefix + sha);
        claim.HasValue.Should().BeTrue("the first lookup claims the earlier imports' contents");
        claim.Value!.GetString("ImportId").Should().Be(importId);
        (await table.GetEntityIfExistsAsync<TableEntity>(pool.PoolId, ImportFileClaim.MarkerRowKey)).HasValue.Should().BeTrue();
        (await pool.JournalAsync($"source=csv:{importId}")).Should().HaveCount(1);
    }

    [Fact]
    public async Task Resuming_an_unknown_import_or_one_of_another_pool_is_not_found_and_changes_nothing()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var other = await PoolScenario.CreateAsync(App);
        var csv = $"pool,line,month,amount,reference,memo\n{other.PoolId},programme-manager,6,3.00,INV-9,Other pool\n";
        var otherImport = (await PoolScenario.Expect(App.PostAsync($"{other.Path}/imports", other.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Accepted))
            .GetProperty("importId").GetString()!;
        (await fixture.WaitUntilFinishedAsync(other, otherImport)).GetProperty("status").GetString().Should().Be("applied");
        var before = (await StorageAsync(pool)).Concat(await StorageAsync(other)).ToList();

        foreach (var importId in new[] { "imp-000000000000000000000000", otherImport })
        {
            using var response = await Resume(pool, importId, $"resume-{importId}");
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, text);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            text.Should().Contain(importId).And.NotContain("Exception");
        }
        await PoolScenario.Expect(Resume(pool, "bad.id", "resume-bad"), HttpStatusCode.BadRequest);
        await PoolScenario.Expect(App.SendAsync(HttpMethod.Post, $"{other.Path}/imports/{otherImport}/resumption", other.CouncilLead), HttpStatusCode.BadRequest);
        await PoolScenario.Expect(Resume(other, otherImport, "resume-manager", other.ManagerToken), HttpStatusCode.Forbidden);
        (await StorageAsync(pool)).Concat(await StorageAsync(other)).Should().Equal(before, "a refused resumption changes nothing");
    }
}
