using System.Text.RegularExpressions;

namespace Finance.LocalHost.Settings;

/// <summary>
/// Resolves %Name% in binding values (timer schedules) as the real host's name resolver does: from the app settings,
/// which in Azure are the environment. Sample__Schedule and Sample:Schedule name the same setting.
/// </summary>
internal sealed partial class AppSettingNames(IReadOnlyDictionary<string, string> appSettings)
{
    public string? Find(string name)
    {
        var spellings = new[] { name, name.Replace("__", ":", StringComparison.Ordinal), name.Replace(":", "__", StringComparison.Ordinal) };
        foreach (var candidate in spellings)
        {
            if (appSettings.TryGetValue(candidate, out var value))
            {
                return value;
            }
            if (Environment.GetEnvironmentVariable(candidate) is { } ambient)
            {
                return ambient;
            }
        }
        return null;
    }

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
