using System.Text.RegularExpressions;

namespace Finance.Infra.Tests.Bicep;

/// <summary>
/// One message of the compiler or its linter, as the CLI prints it:
/// <c>infra/modules/ledger-storage.bicep(63,5) : Warning BCP089: The property "x" is not allowed ... [link]</c>.
/// The path is made relative to the checked folder; the rest is the compiler's own text.
/// </summary>
public sealed partial record BicepDiagnostic(string File, int Line, int Column, string Level, string Code, string Message)
{
    /// <summary>The diagnostics in a CLI's output (duplicates removed: a module's messages repeat for each file using it),
    /// and any other line of output as it was, so that nothing the CLI says is dropped.</summary>
    public static IReadOnlyList<string> Findings(string output, string root)
    {
        var prefix = root.EndsWith('/') ? root : root + "/";
        var findings = new List<string>();
        foreach (var line in output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            findings.Add(Parse(line, prefix)?.ToString() ?? line);
        }
        return findings.Distinct(StringComparer.Ordinal).ToList();
    }

    public static BicepDiagnostic? Parse(string line, string rootPrefix)
    {
        var match = DiagnosticLine().Match(line);
        if (!match.Success)
        {
            return null;
        }
        var file = match.Groups["file"].Value;
        if (file.StartsWith(rootPrefix, StringComparison.Ordinal))
        {
            file = file[rootPrefix.Length..];
        }
        return new BicepDiagnostic(
            file, int.Parse(match.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups["column"].Value, System.Globalization.CultureInfo.InvariantCulture),
            match.Groups["level"].Value, match.Groups["code"].Value, match.Groups["message"].Value);
    }

    public override string ToString() => $"{File}({Line},{Column}) : {Level} {Code}: {Message}";

    [GeneratedRegex(@"^(?<file>.+?)\((?<line>\d+),(?<column>\d+)\) : (?<level>Error|Warning|Info) (?<code>[A-Za-z0-9-]+): (?<message>.*)$")]
    private static partial Regex DiagnosticLine();
}
