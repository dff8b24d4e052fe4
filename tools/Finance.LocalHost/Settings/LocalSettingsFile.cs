using System.Globalization;
using System.Text.Json;

namespace Finance.LocalHost.Settings;

/// <summary>A Core Tools local.settings.json: its Values become app settings; Host.LocalHttpPort is the default port.</summary>
public sealed record LocalSettingsFile(IReadOnlyDictionary<string, string> Values, int? LocalHttpPort)
{
    /// <summary>Largest settings file read, so a wrong path cannot load a huge file into memory.</summary>
    private const long MaxFileBytes = 1024 * 1024;

    public static LocalSettingsFile Read(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"No settings file at {path}.", path);
        }
        if (file.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"{path} is larger than {MaxFileBytes} bytes; it is not a local.settings.json.");
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        });
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty(nameof(Values), out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var setting in section.EnumerateObject())
            {
                values[setting.Name] = setting.Value.ValueKind == JsonValueKind.String
                    ? setting.Value.GetString()!
                    : setting.Value.GetRawText();
            }
        }

        int? port = null;
        if (document.RootElement.TryGetProperty("Host", out var host) && host.ValueKind == JsonValueKind.Object
            && host.TryGetProperty(nameof(LocalHttpPort), out var localPort))
        {
            port = localPort.ValueKind == JsonValueKind.Number
                ? localPort.GetInt32()
                : int.Parse(localPort.GetString()!, CultureInfo.InvariantCulture);
        }
        return new LocalSettingsFile(values, port);
    }
}
