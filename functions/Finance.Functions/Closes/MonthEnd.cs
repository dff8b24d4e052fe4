using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Functions.Configuration;
using NodaTime;
using NodaTime.Text;

namespace Finance.Functions.Closes;

/// <summary>When month end falls due: the configured working day after a month ends (weekends and bank holidays skipped).</summary>
public static class MonthEndSchedule
{
    /// <summary>The <paramref name="workingDay"/>th working day after <paramref name="month"/> ends.</summary>
    public static LocalDate DueDate(FinancialMonth month, int workingDay, IReadOnlySet<LocalDate> bankHolidays)
    {
        ArgumentNullException.ThrowIfNull(month);
        ArgumentOutOfRangeException.ThrowIfLessThan(workingDay, 1);
        var date = month.PeriodEnd;
        for (var counted = 0; counted < workingDay;)
        {
            date = date.PlusDays(1);
            if (date.DayOfWeek is not (IsoDayOfWeek.Saturday or IsoDayOfWeek.Sunday) && !bankHolidays.Contains(date))
            {
                counted++;
            }
        }
        return date;
    }

    /// <summary>The month whose month end is due on <paramref name="today"/> or was due earlier this month (a late or
    /// repeated firing finds the same month); null before the due date.</summary>
    public static FinancialMonth? DueMonth(LocalDate today, int workingDay, IReadOnlySet<LocalDate> bankHolidays)
    {
        var previous = FinancialMonth.Containing(today).Previous;
        return today >= DueDate(previous, workingDay, bankHolidays) ? previous : null;
    }

    /// <summary>Reads Close__WorkingDay and Close__BankHolidays; a bad value is a start-up error, not a silent default.</summary>
    public static (int WorkingDay, IReadOnlySet<LocalDate> BankHolidays) FromConfiguration(IConfiguration configuration)
    {
        var dayText = configuration[AppSettings.CloseWorkingDay.Key];
        var workingDay = string.IsNullOrWhiteSpace(dayText) ? 5
            : int.TryParse(dayText, NumberStyles.None, CultureInfo.InvariantCulture, out var day) && day is >= 1 and <= 20 ? day
            : throw new InvalidOperationException($"{AppSettings.CloseWorkingDay.Name} is '{dayText}'; use a working day from 1 to 20.");
        var holidays = new HashSet<LocalDate>();
        foreach (var text in (configuration[AppSettings.CloseBankHolidays.Key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parsed = LocalDatePattern.Iso.Parse(text);
            holidays.Add(parsed.Success ? parsed.Value
                : throw new InvalidOperationException($"{AppSettings.CloseBankHolidays.Name} holds '{text}', which is not a date written yyyy-MM-dd."));
        }
        return (workingDay, holidays);
    }
}
