namespace Finance.Domain;

/// <summary>
/// The one rule for text the ledger stores (memos, references, reasons, names), wherever it arrives (JSON or CSV):
/// white space around it is trimmed, the rest is kept exactly; control characters are refused, except tab, line feed
/// and carriage return in free text. A name (a pool's, a line's title) is one line, so it takes no control character.
/// </summary>
public static class TextRule
{
    /// <summary>Why <paramref name="text"/> cannot be stored, or null.</summary>
    public static string? Problem(string text, bool singleLine)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
        {
            if (char.IsControl(c) && (singleLine || c is not ('\t' or '\n' or '\r')))
            {
                return singleLine
                    ? $"holds a control character (U+{(int)c:X4}); a name is one line of printable text"
                    : $"holds a control character (U+{(int)c:X4}); only tab and line breaks are kept in text";
            }
        }
        return null;
    }

    /// <summary>The text as stored: without the white space around it.</summary>
    public static string Normalise(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim();
    }
}
