using System.Diagnostics.CodeAnalysis;
using System.Text;
using Finance.Domain.Calendar;
using Finance.Functions.Imports;

[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace",
    Target = "~N:Finance.Functions.Tests.Imports", Justification = "Mirrors Finance.Functions.Imports, named for the domain.")]

namespace Finance.Functions.Tests.Imports;

/// <summary>The pool the test files are uploaded to, and ways of handing a file to the parser.</summary>
internal static class CsvTestFiles
{
    public const string Header = "pool,line,month,amount,reference,memo";
    public const string PoolId = "riverside-place";

    public static readonly FinancialYear Year = new(2024);

    public static readonly ActualsCsvContext Context = new(PoolId, Year,
        new HashSet<string>(StringComparer.Ordinal) { "programme-manager", "frailty-service", "leadership-alliance", "data-analyst" });

    /// <summary>The header and then each row, joined with LF.</summary>
    public static string Csv(params string[] rows) => string.Join("\n", [Header, .. rows]) + "\n";

    public static ActualsCsvResult Parse(string csv, ActualsCsvContext? context = null, bool bom = false) =>
        Parse(Bytes(csv, bom), context);

    public static ActualsCsvResult Parse(byte[] bytes, ActualsCsvContext? context = null, int chunkBytes = int.MaxValue)
    {
        using var stream = new ChunkedStream(bytes, chunkBytes);
        return ActualsCsv.Parse(stream, context ?? Context);
    }

    public static byte[] Bytes(string csv, bool bom = false)
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        return bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
    }
}

/// <summary>A read-only stream that hands out at most a few bytes per read, as a network body may, so that multi-byte
/// characters and CRLF pairs are split across reads.</summary>
internal sealed class ChunkedStream(byte[] bytes, int chunkBytes) : Stream
{
    private int position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, chunkBytes), bytes.Length - position);
        Array.Copy(bytes, position, buffer, offset, n);
        position += n;
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A file that never ends: the header, then distinct valid rows for ever. Counts the bytes read from it.</summary>
internal sealed class EndlessCsvStream : Stream
{
    private byte[] current = Encoding.UTF8.GetBytes(CsvTestFiles.Header + "\n");
    private int inCurrent;
    private int rowsMade;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (inCurrent == current.Length)
            {
                current = Encoding.UTF8.GetBytes($"{CsvTestFiles.PoolId},frailty-service,6,100.00,inv-{++rowsMade},memo\n");
                inCurrent = 0;
            }
            buffer[offset + i] = current[inCurrent++];
        }
        BytesRead += count;
        return count;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
