using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Finance.Functions.Imports;

/// <summary>What <see cref="CsvRecordReader.Read"/> found.</summary>
internal enum CsvReadStatus
{
    /// <summary>A record is in the field list; <see cref="CsvRecordReader.RecordFault"/> says whether its quoting was broken.</summary>
    Record,

    /// <summary>The stream ended cleanly.</summary>
    End,

    /// <summary>The bytes at this point are not UTF-8; nothing after them can be trusted, so reading stops.</summary>
    InvalidUtf8,

    /// <summary>The record ran past <see cref="CsvRecordReader.MaxRecordChars"/>: usually a quote left open. Reading stops.</summary>
    TooLong,
}

/// <summary>How a record's quoting was broken, when it was. The fields are still returned, read as leniently as possible.</summary>
internal enum CsvRecordFault
{
    None,

    /// <summary>A quoted value was followed by more text before the delimiter, as in <c>"abc"def</c>.</summary>
    TextAfterQuote,

    /// <summary>The file ended inside a quoted value.</summary>
    UnclosedQuote,
}

/// <summary>
/// An RFC 4180 record reader over a UTF-8 stream. It holds one record at a time (at most <see cref="MaxRecordChars"/>
/// characters), so a file of any size streams through it. Decoding is done here, not by a <see cref="StreamReader"/>,
/// so that invalid UTF-8 is caught at the record that holds it rather than at some later buffer boundary.
/// </summary>
/// <remarks>
/// Records end at CRLF, LF or a lone CR outside quotes. A field is quoted only when its first character is a quote;
/// inside it, a doubled quote is one quote and delimiters and line breaks are text. A quote in the middle of an unquoted
/// field is kept as text, as spreadsheets do. Spaces or tabs between a closing quote and the delimiter are dropped.
/// </remarks>
internal sealed class CsvRecordReader
{
    /// <summary>The longest record read: far above six short fields plus a 2,000-character memo.</summary>
    public const int MaxRecordChars = 16_384;

    private const int ByteBufferSize = 32 * 1024;
    private const int CharBufferSize = 32 * 1024;
    private const char ByteOrderMark = '\uFEFF';

    private readonly Stream stream;
    private readonly byte[] bytes = new byte[ByteBufferSize];
    private readonly char[] chars = new char[CharBufferSize];
    private readonly char[] field = new char[MaxRecordChars];
    private int byteStart;
    private int byteEnd;
    private int charPos;
    private int charEnd;
    private bool streamEnded;
    private bool invalidUtf8;
    private bool atStart = true;
    private bool pendingLineFeed;

