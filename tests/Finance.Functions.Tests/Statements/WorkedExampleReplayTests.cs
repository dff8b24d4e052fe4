using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Postings;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests.Statements;

/// <summary>
/// DOMAIN.md's worked example (Riverside Place, 2024/25) re-keyed long after the fact, month by month, each figure
/// dated when it happened: every month-end statement as it was drawn (the 12th of the next month) comes back from
/// effective time, and every statement as the system showed it after each month was keyed comes back from recorded
/// time, penny for penny, however much is keyed or corrected afterwards. The expected figures are worked by hand from
/// the example's table (straight-line profiles from each line's start month), not by the code under test.
/// </summary>
public sealed class WorkedExampleReplayTests(PostingAppFixture fixture) : IClassFixture<PostingAppFixture>
{
    private TestApp App => fixture.App;

    /// <summary>Per month end, the totals row: YTD actuals, YTD accruals, YTD total, YTD forecast, variance, forecast outturn (pounds).</summary>
    private static readonly Dictionary<int, long[]> Totals = new()
    {
        [1] = [4_000, 0, 4_000, 19_250, -15_250, 267_000],
        [2] = [4_500, 0, 4_500, 38_500, -34_000, 267_000],
        [3] = [8_500, 0, 8_500, 57_750, -49_250, 267_000],
        [4] = [27_500, 0, 27_500, 77_000, -49_500, 267_000],
        [5] = [47_700, 0, 47_700, 96_250, -48_550, 267_000],
        [6] = [51_700, 19_000, 70_700, 115_500, -44_800, 237_000],
    };

    /// <summary>What each month's finance leads keyed: (line, kind, month, pounds).</summary>
    private static readonly Dictionary<int, (string Line, string Kind, int Month, string Amount)[]> Keyed = new()
    {
        [1] = [("programme-manager", "priorYearInvoice", 1, "4000")],
        [2] = [("leadership-alliance", "actual", 2, "500")],
        [3] = [("programme-manager", "actual", 3, "4000")],
        [4] = [("programme-manager", "actual", 4, "4000"), ("frailty-service", "actual", 4, "15000")],
        [5] = [("programme-manager", "actual", 5, "4000"), ("frailty-service", "actual", 5, "15000"), ("leadership-alliance", "actual", 5, "1200")],
        [6] =
        [
            ("programme-manager", "actual", 6, "4000"), ("programme-manager", "accrual", 6, "4000"),
            ("frailty-service", "accrual", 6, "15000"), ("frailty-service", "forecastOutturn", 6, "150000"),
        ],
    };

    [Fact]
    public async Task Each_month_end_comes_back_as_drawn_from_effective_time_and_as_shown_from_recorded_time()
    {
        var example = await Example.CreateAsync(App);
        var shown = new Dictionary<int, (DateTimeOffset KnownAt, string Figures)>();
        for (var month = 1; month <= 6; month++)
        {
            foreach (var (line, kind, entryMonth, amount) in Keyed[month])
            {
                await example.KeyAsync(line, kind, entryMonth, amount, Example.Keyed(month));
            }
            // What the system showed once the month was keyed, and the instant it showed it.
            var statement = await example.StatementAsync(month, null, null);
            Figures(statement).Should().Equal(Totals[month], $"month {month} as keyed");
            shown[month] = (DateTimeOffset.UtcNow, Describe(statement));
            await Task.Delay(5);
        }

        // Corrected after the last drawing: a month 3 actual reversed on 20 October, and a July invoice found in November.
        var pmActuals = await example.JournalAsync("line=programme-manager&kind=actual&month=3");
        await example.ReverseAsync(pmActuals.Single().GetProperty("id").GetString()!, month: 6, "2024-10-20T10:00:00Z");
        await example.KeyAsync("frailty-service", "actual", 4, "2500", "2024-11-04T10:00:00Z");

        for (var month = 1; month <= 6; month++)
        {
            var drawn = await example.StatementAsync(month, Example.Drawn(month), null);
            Figures(drawn).Should().Equal(Totals[month], $"month {month} as at its drawing, {Example.Drawn(month)}");
            drawn.GetProperty("asAt").GetString().Should().Be(Example.Drawn(month));

            var asKnown = await example.StatementAsync(month, null, shown[month].KnownAt);
            Describe(asKnown).Should().Be(shown[month].Figures, $"month {month} as known when it was shown");
        }

        // The corrections count from when they took effect, and only then.
        var now = await example.StatementAsync(6, null, null);
        Figures(now)[0].Should().Be(51_700 - 4_000 + 2_500, "today's month 6 has the reversal and the late invoice");
        var sixAsDrawn = await example.StatementAsync(6, Example.Drawn(6), null);
        Figures(sixAsDrawn)[0].Should().Be(51_700, "both corrections took effect after the paper was drawn");
        var sixLater = await example.StatementAsync(6, "2024-10-31T12:00:00Z", null);
        Figures(sixLater)[0].Should().Be(51_700 - 4_000, "by the end of October the reversal had taken effect, the November invoice not");
    }

