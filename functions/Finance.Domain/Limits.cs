namespace Finance.Domain;

/// <summary>
/// Upper bounds on what one calculation accepts, so a runaway caller fails loudly instead of slowly.
/// Sized well above a large place's pool (a few hundred lines, tens of thousands of entries a year).
/// </summary>
public static class Limits
{
    public const int MaxLinesPerPool = 2_000;
    public const int MaxEntriesPerCalculation = 2_000_000;
    public const int MaxOrganisationsPerPool = 200;
    public const int MaxFundingStreamsPerPool = 200;
    public const int MaxNameLength = 200;
    public const int MaxTextLength = 2_000;

    /// <summary>A line's monthly note: what fits a statement's Notes cell, and keeps the line's balance row small.</summary>
    public const int MaxNoteLength = 500;
}
