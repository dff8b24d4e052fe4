using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Closes;
using Finance.Functions.Configuration;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Statements;
using Finance.Testing;
using FluentAssertions;
using NodaTime;
using Xunit;

namespace Finance.Functions.Tests.Closes;

public sealed class MonthEndScheduleTests
{
    private static readonly FinancialYear Year = new(2024);

    [Theory]
    [InlineData(8, 5, "", "2024-12-06")] // November 2024 ends on a Saturday
    [InlineData(9, 5, "2024-12-25,2024-12-26,2025-01-01", "2025-01-08")] // New Year's Day skipped
    [InlineData(9, 5, "", "2025-01-07")]
    [InlineData(1, 1, "", "2024-05-01")]
    [InlineData(12, 3, "", "2025-04-03")]
    public void The_due_date_is_the_working_day_after_month_end_skipping_weekends_and_bank_holidays(int month, int workingDay, string holidays, string due)
    {
        var bankHolidays = holidays.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => NodaTime.Text.LocalDatePattern.Iso.Parse(d).Value).ToHashSet();
        MonthEndSchedule.DueDate(Year.Month(month), workingDay, bankHolidays).ToString("yyyy-MM-dd", null).Should().Be(due);
    }

    [Fact]
    public void The_month_is_due_from_its_due_date_and_stays_due_for_late_firings()
    {
        var none = new HashSet<LocalDate>();
        MonthEndSchedule.DueMonth(new LocalDate(2024, 12, 5), 5, none).Should().BeNull("the fifth working day of December 2024 is the 6th");
        MonthEndSchedule.DueMonth(new LocalDate(2024, 12, 6), 5, none).Should().Be(Year.Month(8));
        MonthEndSchedule.DueMonth(new LocalDate(2024, 12, 20), 5, none).Should().Be(Year.Month(8), "a late firing finds the same month");
    }
}

/// <summary>The month-end timer, invoked with the Functions host's payload, on an Azurite of its own (it reconciles every pool).</summary>
public sealed class MonthEndTimerTests : IAsyncLifetime
{
    private Azurite azurite = null!;
    private TestApp app = null!;

    public async Task InitializeAsync()
    {
        azurite = await Azurite.StartAsync();
        app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            [AppSettings.LedgerConnectionString.Key] = azurite.ConnectionString,
            [AppSettings.CloseWorkingDay.Key] = "5",
            [AppSettings.CloseBankHolidays.Key] = "2024-05-06",
        });
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await azurite.DisposeAsync();
    }

    private async Task<JsonElement> FireAsync(string utcNow, bool isPastDue = false)
    {
        var payload = JsonSerializer.Serialize(new { Data = new { timer = new { IsPastDue = isPastDue } }, Metadata = new { sys = new { UtcNow = utcNow } } });
        using var response = await app.Client.PostAsync("MonthEndClose", new StringContent(payload, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task On_the_working_day_the_timer_reconciles_every_pool_closes_the_auto_closing_ones_and_a_late_firing_changes_nothing()
    {
        var manual = await RiversideThroughApi.CreateAsync(app);
        var auto = await RiversideThroughApi.CreateAsync(app);
        // The auto-closing pool books the partners' contributions, so nothing blocks its month 1.
        using (var put = await app.SendAsync(HttpMethod.Put, auto.Path, auto.Manager, JsonContent.Create(new
        {
            name = "Riverside Place", hostOrganisation = auto.Council, financialYear = "2024/25", partnerOrganisations = new[] { auto.Icb, auto.Hospital, auto.Trust }, autoClose = true,
        })))
        {
            put.StatusCode.Should().Be(HttpStatusCode.OK);
        }
        await auto.PostAsync(auto.Manager,
            new { kind = "contribution", stream = "place", partner = auto.Icb, month = 1, amount = "300000" },
            new { kind = "contribution", stream = "leadership", partner = auto.Hospital, month = 1, amount = "9000" });
        using (var findings = await app.SendAsync(HttpMethod.Get, $"{auto.Path}/findings/2024-25/1", auto.Auditor))
        {
            var body = await findings.Content.ReadFromJsonAsync<JsonElement>();
            body.GetProperty("blocking").GetBoolean().Should().BeFalse(body.ToString());
        }

        var early = await FireAsync("2024-05-07T06:00:00Z");
        early.GetProperty("Logs")[0].GetString().Should().Contain("not due", "with the 6 May bank holiday the fifth working day is 8 May");

        var fired = await FireAsync("2024-05-08T06:00:00Z");
        fired.GetProperty("Logs")[0].GetString().Should().Contain("2024/25 M1").And.Contain("1 closed");
        var (_, chain) = await GetAsync($"{auto.Path}/closes/2024-25", auto.Auditor);
        var link = chain.GetProperty("links").EnumerateArray().Single();
        link.GetProperty("by").GetString().Should().Be(MonthEnd.SystemPrincipal);
        var (_, manualChain) = await GetAsync($"{manual.Path}/closes/2024-25", manual.Auditor);
        manualChain.GetProperty("links").GetArrayLength().Should().Be(0, "a pool not set to auto-close is reconciled, not closed");

        var (status, report) = await GetAsync("api/month-end/runs/latest", manual.Auditor);
        status.Should().Be(HttpStatusCode.OK);
        var pools = report.GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("poolId").GetString()!);
        pools[manual.PoolId].GetProperty("outcome").GetString().Should().Be("reconciled");
        pools[manual.PoolId].GetProperty("blocking").GetBoolean().Should().BeTrue();
        pools[auto.PoolId].GetProperty("outcome").GetString().Should().Be("closed");

        var late = await FireAsync("2024-05-09T06:00:00Z", isPastDue: true);
        late.GetProperty("Logs")[0].GetString().Should().Contain("0 closed");
        (await GetAsync($"{auto.Path}/closes/2024-25", auto.Auditor)).Body.GetProperty("links").GetArrayLength().Should().Be(1, "a second firing closes nothing twice");
        var (_, again) = await GetAsync("api/month-end/runs/latest", manual.Auditor);
        again.GetProperty("isPastDue").GetBoolean().Should().BeTrue();
        again.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("poolId").GetString() == auto.PoolId)
            .GetProperty("outcome").GetString().Should().Be("already-closed");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path, string token)
    {
        using var response = await app.SendAsync(HttpMethod.Get, path, token);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
