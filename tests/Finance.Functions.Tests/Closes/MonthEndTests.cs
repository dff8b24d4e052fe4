using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Finance.Domain.Calendar;
using Finance.Functions.Closes;
using Finance.Functions.Configuration;
using Finance.Functions.Tests.Access;
using Finance.Functions.Tests.Statements;
using Finance.Storage;
using Finance.Testing;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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

/// <summary>
/// The month-end run on chosen dates: the service the timer calls, composed as the worker composes it
/// (<see cref="FinanceApp.AddFinanceServices"/>) on the same storage as the app, given each date as the timer function
/// gives it London's date today (the worker's clock is the machine's, so dates cannot be chosen through the host).
/// Pools are set up and results read through the app. On an Azurite of its own: it reconciles every pool.
/// </summary>
public sealed class MonthEndRunTests : IAsyncLifetime
{
    private Azurite azurite = null!;
    private TestApp app = null!;
    private ServiceProvider services = null!;

    public async Task InitializeAsync()
    {
        azurite = await Azurite.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            [AppSettings.LedgerConnectionString.Key] = azurite.ConnectionString,
            [AppSettings.CloseWorkingDay.Key] = "5",
            [AppSettings.CloseBankHolidays.Key] = "2024-05-06",
        };
        app = await TestApp.StartAsync(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSingleton<IClock>(SystemClock.Instance);
        collection.AddFinanceStorage(configuration);
        collection.AddFinanceServices();
        services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await app.DisposeAsync();
        await azurite.DisposeAsync();
    }

    private async Task<MonthEndRun> RunAsync(int year, int month, int day, bool isPastDue = false)
    {
        return await services.GetRequiredService<MonthEndService>().RunAsync(new LocalDate(year, month, day), isPastDue, CancellationToken.None);
    }

    [Fact]
    public async Task On_the_working_day_the_run_reconciles_every_pool_closes_the_auto_closing_ones_and_a_late_firing_changes_nothing()
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

        var early = await RunAsync(2024, 5, 7);
        early.Summary.Should().Contain("not due", "with the 6 May bank holiday the fifth working day is 8 May");
        early.Report.Should().BeNull();

        var fired = await RunAsync(2024, 5, 8);
        fired.Summary.Should().Contain("2024/25 M1").And.Contain("1 closed");
        var (_, chain) = await GetAsync($"{auto.Path}/closes/2024-25", auto.Auditor);
        var link = chain.GetProperty("links").EnumerateArray().Single();
        link.GetProperty("by").GetString().Should().Be(MonthEndService.SystemPrincipal);
        var (_, manualChain) = await GetAsync($"{manual.Path}/closes/2024-25", manual.Auditor);
        manualChain.GetProperty("links").GetArrayLength().Should().Be(0, "a pool not set to auto-close is reconciled, not closed");

        var (status, report) = await GetAsync("api/month-end/runs/latest", manual.Auditor);
        status.Should().Be(HttpStatusCode.OK);
        var pools = report.GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("poolId").GetString()!);
        pools[manual.PoolId].GetProperty("outcome").GetString().Should().Be("reconciled");
        pools[manual.PoolId].GetProperty("blocking").GetBoolean().Should().BeTrue();
        pools[auto.PoolId].GetProperty("outcome").GetString().Should().Be("closed");

        var late = await RunAsync(2024, 5, 9, isPastDue: true);
        late.Summary.Should().Contain("0 closed");
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

/// <summary>
/// The month-end timer as the host fires it: on its schedule (the app setting Close__Schedule, here every two seconds)
/// and late (IsPastDue), on today's date, in the worker process. What it must do today follows from the
/// schedule rules tested above; the run report is read back through the app.
/// </summary>
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
            [AppSettings.CloseWorkingDay.Key] = "1",
            [AppSettings.CloseSchedule.Key] = "*/2 * * * * *",
        }, runTimers: true);
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await azurite.DisposeAsync();
    }

    [Fact]
    public async Task The_host_fires_the_timer_on_its_schedule_and_the_worker_runs_month_end_for_today()
    {
        var today = LondonTime.Today(SystemClock.Instance);
        var due = MonthEndSchedule.DueMonth(today, 1, new HashSet<LocalDate>());
        var fired = new TaskCompletionSource<Finance.LocalHost.InvocationOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.App.Host.InvocationCompleted += (_, outcome) =>
        {
            if (outcome.FunctionName == MonthEndFunctions.TimerName)
            {
                fired.TrySetResult(outcome);
            }
        };

        var outcome = await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));
        outcome.Status.Should().Be(Finance.LocalHost.InvocationStatus.Succeeded, app.App.Log());
        outcome.Trigger.Should().Be(Finance.LocalHost.FunctionTriggerKind.Timer);

        using var response = await app.SendAsync(HttpMethod.Get, "api/month-end/runs/latest", TestApp.Token("timer-auditor", null, Finance.Domain.Principals.Role.Auditor));
        if (due is null)
        {
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"no month is due on {today}, so no run writes a report");
            return;
        }
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("period").GetString().Should().Be(due.ToString());
        report.GetProperty("trigger").GetString().Should().Be("timer");
        report.GetProperty("isPastDue").GetBoolean().Should().BeFalse("every run so far was fired on schedule");

        // Fired late by the host (as after downtime), it runs again and finds nothing more to close.
        var pastDue = await app.App.Host.InvokeTimerAsync(MonthEndFunctions.TimerName, isPastDue: true);
        pastDue.Status.Should().Be(Finance.LocalHost.InvocationStatus.Succeeded, app.App.Log());
    }
}