    /// <summary>The totals row, in whole pounds.</summary>
    private static long[] Figures(JsonElement statement)
    {
        var totals = statement.GetProperty("totals");
        string[] columns = ["ytdActuals", "ytdAccruals", "ytdTotal", "ytdForecast", "variance", "forecastOutturn"];
        return columns.Select(name => totals.GetProperty(name).GetProperty("pence").GetInt64() / 100).ToArray();
    }

    /// <summary>Everything a statement says except when it was drawn: its summary and rows.</summary>
    private static string Describe(JsonElement statement) =>
        JsonSerializer.Serialize(new { summary = statement.GetProperty("summary"), rows = statement.GetProperty("rows"), totals = statement.GetProperty("totals") });

    /// <summary>The worked example's pool through the API (<see cref="RiversideThroughApi"/>), re-keyed figure by figure.</summary>
    private sealed class Example(RiversideThroughApi riverside)
    {
        private TestApp App => riverside.App;

        /// <summary>The month-end statement was drawn on the 12th of the next month, at 09:00 UTC.</summary>
        public static string Drawn(int month) => new DateTime(2024, 4 + month, 12, 9, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ");

        /// <summary>A month's figures were booked on the 8th of the next month.</summary>
        public static string Keyed(int month) => new DateTime(2024, 4 + month, 8, 10, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ");

        /// <summary>The pool with its budget as approved on 3 April 2024, keyed today, and none of the leads' figures yet.</summary>
        public static async Task<Example> CreateAsync(TestApp app) =>
            new(await RiversideThroughApi.CreateAsync(app, postFigures: false, budgetEffectiveAt: "2024-04-03T09:00:00Z"));

        /// <summary>One figure, posted by the finance lead of the line's host.</summary>
        public Task<JsonElement> KeyAsync(string line, string kind, int month, string amount, string effectiveAt) =>
            PoolScenario.Expect(App.PostAsync($"{riverside.Path}/entries", LeadOf(line), JsonContent.Create(new { kind, line, month, amount, effectiveAt })),
                HttpStatusCode.Created);

        public Task<JsonElement> ReverseAsync(string entryId, int month, string effectiveAt) =>
            PoolScenario.Expect(App.PostAsync($"{riverside.Path}/entries/{entryId}/reversal", LeadOf("programme-manager"), JsonContent.Create(new
            {
                reason = "Invoice credited: posted to the wrong cost centre.", month, effectiveAt,
            })), HttpStatusCode.Created);

        public async Task<List<JsonElement>> JournalAsync(string query)
        {
            var page = await PoolScenario.Expect(App.SendAsync(HttpMethod.Get, $"{riverside.Path}/entries?{query}", riverside.Auditor), HttpStatusCode.OK);
            return page.GetProperty("entries").EnumerateArray().ToList();
        }

        public Task<JsonElement> StatementAsync(int month, string? asAt, DateTimeOffset? knownAt)
        {
            var query = new List<string> { "pence=true" };
            if (asAt is not null)
            {
                query.Add($"asAt={asAt}");
            }
            if (knownAt is { } known)
            {
                query.Add($"knownAt={known.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}");
            }
            return PoolScenario.Expect(
                App.SendAsync(HttpMethod.Get, $"{riverside.Path}/statements/2024-25/{month}?{string.Join('&', query)}", riverside.Auditor), HttpStatusCode.OK);
        }

        private string LeadOf(string line) => RiversideThroughApi.Lead(line switch
        {
            "frailty-service" => riverside.Trust,
            "leadership-alliance" => riverside.Hospital,
            _ => riverside.Council,
        });
    }
}