    public CsvRecordReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        this.stream = stream;
    }

    private enum State
    {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
        AfterQuoted,
    }

    /// <summary>The 1-based physical record number of the record last read (blank lines count).</summary>
    public int Row { get; private set; }

    public CsvRecordFault RecordFault { get; private set; }

    /// <summary>
    /// Reads the next record's fields into <paramref name="fields"/>. A blank line comes back as one empty field.
    /// When <paramref name="raw"/> is given, the record's characters as they stood in the file are appended to it.
    /// </summary>
    public CsvReadStatus Read(List<string> fields, char delimiter, StringBuilder? raw = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        RecordFault = CsvRecordFault.None;

        if (!EnsureChars())
        {
            if (invalidUtf8)
            {
                Row++;
                return CsvReadStatus.InvalidUtf8;
            }
            return CsvReadStatus.End;
        }
        Row++;

        var state = State.FieldStart;
        var length = 0;
        var recordChars = 0;
        while (true)
        {
            if (!EnsureChars())
            {
                if (invalidUtf8)
                {
                    return CsvReadStatus.InvalidUtf8;
                }
                if (state == State.Quoted)
                {
                    RecordFault = CsvRecordFault.UnclosedQuote;
                }
                fields.Add(Text(length));
                return CsvReadStatus.Record;
            }

            // Runs of ordinary characters are copied in one go: most of a file is plain text.
            var available = chars.AsSpan(charPos, charEnd - charPos);
            var run = state switch
            {
                State.Unquoted => available.IndexOfAny(delimiter, '\r', '\n'),
                State.Quoted => available.IndexOf('"'),
                _ => 0,
            };
            if (run != 0)
            {
                if (run < 0)
                {
                    run = available.Length;
                }
                if (recordChars + run > MaxRecordChars)
                {
                    return CsvReadStatus.TooLong;
                }
                available[..run].CopyTo(field.AsSpan(length));
                raw?.Append(available[..run]);
                length += run;
                recordChars += run;
                charPos += run;
                continue;
            }

            var c = chars[charPos++];
            if (++recordChars > MaxRecordChars)
            {
                return CsvReadStatus.TooLong;
            }
            var lineEnd = c is '\r' or '\n';
            if (!lineEnd || state == State.Quoted)
            {
                raw?.Append(c);
            }
            switch (state)
            {
                case State.FieldStart when c == '"':
                    state = State.Quoted;
                    break;
                case State.FieldStart or State.Unquoted or State.QuoteInQuoted or State.AfterQuoted when c == delimiter:
                    fields.Add(Text(length));
                    length = 0;
                    state = State.FieldStart;
                    break;
                case State.FieldStart or State.Unquoted or State.QuoteInQuoted or State.AfterQuoted when lineEnd:
                    pendingLineFeed = c == '\r';
                    fields.Add(Text(length));
                    return CsvReadStatus.Record;
                case State.FieldStart or State.Unquoted:
                    field[length++] = c;
                    state = State.Unquoted;
                    break;
                case State.Quoted:
                    // Only a quote stops a run in a quoted field, so c is the quote that may close it.
                    state = State.QuoteInQuoted;
                    break;
                case State.QuoteInQuoted when c == '"':
                    field[length++] = '"';
                    state = State.Quoted;
                    break;
                case State.QuoteInQuoted or State.AfterQuoted when c is ' ' or '\t':
                    state = State.AfterQuoted;
                    break;
                default:
                    // Text after a closing quote: keep it, so the value is visible in the problem, and say so.
                    RecordFault = CsvRecordFault.TextAfterQuote;
                    field[length++] = c;
                    state = State.Unquoted;
                    break;
            }
        }
    }

    private string Text(int length) => length == 0 ? "" : new string(field, 0, length);

    /// <summary>Makes at least one decoded character available; false at the end of the stream or at invalid UTF-8.</summary>
    private bool EnsureChars()
    {
        while (charPos == charEnd || pendingLineFeed || atStart)
        {
            if (charPos == charEnd && !Decode())
            {
                return false;
            }
            if (atStart)
            {
                // A byte order mark is allowed only as the very first character, and is not part of the header.
                atStart = false;
                if (chars[charPos] == ByteOrderMark)
                {
                    charPos++;
                }
            }
            else if (pendingLineFeed)
            {
                // The CR of a CRLF ended the last record; its LF belongs to that line ending, not to a blank line.
                pendingLineFeed = false;
                if (chars[charPos] == '\n')
                {
                    charPos++;
                }
            }
        }
        return true;
    }

    /// <summary>Refills the character buffer; false when nothing more can be decoded.</summary>
    private bool Decode()
    {
        while (!invalidUtf8)
        {
            if (byteStart < byteEnd || streamEnded)
            {
                var status = Utf8.ToUtf16(bytes.AsSpan(byteStart, byteEnd - byteStart), chars, out var bytesRead, out var charsWritten,
                    replaceInvalidSequences: false, isFinalBlock: streamEnded);
                byteStart += bytesRead;
                charPos = 0;
                charEnd = charsWritten;
                if (status == OperationStatus.InvalidData)
                {
                    // The characters before the bad bytes are still read; the reader reports the problem once it reaches them.
                    invalidUtf8 = true;
                }
                if (charsWritten > 0)
                {
                    return true;
                }
                if (status is OperationStatus.Done && streamEnded)
                {
                    return false;
                }
                if (invalidUtf8)
                {
                    return false;
                }
            }
            FillBytes();
        }
        return false;
    }

    private void FillBytes()
    {
        var left = byteEnd - byteStart;
        if (left > 0 && byteStart > 0)
        {
            Buffer.BlockCopy(bytes, byteStart, bytes, 0, left);
        }
        byteStart = 0;
        byteEnd = left;
        var read = stream.Read(bytes, byteEnd, bytes.Length - byteEnd);
        if (read == 0)
        {
            streamEnded = true;
        }
        byteEnd += read;
    }
}
