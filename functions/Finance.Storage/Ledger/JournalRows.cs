using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using Finance.Domain.Ledger;
using Finance.Domain.Model;
using Finance.Domain.Money;
using NodaTime;

namespace Finance.Storage.Ledger;

/// <summary>An entry as the journal holds it: its place in the ledger (sequence and posting numbers) and the figure it moves.</summary>
/// <param name="Seq">1, 2, 3… in the order the ledger accepted the entries, with no gaps.</param>
/// <param name="Posting">The number of the posting (one transaction) the entry came in.</param>
/// <param name="Figure">The kind of figure the entry moves: its own kind, the kind it adjusts, or that of the entry it reverses.</param>
public sealed record StoredEntry(long Seq, long Posting, EntryKind Figure, JournalEntry Entry)
{
    /// <summary>Entries in the posting, and their net amount: every row of a posting carries its batch totals.</summary>
    internal int PostingEntryCount { get; init; }

    internal Pence PostingNet { get; init; }

    internal string PostingHash { get; init; } = "";
}

/// <summary>What every row of one posting carries about the whole posting, so a reader can tell a posting is complete.</summary>
internal sealed record PostingStamp(long Posting, long FirstSeq, int EntryCount, Pence Net, string Hash);

/// <summary>Journal rows (journal~…), entry id claims (id~…) and reversal marks (rev~…) to and from table entities.</summary>
internal static class JournalRows
{
    private static readonly Instant EarliestPostedAt = Instant.FromUtc(1990, 1, 1, 0, 0);
    private static readonly Instant LatestPostedAt = Instant.FromUtc(2300, 1, 1, 0, 0);

    /// <summary>Why the storage cannot hold the entry exactly, or null. Instants are kept in 100 ns ticks.</summary>
    public static string? Problem(JournalEntry entry)
    {
        if (entry.PostedAt < EarliestPostedAt || entry.PostedAt >= LatestPostedAt)
        {
            return $"Entry '{entry.Id}' was posted at {entry.PostedAt}, outside the instants the ledger stores (1990 to 2300).";
        }
        if (Instant.FromUnixTimeTicks(entry.PostedAt.ToUnixTimeTicks()) != entry.PostedAt)
        {
            return $"Entry '{entry.Id}' was posted at {entry.PostedAt}, finer than the 100 ns the ledger stores.";
        }
        if (entry.EffectiveAt < EarliestPostedAt || Instant.FromUnixTimeTicks(entry.EffectiveAt.ToUnixTimeTicks()) != entry.EffectiveAt)
        {
            return $"Entry '{entry.Id}' is effective at {entry.EffectiveAt}, before 1990 or finer than the 100 ns the ledger stores.";
        }
        return null;
    }

    public static TableEntity ToJournalEntity(LedgerPartition partition, JournalEntry entry, long seq, EntryKind figure, PostingStamp stamp)
    {
        var entity = new TableEntity(partition.PartitionKey, LedgerRows.Journal(seq))
        {
            ["Seq"] = seq,
            ["Posting"] = stamp.Posting,
            ["PostingEntryCount"] = stamp.EntryCount,
            ["PostingNetPence"] = stamp.Net.Value,
            ["PostingHash"] = stamp.Hash,
            ["EntryId"] = entry.Id.Value,
            ["Month"] = entry.Month.Number,
            ["Kind"] = entry.Kind.ToString(),
            ["Figure"] = figure.ToString(),
            ["AmountPence"] = entry.Amount.Value,
            ["Author"] = entry.Author,
            ["PostedAt"] = entry.PostedAt.ToDateTimeOffset(),
            ["EffectiveAt"] = entry.EffectiveAt.ToDateTimeOffset(),
            ["Source"] = entry.Source.ToString(),
            ["Line"] = entry.Line?.Value,
            ["Stream"] = entry.Stream?.Value,
            ["Partner"] = entry.Partner?.Value,
            ["ReversesEntryId"] = entry.ReversesEntryId?.Value,
            ["AdjustsKind"] = entry.AdjustsKind?.ToString(),
            ["Reason"] = entry.Reason,
            ["Reference"] = entry.Reference,
            ["Memo"] = entry.Memo,
        };
        return entity;
    }

