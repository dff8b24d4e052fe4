using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Azure;

namespace Finance.Storage.Tables;

/// <summary>
/// One table entity as a dictionary of property name to value, like Azure.Data.Tables' TableEntity. The system
/// properties live in the same dictionary under their wire names (PartitionKey, RowKey, Timestamp, odata.etag).
/// Values are string, int, long, double, bool, DateTimeOffset, Guid or byte[] (BinaryData and UTC/local DateTime are
/// accepted on write); anything else is refused when the entity is sent.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Named like Azure.Data.Tables.TableEntity so the SDK can replace it.")]
public sealed class TableEntity : IDictionary<string, object?>, IReadOnlyDictionary<string, object?>
{
    public const string PartitionKeyName = "PartitionKey";
    public const string RowKeyName = "RowKey";
    public const string TimestampName = "Timestamp";
    public const string ETagName = "odata.etag";

    private readonly Dictionary<string, object?> properties = new(StringComparer.Ordinal);

    public TableEntity()
    {
    }

    public TableEntity(string partitionKey, string rowKey)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    public TableEntity(IEnumerable<KeyValuePair<string, object?>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (key, value) in values)
        {
            properties[key] = value;
        }
    }

    /// <summary>The partition key. Throws when the entity has none (for example, a query's $select left it out).</summary>
    public string PartitionKey
    {
        get => GetString(PartitionKeyName) ?? throw new InvalidOperationException("The entity has no PartitionKey (was it left out of $select?).");
        set => properties[PartitionKeyName] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The row key. Throws when the entity has none (for example, a query's $select left it out).</summary>
    public string RowKey
    {
        get => GetString(RowKeyName) ?? throw new InvalidOperationException("The entity has no RowKey (was it left out of $select?).");
        set => properties[RowKeyName] = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>When the service last changed the entity; set by the service, never sent.</summary>
    public DateTimeOffset? Timestamp
    {
        get => GetDateTimeOffset(TimestampName);
        set => SetOrRemove(TimestampName, value);
    }

    /// <summary>The entity's version as read; default when the entity was built locally.</summary>
    public ETag ETag
    {
        get => properties.TryGetValue(ETagName, out var value) && value is string text ? new ETag(text) : default;
        set => SetOrRemove(ETagName, value == default ? null : value.ToString());
    }

    public object? this[string key]
    {
        get => properties.TryGetValue(key, out var value) ? value : null;
        set => properties[key] = value;
    }

    public ICollection<string> Keys => properties.Keys;

    public ICollection<object?> Values => properties.Values;

    IEnumerable<string> IReadOnlyDictionary<string, object?>.Keys => properties.Keys;

    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => properties.Values;

    public int Count => properties.Count;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    public string? GetString(string key) => Get<string>(key);

    public int? GetInt32(string key) => GetStruct<int>(key);

    /// <summary>An Int64 property; an Int32 value widens.</summary>
    public long? GetInt64(string key) => this[key] switch
    {
        int value => value,
        _ => GetStruct<long>(key),
    };

    /// <summary>A Double property; Int32 and Int64 values widen (another writer may have stored a whole number untyped).</summary>
    public double? GetDouble(string key) => this[key] switch
    {
        int value => value,
        long value => value,
        _ => GetStruct<double>(key),
    };

    public bool? GetBoolean(string key) => GetStruct<bool>(key);

    public DateTimeOffset? GetDateTimeOffset(string key) => this[key] switch
    {
        DateTime { Kind: DateTimeKind.Unspecified } => throw new InvalidOperationException($"Property '{key}' is a DateTime of unspecified kind."),
        DateTime value => new DateTimeOffset(value.ToUniversalTime(), TimeSpan.Zero),
        _ => GetStruct<DateTimeOffset>(key),
    };

    public Guid? GetGuid(string key) => GetStruct<Guid>(key);

    public byte[]? GetBinary(string key) => this[key] switch
    {
        BinaryData value => value.ToArray(),
        _ => Get<byte[]>(key),
    };

    public void Add(string key, object? value) => properties.Add(key, value);

    public bool ContainsKey(string key) => properties.ContainsKey(key);

    public bool Remove(string key) => properties.Remove(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => properties.TryGetValue(key, out value);

    public void Add(KeyValuePair<string, object?> item) => properties.Add(item.Key, item.Value);

    public void Clear() => properties.Clear();

    public bool Contains(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)properties).Contains(item);

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)properties).CopyTo(array, arrayIndex);

    public bool Remove(KeyValuePair<string, object?> item) => ((ICollection<KeyValuePair<string, object?>>)properties).Remove(item);

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => properties.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() =>
        $"{(properties.TryGetValue(PartitionKeyName, out var pk) ? pk : "?")}/{(properties.TryGetValue(RowKeyName, out var rk) ? rk : "?")} ({Count} properties)";

    private void SetOrRemove(string key, object? value)
    {
        if (value is null)
        {
            properties.Remove(key);
        }
        else
        {
            properties[key] = value;
        }
    }

    private T? Get<T>(string key)
        where T : class => this[key] switch
        {
            null => null,
            T value => value,
            var other => throw Mismatch(key, typeof(T), other),
        };

    private T? GetStruct<T>(string key)
        where T : struct => this[key] switch
        {
            null => null,
            T value => value,
            var other => throw Mismatch(key, typeof(T), other),
        };

    private static InvalidOperationException Mismatch(string key, Type wanted, object actual) =>
        new($"Property '{key}' holds a {actual.GetType().Name}, not a {wanted.Name}.");
}
