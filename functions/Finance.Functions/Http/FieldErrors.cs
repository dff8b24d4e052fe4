using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Finance.Domain.Money;
using Finance.Functions.Access;

namespace Finance.Functions.Http;

/// <summary>
/// Collects what is wrong with a request body, field by field (JSON paths such as <c>entries[3].amount</c>), so a
/// caller sees every problem at once and the answer is one 400 naming each field.
/// </summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool Any => errors.Count > 0;

    public int Count => errors.Count;

    public void Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }
        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>A required id in the ledger's id shape.</summary>
    public string? Id(string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"{Leaf(field)} is required.");
            }
            return null;
        }
        if (!Ids.IsLedgerId(value))
        {
            Add(field, $"{Leaf(field)} is an id: {Ids.LedgerIdRule}.");
            return null;
        }
        return value;
    }

    /// <summary>Text up to <paramref name="maxLength"/> characters, trimmed; null when absent and not required.</summary>
    /// <summary>Text by <see cref="Finance.Domain.TextRule"/>: trimmed, at most <paramref name="maxLength"/>, no control characters
    /// (tab and line breaks allowed unless <paramref name="singleLine"/>).</summary>
    public string? Text(string field, string? value, int maxLength, bool required = false, bool singleLine = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"{Leaf(field)} is required.");
            }
            return null;
        }
        var trimmed = Finance.Domain.TextRule.Normalise(value);
        if (trimmed.Length > maxLength)
        {
            Add(field, $"{Leaf(field)} is at most {maxLength} characters.");
            return null;
        }
        if (Finance.Domain.TextRule.Problem(trimmed, singleLine) is { } problem)
        {
            Add(field, $"{Leaf(field)} {problem}.");
            return null;
        }
        return trimmed;
    }

    /// <summary>A name from <typeparamref name="TEnum"/>, matched without regard to case ("priorYearInvoice").</summary>
    public TEnum? Enum<TEnum>(string field, string? value, bool required = true, IEnumerable<TEnum>? allowed = null)
        where TEnum : struct, System.Enum
    {
        var choices = (allowed ?? System.Enum.GetValues<TEnum>()).ToList();
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"{Leaf(field)} is required: one of {Names(choices)}.");
            }
            return null;
        }
        if (value.All(char.IsAsciiLetter) && System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && choices.Contains(parsed))
        {
            return parsed;
        }
        Add(field, $"'{Clip(value)}' is not allowed here; use one of {Names(choices)}.");
        return null;
    }

    /// <summary>An amount in pounds, as a JSON string ("1,234.56", "(12.00)") or number (1234.56), read exactly, never through a double.</summary>
    public Pence? Amount(string field, JsonElement? value, bool required = true)
    {
        if (value is not { } element || element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            if (required)
            {
                Add(field, $"{Leaf(field)} is required, in pounds (\"1234.56\").");
            }
            return null;
        }
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        if (text is null)
        {
            Add(field, $"{Leaf(field)} is an amount in pounds, as a string (\"1234.56\") or a number, not {element.ValueKind.ToString().ToLowerInvariant()}.");
            return null;
        }
        if (!Pence.TryParse(text, Pence.DefaultParseCeiling, out var amount, out var error))
        {
            Add(field, error);
            return null;
        }
        return amount;
    }

    /// <summary>A financial month number, 1 (April) to 12 (March).</summary>
    /// <summary>
    /// An instant: ISO 8601 with Z or an offset (2024-12-09T10:00:00Z, 2024-12-09T10:00:00+00:00), kept to the 100 ns
    /// the ledger stores; never later than <paramref name="now"/>. Null (and an error) when it is not one; null when absent.
    /// </summary>
    public NodaTime.Instant? Instant(string field, string? value, NodaTime.Instant now)
    {
        if (value is null)
        {
            return null;
        }
        var parsed = NodaTime.Text.InstantPattern.ExtendedIso.Parse(value);
        var offset = NodaTime.Text.OffsetDateTimePattern.ExtendedIso.Parse(value);
        var instant = parsed.Success ? parsed.Value : offset.Success ? offset.Value.ToInstant() : (NodaTime.Instant?)null;
        if (instant is not { } found)
        {
            Add(field, $"{Leaf(field)} is an instant such as 2024-12-12T09:30:00Z (or with an offset, +01:00).");
            return null;
        }
        if (found > now)
        {
            Add(field, $"{Leaf(field)} {found} is in the future; the ledger records what has happened.");
            return null;
        }
        return NodaTime.Instant.FromUnixTimeTicks(found.ToUnixTimeTicks());
    }

    /// <summary>
    /// When something of a <paramref name="year"/> pool happened or applies from (an entry's effectiveAt, a line's
    /// effectiveFrom): an <see cref="Instant"/> no later than <paramref name="notAfter"/> (what is recorded has happened)
    /// and no earlier than the start of the financial year before (a commitment approved in March for the year from
    /// April); null when not given.
    /// </summary>
    public NodaTime.Instant? Effective(string field, string? value, NodaTime.Instant notAfter, Finance.Domain.Calendar.FinancialYear year)
    {
        ArgumentNullException.ThrowIfNull(year);
        if (Instant(field, value, notAfter) is not { } effective)
        {
            return null;
        }
        var earliest = Finance.Domain.Calendar.LondonTime.StartOfDay(year.Previous.FirstDay);
        if (effective < earliest)
        {
            Add(field, $"{Leaf(field)} {effective} is before {year.Previous} began ({Finance.Domain.Calendar.LondonTime.Format(earliest)}), "
                + $"the earliest anything of a {year} pool can take effect.");
            return null;
        }
        return effective;
    }

    public int? Month(string field, int? value, bool required = true)
    {
        if (value is not { } month)
        {
            if (required)
            {
                Add(field, $"{Leaf(field)} is required: the financial month, 1 (April) to 12 (March).");
            }
            return null;
        }
        if (month is < 1 or > 12)
        {
            Add(field, $"Month {month} is not a financial month: use 1 (April) to 12 (March).");
            return null;
        }
        return month;
    }

    /// <summary>Runs a domain constructor, turning the refusal it throws into a problem for <paramref name="field"/>.</summary>
    public bool TryBuild<T>(string field, Func<T> build, [NotNullWhen(true)] out T? built)
        where T : class
    {
        try
        {
            built = build();
            return true;
        }
        catch (ArgumentException e)
        {
            Add(field, FirstSentence(e.Message));
            built = null;
            return false;
        }
    }

    /// <summary>An exception's message without the " (Parameter 'x')" .NET appends.</summary>
    public static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        var text = cut >= 0 ? message[..cut] : message;
        var actual = text.IndexOf("\nActual value was", StringComparison.Ordinal);
        return actual >= 0 ? text[..actual].Trim() : text.Trim();
    }

    public static string Clip(string value) => value.Length <= 60 ? value : value[..60] + "…";

    public static string Names<TEnum>(IEnumerable<TEnum> values)
        where TEnum : struct, System.Enum =>
        string.Join(", ", values.Select(v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString())));

    private static string Leaf(string field)
    {
        var dot = field.LastIndexOf('.');
        return dot >= 0 ? field[(dot + 1)..] : field;
    }
}
