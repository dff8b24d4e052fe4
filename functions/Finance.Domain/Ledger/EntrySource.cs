using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Ledger;

public enum EntrySourceKind
{
    Api,
    CsvImport,
    YearEnd,
}

/// <summary>How an entry arrived: through the API, in a named CSV import, or from the year-end close.</summary>
public sealed record EntrySource
{
    private EntrySource(EntrySourceKind kind, string? importId)
    {
        Kind = kind;
        ImportId = importId;
    }

    public EntrySourceKind Kind { get; }

    /// <summary>The CSV import the entry came in, for <see cref="EntrySourceKind.CsvImport"/>.</summary>
    public string? ImportId { get; }

    public static EntrySource Api { get; } = new(EntrySourceKind.Api, null);

    public static EntrySource YearEnd { get; } = new(EntrySourceKind.YearEnd, null);

    public static EntrySource CsvImport(string importId) => new(EntrySourceKind.CsvImport, Identifier.Validate(importId, "import id"));

    /// <summary>"api", "year-end" or "csv:{import id}"; <see cref="TryParse"/> reads it back.</summary>
    public override string ToString() => Kind switch
    {
        EntrySourceKind.Api => "api",
        EntrySourceKind.YearEnd => "year-end",
        _ => "csv:" + ImportId,
    };

    public static bool TryParse(string? text, [NotNullWhen(true)] out EntrySource? source, [NotNullWhen(false)] out string? error)
    {
        source = text switch
        {
            "api" => Api,
            "year-end" => YearEnd,
            _ when text is not null && text.StartsWith("csv:", StringComparison.Ordinal) && Identifier.Problem(text[4..], "import id") is null
                => CsvImport(text[4..]),
            _ => null,
        };
        error = source is null ? $"'{text}' is not an entry source; use api, year-end or csv:<import id>." : null;
        return source is not null;
    }
}
