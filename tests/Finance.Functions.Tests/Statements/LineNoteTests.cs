using System.Net;
using System.Net.Http.Json;
using Finance.Functions.Tests.Imports;
using Finance.Functions.Tests.Postings;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// A finance lead's monthly note on a line they host: posted as a note entry (one by one or as a CSV row), kept in
/// the journal as history, and shown in the statement's Notes column as the latest note up to the statement's month.
/// </summary>
public sealed class LineNoteTests(ImportAppFixture fixture) : IClassFixture<ImportAppFixture>
{
    private Finance.Functions.Tests.Access.TestApp App => fixture.App;

    [Fact]
    public async Task The_notes_column_shows_the_latest_note_up_to_the_month_and_the_journal_keeps_every_note()
    {
        var pool = await PoolScenario.CreateAsync(App);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "note", line = "programme-manager", month = 3, memo = "Recruitment under way; interviews on 12 June.",
        })), HttpStatusCode.Created);
        var csv = "pool,line,month,amount,reference,memo,kind\n"
            + $"{pool.PoolId},programme-manager,5,4000.00,INV-5,,\n"
            + $"{pool.PoolId},programme-manager,5,,,\"Post filled from 1 August.\",note\n";
        var accepted = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.Accepted);
        (await fixture.WaitUntilFinishedAsync(pool, accepted.GetProperty("importId").GetString()!))
            .GetProperty("status").GetString().Should().Be("applied");

        (await NoteAsync(pool, 2)).Should().BeEmpty("no note had been written for month 2 or before");
        (await NoteAsync(pool, 3)).Should().Be("Recruitment under way; interviews on 12 June.");
        (await NoteAsync(pool, 4)).Should().Be("Recruitment under way; interviews on 12 June.", "a note stands until a later one");
        (await NoteAsync(pool, 6)).Should().Be("Post filled from 1 August.");

        var history = await pool.JournalAsync("line=programme-manager&kind=note");
        history.Select(e => (e.GetProperty("month").GetInt32(), e.GetProperty("memo").GetString())).Should().Equal(
            (5, "Post filled from 1 August."), (3, "Recruitment under way; interviews on 12 June."));
        history.Should().OnlyContain(e => e.GetProperty("amountPence").GetInt64() == 0);

        // A note moves no money and is not reversed: writing the month's note again replaces it, and the journal keeps both.
        var first = history[0].GetProperty("id").GetString();
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries/{first}/reversal", pool.CouncilLead, JsonContent.Create(new
        {
            reason = "Start date not yet confirmed.", month = 6,
        })), HttpStatusCode.UnprocessableEntity);
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "note", line = "programme-manager", month = 5, memo = "Start date to be confirmed.",
        })), HttpStatusCode.Created);
        (await NoteAsync(pool, 5)).Should().Be("Start date to be confirmed.");
        (await NoteAsync(pool, 6)).Should().Be("Start date to be confirmed.");
        (await pool.JournalAsync("line=programme-manager&kind=note")).Should().HaveCount(3);

        var drawn = DateTimeOffset.UtcNow;
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(new
        {
            kind = "note", line = "programme-manager", month = 6, memo = "Started 1 September.",
        })), HttpStatusCode.Created);
        (await NoteAsync(pool, 6)).Should().Be("Started 1 September.");
        (await NoteAsync(pool, 6, $"knownAt={drawn:yyyy-MM-ddTHH:mm:ss.fffZ}")).Should().Be("Start date to be confirmed.",
            "a statement as known before the note was written shows the note before it");

        using var text = await App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/6?format=csv", pool.Viewer);
        (await text.Content.ReadAsStringAsync()).Should().Contain("Started 1 September.");
    }

    [Fact]
    public async Task A_note_is_refused_without_text_with_an_amount_or_from_another_organisation_and_nothing_is_written()
    {
        var pool = await PoolScenario.CreateAsync(App);
        var before = (await pool.JournalAsync()).Count;

        await Refused(pool, new { kind = "note", line = "programme-manager", month = 3 }, "memo");
        await Refused(pool, new { kind = "note", line = "programme-manager", month = 3, memo = "  " }, "memo");
        await Refused(pool, new { kind = "note", line = "programme-manager", month = 3, memo = "x", amount = "5.00" }, "amount");
        await Refused(pool, new
        {
            kind = "note", line = "programme-manager", month = 3, memo = new string('n', Finance.Domain.Limits.MaxNoteLength + 1),
        }, "memo");
        await Refused(pool, new { kind = "note", month = 3, memo = "No line." }, "line");
        await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.TrustLead, JsonContent.Create(new
        {
            kind = "note", line = "programme-manager", month = 3, memo = "Not our line.",
        })), HttpStatusCode.Forbidden);

        var csv = "pool,line,month,amount,reference,memo,kind\n"
            + $"{pool.PoolId},programme-manager,5,,,,note\n"
            + $"{pool.PoolId},data-analyst,5,,,First.,note\n"
            + $"{pool.PoolId},data-analyst,5,,N-2,Second.,note\n"
            + $"{pool.PoolId},data-analyst,5,1.00,,Third.,note\n"
            + $"{pool.PoolId},data-analyst,6,,,{new string('n', Finance.Domain.Limits.MaxNoteLength + 1)},note\n";
        var refused = await PoolScenario.Expect(
            App.PostAsync($"{pool.Path}/imports", pool.CouncilLead, ImportAppFixture.CsvContent(csv)), HttpStatusCode.UnprocessableEntity);
        refused.GetProperty("problems").EnumerateArray().Select(p => (p.GetProperty("row").GetInt32(), p.GetProperty("column").GetString()))
            .Should().Equal((2, "memo"), (4, ""), (5, "amount"), (6, "memo"));

        (await pool.JournalAsync()).Should().HaveCount(before, "nothing refused is written");
    }

    private async Task Refused(PoolScenario pool, object body, string field)
    {
        var problem = await PoolScenario.Expect(App.PostAsync($"{pool.Path}/entries", pool.CouncilLead, JsonContent.Create(body)),
            HttpStatusCode.BadRequest);
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Should().Equal([field], problem.ToString());
    }

    private async Task<string> NoteAsync(PoolScenario pool, int month, string? query = null)
    {
        var statement = await PoolScenario.Expect(
            App.SendAsync(HttpMethod.Get, $"{pool.Path}/statements/2024-25/{month}{(query is null ? "" : "?" + query)}", pool.Viewer), HttpStatusCode.OK);
        return statement.GetProperty("rows").EnumerateArray()
            .Single(r => r.GetProperty("line").GetString() == "programme-manager").GetProperty("notes").GetString()!;
    }
}
