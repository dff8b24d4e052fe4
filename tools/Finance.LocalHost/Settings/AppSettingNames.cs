using System.Text.RegularExpressions;

namespace Finance.LocalHost.Settings;

/// <summary>
/// Resolves %Name% in binding values (timer schedules) as the real host's name resolver does: it looks the name up in
/// the host's configuration, which reads app settings from the environment. Configuration keys are case-insensitive and
/// a double underscore in a variable's name is the section separator, so the setting Close__Schedule is the key
/// Close:Schedule: <c>%Close:Schedule%</c> finds it and <c>%Close__Schedule%</c> does not (as in Azure).
/// </summary>
internal sealed partial class AppSettingNames
{
    private readonly Dictionary<string, string> keys = new(StringComparer.OrdinalIgnoreCase);

    public AppSettingNames(IReadOnlyDictionary<string, string> appSettings)
    {
        // The environment first, then the app's own settings over it (they are the app's environment in Azure).
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            keys[Key((string)variable.Key)] = (string?)variable.Value ?? "";
        }
        foreach (var (name, value) in appSettings)
        {
            keys[Key(name)] = value;
        }
    }

    /// <summary>The configuration key an app setting's name becomes.</summary>
    public static string Key(string settingName) => settingName.Replace("__", ":", StringComparison.Ordinal);

    public string? Find(string name) => keys.GetValueOrDefault(name);

    /// <summary>Replaces every %Name%; null when a named setting is missing (the function cannot be scheduled).</summary>
    public string? ResolveWholeString(string value)
    {
        var missing = false;
        var resolved = PercentName().Replace(value, match =>
        {
            var setting = Find(match.Groups[1].Value);
            missing |= setting is null;
            return setting ?? "";
        });
        return missing ? null : resolved;
    }

    [GeneratedRegex("%([^%]+)%")]
    private static partial Regex PercentName();
}
