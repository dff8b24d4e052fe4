using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Model;

/// <summary>Identifies a pool: the unit that holds a section 75 budget and its ledger. Pool id values are 3 to 63 lower-case letters, digits and hyphens.</summary>
public sealed record PoolId
{
    public PoolId(string value) => Value = Identifier.Validate(value, "pool id");

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out PoolId? id, [NotNullWhen(false)] out string? error) =>
        Identifier.TryCreate(text, "pool id", v => new PoolId(v), out id, out error);

    public override string ToString() => Value;
}
