using System.Diagnostics.CodeAnalysis;
using Azure.Data.Tables;
using NodaTime;

namespace Finance.Storage;

/// <summary>
/// Strict reads of a stored entity's properties: a missing required property, one of another type, or a name the code
/// does not know is a <see cref="StorageInvariantException"/> naming the table, the row and the property. Nothing falls
/// back to a default.
/// </summary>
internal static class StoredEntity
{
    public static string Describe(string table, ITableEntity entity) => $"{table} {entity.PartitionKey}/{entity.RowKey}";

    public static string Text(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetString) ?? throw Missing(entity, table, name);

    public static string? OptionalText(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetString);

    public static int Int32(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetInt32) ?? throw Missing(entity, table, name);

    public static long Int64(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetInt64) ?? throw Missing(entity, table, name);

    public static bool Boolean(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetBoolean) ?? throw Missing(entity, table, name);

    public static Instant Instant(this TableEntity entity, string table, string name) =>
        OptionalInstant(entity, table, name) ?? throw Missing(entity, table, name);

    public static Instant? OptionalInstant(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetDateTimeOffset) is { } value ? NodaTime.Instant.FromDateTimeOffset(value) : null;

    public static byte[]? OptionalBinary(this TableEntity entity, string table, string name) =>
        Optional(entity, table, name, entity.GetBinary);

    /// <summary>An enum stored by its exact name; any other text is not silently mapped to some default member.</summary>
    public static TEnum Enum<TEnum>(this TableEntity entity, string table, string name)
        where TEnum : struct, System.Enum
    {
        var text = Text(entity, table, name);
        return TryParseName<TEnum>(text, out var value)
            ? value
            : throw new StorageInvariantException(Describe(table, entity), $"property {name} holds '{Shorten(text)}', which is not a {typeof(TEnum).Name}.");
    }

    /// <summary>Exactly a member's name: no numbers, no other case, no comma-joined flags.</summary>
    public static bool TryParseName<TEnum>(string? text, out TEnum value)
        where TEnum : struct, System.Enum
    {
        foreach (var member in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(member.ToString(), text, StringComparison.Ordinal))
            {
                value = member;
                return true;
            }
        }
        value = default;
        return false;
    }

    public static StorageInvariantException Invalid(ITableEntity entity, string table, string problem, Exception? inner = null) =>
        new(Describe(table, entity), problem, inner);

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Only the SDK's type-mismatch exception is caught.")]
    private static T? Optional<T>(TableEntity entity, string table, string name, Func<string, T?> read)
    {
        try
        {
            return read(name);
        }
        catch (InvalidOperationException e)
        {
            // Azure.Data.Tables reports a property of another type this way.
            throw new StorageInvariantException(Describe(table, entity), $"property {name} is not of the type written: {e.Message}", e);
        }
    }

    private static StorageInvariantException Missing(ITableEntity entity, string table, string name) =>
        new(Describe(table, entity), $"required property {name} is missing.");

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}
