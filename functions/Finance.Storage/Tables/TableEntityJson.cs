using System.Globalization;
using System.Text.Json;

namespace Finance.Storage.Tables;

/// <summary>
/// Entities to and from the Table service's JSON (OData minimal metadata). Types JSON cannot tell apart are annotated
/// "Name@odata.type": Int64 (value as a string, so no precision is lost), Double, DateTime, Guid and Binary (base64).
/// Int32, Boolean and String need no annotation. Also holds the service's naming and size limits, checked before any
/// request is sent.
/// </summary>
internal static class TableEntityJson
{
    /// <summary>Properties per entity besides PartitionKey, RowKey and Timestamp.</summary>
    public const int MaxPropertiesPerEntity = 252;

    /// <summary>Azure allows 1 KiB per key; 512 UTF-16 characters is 1 KiB whatever the characters are.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>A string property is at most 64 KiB of UTF-16.</summary>
    public const int MaxStringLength = 32 * 1024;

    /// <summary>A binary property is at most 64 KiB.</summary>
    public const int MaxBinaryBytes = 64 * 1024;

    public const int MaxPropertyNameLength = 255;

    private const string TypeSuffix = "@odata.type";

    public static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Table names: 3-63 letters and digits starting with a letter; "tables" is reserved.</summary>
    public static void ValidateTableName(string tableName, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(tableName, parameterName);
        if (tableName.Length is < 3 or > 63
            || !char.IsAsciiLetter(tableName[0])
            || !tableName.All(char.IsAsciiLetterOrDigit)
            || tableName.Equals("tables", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                "A table name is 3-63 ASCII letters and digits, starts with a letter, and is not 'tables'.", parameterName);
        }
    }

