using Finance.Domain.Calendar;
using Finance.Functions.Closes;
using NodaTime;
using Settings = Finance.Functions.Configuration.AppSettings;

namespace Finance.Benchmarks.Close;

/// <summary>
/// Which month the close scenario closes, decided on the day it runs. The worker takes today's date from the machine's
/// clock (London's date), so the benchmark cannot choose it, as it could when it posted the host's payload itself. It
/// runs the app with month end due on the first working day after a month ends (<see cref="WorkingDay"/>, no bank
/// holidays), so that on nearly every day the month just ended is due, and sets its pools up in that month's financial
/// year. Only before the first weekday of a month (a Saturday the 1st, a Sunday the 1st or 2nd) is no month due; the
/// timer would then do nothing, so month end runs per pool instead, through the HTTP function that does for one pool
/// what the timer does for each (<c>POST /api/pools/{poolId}/month-end?month=N</c>), for the month just ended.
/// </summary>
/// <param name="Month">The month closed: the one due today, else the one that ended last.</param>
/// <param name="Today">London's date when the run was planned.</param>
/// <param name="TimerDue">Whether the month-end timer, fired today, closes <paramref name="Month"/>.</param>
internal sealed record CloseMonth(FinancialMonth Month, LocalDate Today, bool TimerDue)
{
    /// <summary>Close__WorkingDay: the first working day after a month ends (the app's default is the fifth).</summary>
    public const int WorkingDay = 1;

    private static readonly IReadOnlySet<LocalDate> NoBankHolidays = new HashSet<LocalDate>();

    public static CloseMonth Now() => On(LondonTime.Today(SystemClock.Instance));

    public static CloseMonth On(LocalDate today)
    {
        var due = MonthEndSchedule.DueMonth(today, WorkingDay, NoBankHolidays);
        return new CloseMonth(due ?? FinancialMonth.Containing(today).Previous, today, due is not null);
    }

    public BenchYear Year => new(Month.Year.StartYear);

    public int Number => Month.Number;

    /// <summary>The run report's <c>period</c>: "2026/27 M8".</summary>
    public string Period => Month.ToString();

    /// <summary>
    /// The agreement's underspend rule. Closing month 12 closes the year, and a year whose agreement keeps the
    /// underspend (carried forward) cannot be closed without a carried-forward stream; returning it in proportion needs
    /// none, and changes nothing in a close of months 1 to 11.
    /// </summary>
    public string Underspend => Number == 12 ? "ReturnInProportion" : "CarryForward";

    /// <summary>The app settings that make month end fall due as this plan says, and let the timer's summary line (at
    /// Information; the benchmark runs the app at Warning) through to the host's log.</summary>
    public static IReadOnlyDictionary<string, string> AppSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Settings.CloseWorkingDay.Name] = WorkingDay.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Settings.CloseBankHolidays.Name] = "",
        ["Logging__LogLevel__" + typeof(MonthEndFunctions).FullName] = "Information",
    };

    /// <summary>In a sentence, for the report: the month, why, and which path runs month end.</summary>
    public string Describe()
    {
        var due = MonthEndSchedule.DueDate(Month, WorkingDay, NoBankHolidays);
        return TimerDue
            ? FormattableString.Invariant(
                $"Today ({Today:yyyy-MM-dd}, London) {Period} is due (working day {WorkingDay} after {Month.PeriodEnd:yyyy-MM-dd} was {due:yyyy-MM-dd}), so the month-end timer closes it.")
            : FormattableString.Invariant(
                $"Today ({Today:yyyy-MM-dd}, London) no month is due: {Period} ended {Month.PeriodEnd:yyyy-MM-dd} but its working day {WorkingDay} is {due:yyyy-MM-dd}, so the timer would close nothing; month end runs per pool (POST /month-end?month={Number}) instead.");
    }
}
