using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Model;

/// <summary>Identifies a council, ICB, trust or other body that funds, hosts or commissions. Organisation id values are 3 to 63 lower-case letters, digits and hyphens.</summary>
public sealed record OrganisationId
{
    public OrganisationId(string value) => Value = Identifier.Validate(value, "organisation id");

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out OrganisationId? id, [NotNullWhen(false)] out string? error) =>
        Identifier.TryCreate(text, "organisation id", v => new OrganisationId(v), out id, out error);

    public override string ToString() => Value;
}
