using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
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

    /// <summary>The sequence number the journal row holding the entry is keyed by: its own in a one-entry row, the last
    /// of a packed row's.</summary>
    internal long RowSeq { get; init; }
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

    /// <summary>
    /// The journal rows of one posting: its entries in order, cut into rows of at most
    /// <see cref="LedgerLimits.MaxJournalRowBytes"/> (by <see cref="UpperBytes"/>, so <see cref="RowsFor"/> counts them
    /// before anything is encoded). Each row is keyed by its last entry's sequence number and carries the posting's stamp.
    /// </summary>
    public static IReadOnlyList<(int FirstIndex, TableEntity Row)> ToJournalEntities(
        LedgerPartition partition, IReadOnlyList<JournalEntry> entries, IReadOnlyList<EntryKind> figures, PostingStamp stamp)
    {
        var rows = new List<(int, TableEntity)>();
        foreach (var (first, count) in Cut(entries))
        {
            rows.Add((first, PackedRow(partition, entries, figures, stamp, first, count)));
        }
        return rows;
    }

    /// <summary>The journal rows a posting of <paramref name="entries"/> takes (one, unless their text is long).</summary>
    public static int RowsFor(IReadOnlyList<JournalEntry> entries) => Cut(entries).Count;

    /// <summary>
    /// Bytes an entry takes in a packed row at most: a fixed allowance for names, numbers and punctuation, and six bytes
    /// a character of text (the longest JSON escape, and more than UTF-8 needs), so the cut never depends on encoding.
    /// </summary>
    public static int UpperBytes(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Id.Value.Length + entry.Author.Length + entry.Source.ToString().Length
            + (entry.Line?.Value.Length ?? 0) + (entry.Stream?.Value.Length ?? 0) + (entry.Partner?.Value.Length ?? 0)
            + (entry.ReversesEntryId?.Value.Length ?? 0) + (entry.Reason?.Length ?? 0) + (entry.Reference?.Length ?? 0)
            + (entry.Memo?.Length ?? 0) + (3 * MaxKindNameLength);
        return FixedEntryBytes + (6 * text);
    }

    /// <summary>The value of the "Format" property of a packed row; rows without one hold one entry each, as releases
    /// before it wrote them, and are read as they are.</summary>
    public const int PackedFormat = 2;

    private const int FixedEntryBytes = 512;
    private const int MaxKindNameLength = 20;

    /// <summary>Bytes in one binary property (the service's limit is 64 KiB).</summary>
    private const int MaxPropertyBytes = 60 * 1024;

    private static List<(int First, int Count)> Cut(IReadOnlyList<JournalEntry> entries)
    {
        var cuts = new List<(int, int)>();
        var first = 0;
        var bytes = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var size = UpperBytes(entries[i]);
            if (i > first && bytes + size > LedgerLimits.MaxJournalRowBytes)
            {
                cuts.Add((first, i - first));
                first = i;
                bytes = 0;
            }
            bytes += size;
        }
        if (entries.Count > 0)
        {
            cuts.Add((first, entries.Count - first));
        }
        return cuts;
    }

    private static TableEntity PackedRow(
        LedgerPartition partition, IReadOnlyList<JournalEntry> entries, IReadOnlyList<EntryKind> figures, PostingStamp stamp, int first, int count)
    {
        var lastSeq = stamp.FirstSeq + first + count - 1;
        var buffer = new ArrayBufferWriter<byte>(count * 384);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            for (var i = first; i < first + count; i++)
            {
                WriteEntry(writer, entries[i], figures[i]);
            }
            writer.WriteEndArray();
        }
        var entity = new TableEntity(partition.PartitionKey, LedgerRows.Journal(lastSeq))
        {
            ["Format"] = PackedFormat,
            ["Seq"] = lastSeq,
            ["FirstSeq"] = stamp.FirstSeq + first,
            ["EntryCount"] = count,
            ["Posting"] = stamp.Posting,
            ["PostingEntryCount"] = stamp.EntryCount,
            ["PostingNetPence"] = stamp.Net.Value,
            ["PostingHash"] = stamp.Hash,
        };
        var written = buffer.WrittenSpan;
        for (var part = 0; part * MaxPropertyBytes < written.Length; part++)
        {
            var start = part * MaxPropertyBytes;
            entity[EntriesProperty(part)] = written.Slice(start, Math.Min(MaxPropertyBytes, written.Length - start)).ToArray();
        }

        // What the service filters the journal on (see LedgerRepository.ReadEntriesAsync): a field every entry of the
        // row shares is stored under the name a one-entry row uses; otherwise Mixed{field} says to look inside.
        var slice = entries.Skip(first).Take(count).ToArray();
        Uniform(entity, "Line", slice.Select(e => e.Line?.Value));
        Uniform(entity, "Kind", slice.Select(e => e.Kind.ToString()));
        Uniform(entity, "Author", slice.Select(e => e.Author));
        Uniform(entity, "Source", slice.Select(e => e.Source.ToString()));
        var months = slice.Select(e => e.Month.Number).Distinct().ToArray();
        if (months.Length == 1)
        {
            entity["Month"] = months[0];
        }
        else
        {
            entity["MixedMonth"] = true;
        }
        // The earliest of each time: a filter keeping rows with one at or before an instant keeps every row holding an
        // entry that passes, and the entries are then filtered one by one.
        entity["PostedAt"] = slice.Min(e => e.PostedAt).ToDateTimeOffset();
        entity["EffectiveAt"] = slice.Min(e => e.EffectiveAt).ToDateTimeOffset();
        return entity;
    }

    private static void Uniform(TableEntity entity, string name, IEnumerable<string?> values)
    {
        var distinct = values.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Length != 1)
        {
            entity["Mixed" + name] = true;
        }
        else if (distinct[0] is { } value)
        {
            entity[name] = value;
        }
    }

    private static string EntriesProperty(int part) => string.Create(CultureInfo.InvariantCulture, $"Entries{part:D2}");

    private static void WriteEntry(Utf8JsonWriter writer, JournalEntry entry, EntryKind figure)
    {
        writer.WriteStartObject();
        writer.WriteString("id", entry.Id.Value);
        writer.WriteNumber("month", entry.Month.Number);
        writer.WriteString("kind", entry.Kind.ToString());
        writer.WriteString("figure", figure.ToString());
        writer.WriteNumber("pence", entry.Amount.Value);
        writer.WriteString("author", entry.Author);
        writer.WriteNumber("postedAt", entry.PostedAt.ToUnixTimeTicks());
        writer.WriteNumber("effectiveAt", entry.EffectiveAt.ToUnixTimeTicks());
        writer.WriteString("source", entry.Source.ToString());
        Optional(writer, "line", entry.Line?.Value);
        Optional(writer, "stream", entry.Stream?.Value);
        Optional(writer, "partner", entry.Partner?.Value);
        Optional(writer, "reverses", entry.ReversesEntryId?.Value);
        Optional(writer, "adjusts", entry.AdjustsKind?.ToString());
        Optional(writer, "reason", entry.Reason);
        Optional(writer, "reference", entry.Reference);
        Optional(writer, "memo", entry.Memo);
        writer.WriteEndObject();
    }

    private static void Optional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>The entries of a journal row, in sequence order: several for a packed row, one for a row in the format
    /// before it.</summary>
    public static IReadOnlyList<StoredEntry> FromJournalEntity(LedgerPartition partition, TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (!row.ContainsKey("Format"))
        {
            return [FromLegacyEntity(partition, row)];
        }
        var rowKey = row.RowKey;
        try
        {
            var lastSeq = LedgerRows.SeqOfJournal(rowKey);
            var format = row.GetInt32("Format");
            var firstSeq = row.GetInt64("FirstSeq") ?? 0;
            var count = row.GetInt32("EntryCount") ?? 0;
            if (format != PackedFormat)
            {
                throw new LedgerInvariantException($"Journal row '{rowKey}' is in format {format}, which this release does not read.");
            }
            if (row.GetInt64("Seq") != lastSeq || count < 1 || firstSeq != lastSeq - count + 1)
            {
                throw new LedgerInvariantException(
                    $"Journal row '{rowKey}' says it holds {count} entries from seq {firstSeq} to {row.GetInt64("Seq")}.");
            }
            var bytes = new List<byte>();
            for (var part = 0; row.TryGetValue(EntriesProperty(part), out var value); part++)
            {
                bytes.AddRange(value as byte[]
                    ?? throw new LedgerInvariantException($"Journal row '{rowKey}' has {EntriesProperty(part)} that is not binary."));
            }
            using var document = JsonDocument.Parse(bytes.ToArray());
            var posting = row.GetInt64("Posting") ?? 0;
            var postingCount = row.GetInt32("PostingEntryCount") ?? 0;
            var postingNet = new Pence(row.GetInt64("PostingNetPence") ?? 0);
            var hash = row.GetString("PostingHash") ?? "";
            var stored = new List<StoredEntry>(count);
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var (entry, figure) = ReadEntry(partition, rowKey, element);
                stored.Add(new StoredEntry(firstSeq + stored.Count, posting, figure, entry)
                {
                    PostingEntryCount = postingCount,
                    PostingNet = postingNet,
                    PostingHash = hash,
                    RowSeq = lastSeq,
                });
            }
            if (stored.Count != count)
            {
                throw new LedgerInvariantException($"Journal row '{rowKey}' says it holds {count} entries, but holds {stored.Count}.");
            }
            return stored;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException or KeyNotFoundException)
        {
            throw new LedgerInvariantException($"Journal row '{rowKey}' of {partition} cannot be read: {e.Message}", e);
        }
    }

    private static (JournalEntry Entry, EntryKind Figure) ReadEntry(LedgerPartition partition, string rowKey, JsonElement element)
    {
        string? Text(string name) => element.TryGetProperty(name, out var value) ? value.GetString() : null;
        string Needed(string name) => Text(name) ?? throw new LedgerInvariantException($"An entry of journal row '{rowKey}' has no {name}.");
        EntryKind Kind(string name) =>
            Enum.TryParse<EntryKind>(Needed(name), ignoreCase: false, out var kind) && Enum.IsDefined(kind)
                ? kind
                : throw new LedgerInvariantException($"An entry of journal row '{rowKey}' has {name} '{Text(name)}', which is not a kind of entry.");
        if (!EntrySource.TryParse(Needed("source"), out var source, out var sourceError))
        {
            throw new LedgerInvariantException($"Journal row '{rowKey}': {sourceError}");
        }
        var entry = new JournalEntry(
            new EntryId(Needed("id")),
            partition.Pool,
            partition.Year.Month(element.GetProperty("month").GetInt32()),
            Kind("kind"),
            new Pence(element.GetProperty("pence").GetInt64()),
            Needed("author"),
            Instant.FromUnixTimeTicks(element.GetProperty("postedAt").GetInt64()),
            source,
            Text("line") is { } line ? new LineId(line) : null,
            Text("stream") is { } stream ? new FundingStreamId(stream) : null,
            Text("partner") is { } partner ? new OrganisationId(partner) : null,
            Text("reverses") is { } reverses ? new EntryId(reverses) : null,
            Text("adjusts") is not null ? Kind("adjusts") : null,
            Text("reason"),
            Text("reference"),
            Text("memo"),
            Instant.FromUnixTimeTicks(element.GetProperty("effectiveAt").GetInt64()));
        return (entry, Kind("figure"));
    }

    /// <summary>A row as releases before the packed format wrote it: one entry, its fields as properties.</summary>
    private static StoredEntry FromLegacyEntity(LedgerPartition partition, TableEntity row)
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
                RowSeq = seq,
            };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new LedgerInvariantException($"Journal row '{rowKey}' of {partition} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Claims the entry's id: the service refuses a second row with the same key, so ids are unique in the partition.</summary>
    /// <paramref name="rowSeq"/> is the sequence number the journal row holding the entry is keyed by (the row's last).
    public static TableEntity ToIdEntity(LedgerPartition partition, EntryId id, long seq, long rowSeq, PostingStamp stamp) =>
        new(partition.PartitionKey, LedgerRows.EntryId(id))
        {
            ["Seq"] = seq,
            ["RowSeq"] = rowSeq,
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
