using Finance.Domain.Reconciliation;
using NodaTime;

namespace Finance.Storage.Closes;

public enum CloseEventKind
{
    Close,
    Reopen,
}

/// <summary>A finding as recorded with a close or a reconciliation run.</summary>
public sealed record FindingRecord(string Code, string Severity, string Message, string? Line, string? Stream, string? Partner, string? Month, string? Entry)
{
    public static FindingRecord From(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return new(f.Code, Pools.SetupJson.Name(f.Severity), f.Message, f.Line?.Value, f.Stream?.Value, f.Partner?.Value, f.Month?.ToString(), f.Entry?.Value);
    }
}

/// <summary>
/// One link of a pool-year's chain of closes: a close (with the frozen statement) or a reopening (with its reason).
/// Written once as JSON in the statements container; <see cref="PreviousSha256"/> is the SHA-256 of the previous link's
/// bytes, so altering or removing any link breaks every later one. An archive record: its shape is versioned by
/// <see cref="Format"/> and belongs to storage, not to the API.
/// </summary>
/// <param name="LedgerSeq">The ledger's last entry when the month was locked: the frozen statement is of entries 1 to it.</param>
/// <param name="Statement">For a close: the statement to the month as at <see cref="At"/>.</param>
/// <param name="CsvBlob">For a close: the frozen CSV beside it; <see cref="CsvSha256"/> its hash.</param>
/// <param name="AccrualsReversedPence">Accruals outstanding at the month's end, which reverse into the next month.</param>
public sealed record CloseLink(
    string Format,
    int Seq,
    CloseEventKind Kind,
    string PoolId,
    string FinancialYear,
    int Month,
    Instant At,
    string By,
    string? Reason,
    string? OverrideReason,
    long LedgerSeq,
    long SetupVersion,
    string? PreviousSha256,
    FrozenStatement? Statement,
    string? CsvBlob,
    string? CsvSha256,
    long AccrualsReversedPence,
    IReadOnlyList<FindingRecord> Findings,
    YearEndRecord? YearEnd = null)
{
    public const string CurrentFormat = "finance.close-link/1";

    /// <summary>Why the link is not one this code writes, or null.</summary>
    internal string? Problem()
    {
        if (Format != CurrentFormat)
        {
            return $"its format is '{Format}', not {CurrentFormat}.";
        }
        if (Seq < 1 || Month is < 1 or > 12)
        {
            return "its sequence number or month is out of range.";
        }
        if (Kind == CloseEventKind.Close && Statement is null)
        {
            return "a close without its frozen statement.";
        }
        if (Kind == CloseEventKind.Reopen && string.IsNullOrWhiteSpace(Reason))
        {
            return "a reopening without its reason.";
        }
        if (Statement is not null && (Statement.PoolId != PoolId || Statement.FinancialYear != FinancialYear || Statement.Month != Month))
        {
            return "its frozen statement is of another pool, year or month.";
        }
        return Statement?.Problem();
    }
}

/// <summary>One partner's year-end settlement: positive net means the partner pays the pool.</summary>
public sealed record SettlementRecord(string Partner, string Name, long OverspendPayablePence, long UnderspendReturnedPence, long NetPence);

/// <summary>What next year's ledger carries into one funding stream from this year's closes of month 12.</summary>
public sealed record CarriedRecord(string Stream, long Pence);

/// <summary>The year-end close recorded with month 12's close: outturn, settlement and what was carried into next year.</summary>
/// <param name="UnaccountedPence">Budget − outturn − (carried forward + returned − paid by partners): always zero.</param>
/// <param name="CarryForwardEntryIds">The entries this close posted into next year: the carry-forward itself, or (when
/// month 12 was closed before) the adjustments that bring what earlier closes carried to <see cref="CarriedForwardPence"/>.</param>
/// <param name="Carried">Per stream, what next year's ledger carries from this year once this close's entries are posted
/// (absent from records written before re-closes were adjusted; their total is <see cref="CarriedForwardPence"/>).</param>
/// <param name="ReclosesBlob">For a re-close: the earlier close of month 12 whose carry-forward this one adjusts.</param>
/// <param name="CarriedBeforePence">For a re-close: what next year's ledger carried from this year before it.</param>
public sealed record YearEndRecord(
    long TotalBudgetPence, long TotalOutturnPence, long CarriedForwardPence, long ReturnedToPartnersPence, long PaidByPartnersPence, long UnaccountedPence,
    IReadOnlyList<SettlementRecord> Settlement, IReadOnlyList<string> CarryForwardEntryIds, string NextYearPartition,
    IReadOnlyList<CarriedRecord>? Carried = null, string? ReclosesBlob = null, long? CarriedBeforePence = null);

/// <summary>A link as stored: its blob name, bytes and their SHA-256.</summary>
public sealed record StoredLink(string BlobName, CloseLink Link, byte[] Bytes, string Sha256);

/// <summary>A link as read, and why the chain does not vouch for it (null when it does).</summary>
public sealed record CheckedLink(StoredLink Stored, string? Unconfirmed)
{
    /// <summary>The link, refused as the record when the chain does not vouch for it.</summary>
    public StoredLink Confirmed => Unconfirmed is null ? Stored : throw new FrozenRecordIntegrityException(Stored.BlobName, Unconfirmed);
}

/// <summary>
/// A frozen record (a close link, its statement or its CSV) whose bytes are not the ones the chain vouches for: it was
/// altered, removed or replaced in storage, or no longer reads back as the archive record it was written as. Never
/// served as the record; the API answers 500 problem+json saying so, and verification names the break.
/// </summary>
public sealed class FrozenRecordIntegrityException(string blobName, string reason, Exception? innerException = null)
    : StorageInvariantException($"{StorageNames.StatementsContainer} blob {blobName}", $"failed its integrity check: {reason}", innerException)
{
    public string BlobName { get; } = blobName;

    public string Reason { get; } = reason;
}
