using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Ledger;

/// <summary>Identifies a journal entry within its pool. Entry id values are 3 to 63 lower-case letters, digits and hyphens.</summary>
public sealed record EntryId
{
    public EntryId(string value) => Value = Identifier.Validate(value, "entry id");

    public string Value { get; }

    /// <summary>An id from a GUID the caller generated (32 lower-case hex digits), keeping the domain free of randomness.</summary>
    public static EntryId FromGuid(Guid value) => new(value.ToString("N"));

    public static bool TryParse(string? text, [NotNullWhen(true)] out EntryId? id, [NotNullWhen(false)] out string? error) =>
        Identifier.TryCreate(text, "entry id", v => new EntryId(v), out id, out error);

    public override string ToString() => Value;
}
