using System.Diagnostics.CodeAnalysis;

namespace Finance.Domain.Model;

/// <summary>Identifies a source of money a pool holds, such as its BCF NHS minimum contribution. Funding stream id values are 3 to 63 lower-case letters, digits and hyphens.</summary>
public sealed record FundingStreamId
{
    public FundingStreamId(string value) => Value = Identifier.Validate(value, "funding stream id");

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out FundingStreamId? id, [NotNullWhen(false)] out string? error) =>
        Identifier.TryCreate(text, "funding stream id", v => new FundingStreamId(v), out id, out error);

    public override string ToString() => Value;
}
