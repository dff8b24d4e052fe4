using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Serialization.SystemTextJson;

namespace Finance.Storage;

/// <summary>
/// How records kept as JSON blobs (close links with their frozen statements, run reports) are written and read back:
/// fixed here, apart from the API's options, so that changing how the API writes JSON cannot change a stored record's
/// bytes (and so its hash) or how it reads back. Reads are strict: an unknown member, a missing required one, a number
/// where an enum's name belongs, or a null where none is allowed is an error.
/// </summary>
public static class ArchiveJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Reads a stored record; anything that does not read back as a <typeparamref name="T"/> is a
    /// <see cref="StorageInvariantException"/> naming <paramref name="record"/>.</summary>
    public static T Read<T>(byte[] bytes, string record)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Options) ?? throw new JsonException("The record is null.");
        }
        catch (JsonException e)
        {
            throw new StorageInvariantException(record, $"it does not read back as a {typeof(T).Name}: {e.Message}", e);
        }
    }

    public static byte[] Write<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNameCaseInsensitive = false,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        options.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
