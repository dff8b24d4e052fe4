using System.Globalization;
using System.Text;

namespace Finance.Storage.Tables;

/// <summary>
/// Builds OData $filter strings for table queries from an interpolated string whose every hole is a value, turned
/// into a typed, escaped literal: <c>TableFilter.Create($"PartitionKey eq {pool} and Amount ge {minimum}")</c>.
/// This is the only way the clients take filters built from input; concatenating input into a filter is injection.
/// </summary>
public static class TableFilter
{
    /// <summary>Longest filter accepted (the URL must stay well under the service's limits).</summary>
    public const int MaxFilterLength = 8 * 1024;

    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var arguments = filter.GetArguments();
        var literals = new object?[arguments.Length];
        for (var i = 0; i < arguments.Length; i++)
        {
            literals[i] = Literal(arguments[i], i);
        }
        var text = string.Format(CultureInfo.InvariantCulture, filter.Format, literals);
        if (text.Length > MaxFilterLength)
        {
            throw new ArgumentException($"The filter is longer than {MaxFilterLength} characters.", nameof(filter));
        }
        return text;
    }

    /// <summary>One value as an OData literal of its Table type.</summary>
    internal static string Literal(object? value, int position) => value switch
    {
        null => throw new ArgumentException(
            $"Filter value {position} is null; compare against a typed value, or leave the condition out.", nameof(value)),
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d => DoubleLiteral(d, position),
        bool b => b ? "true" : "false",
        DateTimeOffset dto => "datetime'" + TableEntityJson.FormatDateTime(dto) + "'",
        DateTime { Kind: DateTimeKind.Unspecified } => throw new ArgumentException(
            $"Filter value {position} is a DateTime of unspecified kind; use a DateTimeOffset or a UTC DateTime.", nameof(value)),
        DateTime dt => "datetime'" + TableEntityJson.FormatDateTime(new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero)) + "'",
        Guid g => "guid'" + g.ToString("D") + "'",
        byte[] bytes => "X'" + Convert.ToHexStringLower(bytes) + "'",
        BinaryData data => "X'" + Convert.ToHexStringLower(data.ToMemory().Span) + "'",
        _ => throw new ArgumentException(
            $"Filter value {position} has type {value.GetType().Name}, which has no Table literal.", nameof(value)),
    };

    private static string DoubleLiteral(double value, int position)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"Filter value {position} is not a finite number.", nameof(value));
        }
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        // "2" would be read as an Int32 literal and never equal a Double property; keep it a double.
        if (text.AsSpan().IndexOfAny('.', 'E', 'e') < 0)
        {
            text += ".0";
        }
        return text;
    }

    /// <summary>A $select list: names checked so a select cannot smuggle in anything else.</summary>
    internal static string? Select(IEnumerable<string>? select)
    {
        if (select is null)
        {
            return null;
        }
        var names = new StringBuilder();
        var count = 0;
        foreach (var name in select)
        {
            TableEntityJson.ValidatePropertyName(name, nameof(select), allowSystem: true);
            if (++count > TableEntityJson.MaxPropertiesPerEntity + 3)
            {
                throw new ArgumentException("The $select lists more properties than an entity can have.", nameof(select));
            }
            if (names.Length > 0)
            {
                names.Append(',');
            }
            names.Append(name);
        }
        return count == 0 ? null : names.ToString();
    }
}
