namespace Finance.Domain.Model;

public enum OrganisationKind
{
    Council,
    /// <summary>Integrated care board: the NHS commissioner since July 2022.</summary>
    IntegratedCareBoard,
    /// <summary>Clinical commissioning group: the NHS commissioner before July 2022, still named in older agreements.</summary>
    ClinicalCommissioningGroup,
    NhsTrust,
    Provider,
    Other,
}

/// <summary>A body that funds, hosts or commissions. Aliases are the other names it goes by in partners' ledger exports.</summary>
public sealed class Organisation
{
    public Organisation(
        OrganisationId id, string name, OrganisationKind kind, string? shortName = null, IEnumerable<string>? aliases = null, string? statementName = null)
    {
        Id = Require.NotNull(id, "organisation id");
        Name = Require.Text(name, "organisation name");
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, $"{kind} is not a kind of organisation.");
        }
        Kind = kind;
        ShortName = shortName is null ? null : Require.Text(shortName, "organisation short name", 20);
        Aliases = Require.List(aliases?.Select(a => Require.Text(a, "organisation alias")), "organisation aliases", 50);
        StatementName = statementName is null ? null : Require.Text(statementName, "organisation statement name", 60);
    }

    /// <summary>What a statement's Host column shows when shorter than the formal name ("Warrington Hospital").</summary>
    public string? StatementName { get; }

    public OrganisationId Id { get; }

    public string Name { get; }

    public OrganisationKind Kind { get; }

    /// <summary>What a statement's Funding Source column shows, e.g. "ICB".</summary>
    public string? ShortName { get; }

    public IReadOnlyList<string> Aliases { get; }

    public string Label => ShortName ?? Name;

    /// <summary>Whether a name from an import means this organisation: its name, short name or an alias, ignoring case.</summary>
    public bool IsKnownAs(string? name)
    {
        var trimmed = name?.Trim();
        return !string.IsNullOrEmpty(trimmed)
            && (Name.Equals(trimmed, StringComparison.OrdinalIgnoreCase)
                || (ShortName?.Equals(trimmed, StringComparison.OrdinalIgnoreCase) ?? false)
                || Aliases.Any(a => a.Equals(trimmed, StringComparison.OrdinalIgnoreCase)));
    }

    public override string ToString() => $"{Name} ({Id})";
}