    public static StoredEntry FromJournalEntity(LedgerPartition partition, TableEntity row)
    {
        var rowKey = row.RowKey;
        try
        {
            var seq = LedgerRows.SeqOfJournal(rowKey);
            if (row.GetInt64("Seq") != seq)
            {
                throw new LedgerInvariantException($"Journal row '{rowKey}' says it is seq {row.GetInt64("Seq")}.");
            }
            if (!EntrySource.TryParse(row.GetString("Source"), out var source, out var sourceError))
            {
                throw new LedgerInvariantException($"Journal row '{rowKey}': {sourceError}");
            }
            var entry = new JournalEntry(
                new EntryId(Required(row, "EntryId")),
                partition.Pool,
                partition.Year.Month(row.GetInt32("Month") ?? 0),
                ParseKind(row, "Kind"),
                new Pence(row.GetInt64("AmountPence") ?? throw new LedgerInvariantException($"Journal row '{rowKey}' has no amount.")),
                Required(row, "Author"),
                Instant.FromDateTimeOffset(row.GetDateTimeOffset("PostedAt") ?? throw new LedgerInvariantException($"Journal row '{rowKey}' has no PostedAt.")),
                source,
                row.GetString("Line") is { } line ? new LineId(line) : null,
                row.GetString("Stream") is { } stream ? new FundingStreamId(stream) : null,
                row.GetString("Partner") is { } partner ? new OrganisationId(partner) : null,
                row.GetString("ReversesEntryId") is { } reverses ? new EntryId(reverses) : null,
                row.GetString("AdjustsKind") is not null ? ParseKind(row, "AdjustsKind") : null,
                row.GetString("Reason"),
                row.GetString("Reference"),
                row.GetString("Memo"),
                // Rows written before effective time was recorded have none: what they record took effect when posted.
                row.GetDateTimeOffset("EffectiveAt") is { } effective ? Instant.FromDateTimeOffset(effective) : null);
            return new StoredEntry(seq, row.GetInt64("Posting") ?? 0, ParseKind(row, "Figure"), entry)
            {
                PostingEntryCount = row.GetInt32("PostingEntryCount") ?? 0,
                PostingNet = new Pence(row.GetInt64("PostingNetPence") ?? 0),
                PostingHash = row.GetString("PostingHash") ?? "",
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new LedgerInvariantException($"Journal row '{rowKey}' of {partition} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Claims the entry's id: the service refuses a second row with the same key, so ids are unique in the partition.</summary>
    public static TableEntity ToIdEntity(LedgerPartition partition, EntryId id, long seq, PostingStamp stamp) =>
        new(partition.PartitionKey, LedgerRows.EntryId(id))
        {
            ["Seq"] = seq,
            ["Posting"] = stamp.Posting,
            ["PostingHash"] = stamp.Hash,
        };

    /// <summary>Marks <paramref name="target"/> reversed: the service refuses a second mark, so an entry is reversed at most once.</summary>
    public static TableEntity ToReversedEntity(LedgerPartition partition, EntryId target, EntryId reversal, long reversalSeq) =>
        new(partition.PartitionKey, LedgerRows.Reversed(target))
        {
            ["ReversalId"] = reversal.Value,
            ["ReversalSeq"] = reversalSeq,
        };

    /// <summary>
    /// SHA-256 of every field of every entry, in order, each length-prefixed so no two postings share a text. Two
    /// postings with the same hash are the same posting: that is how a retry recognises its own earlier commit.
    /// </summary>
    public static string HashOf(IReadOnlyList<JournalEntry> entries)
    {
        var text = new StringBuilder();
        void Field(string? value) => text.Append(value?.Length ?? -1).Append(':').Append(value).Append(';');
        foreach (var e in entries)
        {
            Field(e.Id.Value);
            Field(e.Pool.Value);
            Field(e.Month.ToString());
            Field(e.Kind.ToString());
            Field(e.Amount.Value.ToString(CultureInfo.InvariantCulture));
            Field(e.Author);
            Field(e.PostedAt.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture));
            Field(e.Source.ToString());
            Field(e.Line?.Value);
            Field(e.Stream?.Value);
            Field(e.Partner?.Value);
            Field(e.ReversesEntryId?.Value);
            Field(e.AdjustsKind?.ToString());
            Field(e.Reason);
            Field(e.Reference);
            Field(e.Memo);
            if (e.EffectiveAt != e.PostedAt)
            {
                // Only when it differs, so postings written before effective time was recorded keep their hashes (and a
                // retry of one is still recognised). Fields are length-prefixed, so the extra one cannot be confused.
                Field(e.EffectiveAt.ToUnixTimeTicks().ToString(CultureInfo.InvariantCulture));
            }
            text.Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static string Required(TableEntity row, string name) =>
        row.GetString(name) ?? throw new LedgerInvariantException($"Journal row '{row.RowKey}' has no {name}.");

    private static EntryKind ParseKind(TableEntity row, string name) =>
        Enum.TryParse<EntryKind>(row.GetString(name), ignoreCase: false, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new LedgerInvariantException($"Journal row '{row.RowKey}' has {name} '{row.GetString(name)}', which is not a kind of entry.");
}
