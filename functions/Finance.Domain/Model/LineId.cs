using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Model;

/// <summary>Identifies a budget line (a scheme or project) within a pool. Line id values are 3 to 63 lower-case letters, digits and hyphens.</summary>
public sealed record LineId
{
    public LineId(string value) => Value = Identifier.Validate(value, "line id");

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out LineId? id, [NotNullWhen(false)] out string? error) =>
        Identifier.TryCreate(text, "line id", v => new LineId(v), out id, out error);

    public override string ToString() => Value;
}