    /// <summary>Keys may be empty but not longer than 1 KiB, and may not hold / \ # ? or control characters.</summary>
    public static void ValidateKey(string? key, string keyName, string parameterName)
    {
        if (key is null)
        {
            throw new ArgumentException($"The entity has no {keyName}.", parameterName);
        }
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"The {keyName} is longer than {MaxKeyLength} characters.", parameterName);
        }
        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException(
                    $"The {keyName} contains '/', '\\', '#', '?' or a control character, which the Table service refuses.", parameterName);
            }
        }
        RequireWellFormed(key, keyName, parameterName);
    }

    /// <summary>Property names follow C# identifier rules (letters, digits, underscore; not starting with a digit).</summary>
    public static void ValidatePropertyName(string? name, string parameterName, bool allowSystem = false)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxPropertyNameLength
            || !(char.IsLetter(name[0]) || name[0] == '_')
            || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException(
                "A property name is 1-255 letters, digits and underscores, not starting with a digit.", parameterName);
        }
        if (!allowSystem && name is TableEntity.PartitionKeyName or TableEntity.RowKeyName or TableEntity.TimestampName)
        {
            throw new ArgumentException($"'{name}' is a system property.", parameterName);
        }
    }

    /// <summary>Writes the entity's keys and properties; Timestamp and the ETag are never sent.</summary>
    public static void Write(Utf8JsonWriter writer, TableEntity entity, string parameterName)
    {
        ValidateKey(entity.GetString(TableEntity.PartitionKeyName), TableEntity.PartitionKeyName, parameterName);
        ValidateKey(entity.GetString(TableEntity.RowKeyName), TableEntity.RowKeyName, parameterName);

        writer.WriteStartObject();
        writer.WriteString(TableEntity.PartitionKeyName, entity.PartitionKey);
        writer.WriteString(TableEntity.RowKeyName, entity.RowKey);
        var count = 0;
        foreach (var (name, value) in entity)
        {
            if (name is TableEntity.PartitionKeyName or TableEntity.RowKeyName or TableEntity.TimestampName or TableEntity.ETagName)
            {
                continue;
            }
            ValidatePropertyName(name, parameterName);
            if (value is null)
            {
                // The service has no null: an absent property is the only way to say "no value".
                continue;
            }
            if (++count > MaxPropertiesPerEntity)
            {
                throw new ArgumentException($"The entity has more than {MaxPropertiesPerEntity} properties.", parameterName);
            }
            WriteProperty(writer, name, value, parameterName);
        }
        writer.WriteEndObject();
    }

    private static void WriteProperty(Utf8JsonWriter writer, string name, object value, string parameterName)
    {
        switch (value)
        {
            case string s:
                if (s.Length > MaxStringLength)
                {
                    throw new ArgumentException($"String property '{name}' is longer than {MaxStringLength} characters.", parameterName);
                }
                RequireWellFormed(s, $"property '{name}'", parameterName);
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case long l:
                writer.WriteString(name + TypeSuffix, "Edm.Int64");
                writer.WriteString(name, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                writer.WriteString(name + TypeSuffix, "Edm.Double");
                if (double.IsNaN(d))
                {
                    writer.WriteString(name, "NaN");
                }
                else if (double.IsPositiveInfinity(d))
                {
                    writer.WriteString(name, "Infinity");
                }
                else if (double.IsNegativeInfinity(d))
                {
                    writer.WriteString(name, "-Infinity");
                }
                else
                {
                    writer.WriteNumber(name, d);
                }
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case DateTimeOffset dto:
                writer.WriteString(name + TypeSuffix, "Edm.DateTime");
                writer.WriteString(name, FormatDateTime(dto));
                break;
            case DateTime { Kind: DateTimeKind.Unspecified }:
                throw new ArgumentException(
                    $"Property '{name}' is a DateTime of unspecified kind; use a DateTimeOffset or a UTC DateTime.", parameterName);
            case DateTime dt:
                writer.WriteString(name + TypeSuffix, "Edm.DateTime");
                writer.WriteString(name, FormatDateTime(new DateTimeOffset(dt.ToUniversalTime(), TimeSpan.Zero)));
                break;
            case Guid g:
                writer.WriteString(name + TypeSuffix, "Edm.Guid");
                writer.WriteString(name, g.ToString("D"));
                break;
            case byte[] bytes:
                WriteBinary(writer, name, bytes, parameterName);
                break;
            case BinaryData data:
                WriteBinary(writer, name, data.ToMemory().Span, parameterName);
                break;
            default:
                throw new ArgumentException(
                    $"Property '{name}' has type {value.GetType().Name}, which a table cannot store " +
                    "(use string, int, long, double, bool, DateTimeOffset, Guid or byte[]).", parameterName);
        }
    }

    private static void WriteBinary(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> bytes, string parameterName)
    {
        if (bytes.Length > MaxBinaryBytes)
        {
            throw new ArgumentException($"Binary property '{name}' is larger than {MaxBinaryBytes} bytes.", parameterName);
        }
        writer.WriteString(name + TypeSuffix, "Edm.Binary");
        writer.WriteBase64String(name, bytes);
    }

    /// <summary>Text that cannot be encoded as UTF-8 (an unpaired surrogate) cannot be stored.</summary>
    private static void RequireWellFormed(string text, string what, string parameterName)
    {
        if (!IsWellFormedUtf16(text))
        {
            throw new ArgumentException($"The {what} contains an unpaired surrogate character.", parameterName);
        }
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }
                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads one entity from the service's JSON, mapping annotated values back to their .NET types.</summary>
    public static TableEntity Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A table entity is a JSON object.");
        }
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.EndsWith(TypeSuffix, StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
            {
                types[property.Name[..^TypeSuffix.Length]] = property.Value.GetString()!;
            }
        }

        var entity = new TableEntity();
        foreach (var property in element.EnumerateObject())
        {
            var name = property.Name;
            var value = property.Value;
            if (name == TableEntity.ETagName)
            {
                entity[TableEntity.ETagName] = value.GetString();
                continue;
            }
            if (name.StartsWith("odata.", StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal)
                || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (name == TableEntity.TimestampName)
            {
                entity[name] = ParseDateTime(value.GetString());
                continue;
            }
            entity[name] = types.TryGetValue(name, out var type) ? ReadTyped(value, type, name) : ReadUntyped(value, name);
        }
        return entity;
    }

    private static object ReadTyped(JsonElement value, string type, string name) => type switch
    {
        "Edm.String" => value.GetString()!,
        "Edm.Int32" => value.ValueKind == JsonValueKind.String ? int.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt32(),
        "Edm.Int64" => value.ValueKind == JsonValueKind.String ? long.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetInt64(),
        "Edm.Double" => value.ValueKind == JsonValueKind.String ? ParseDouble(value.GetString()!) : value.GetDouble(),
        "Edm.Boolean" => value.GetBoolean(),
        "Edm.DateTime" => ParseDateTime(value.GetString()),
        "Edm.Guid" => Guid.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        "Edm.Binary" => value.GetBytesFromBase64(),
        _ => throw new JsonException($"Property '{name}' has unknown type '{type}'."),
    };

    private static object ReadUntyped(JsonElement value, string name)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number:
                // JSON numbers without an annotation are Int32 when whole, else Double.
                var raw = value.GetRawText();
                if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && value.TryGetInt32(out var i))
                {
                    return i;
                }
                return value.GetDouble();
            default:
                throw new JsonException($"Property '{name}' has a JSON {value.ValueKind}, which is not a table value.");
        }
    }

    private static double ParseDouble(string text) => text switch
    {
        "NaN" => double.NaN,
        "Infinity" or "INF" => double.PositiveInfinity,
        "-Infinity" or "-INF" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static DateTimeOffset ParseDateTime(string? text)
    {
        if (text is null
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            throw new JsonException("A DateTime property is not an ISO 8601 date and time.");
        }
        return value;
    }
}
