using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// Broken copies of infra/ fail the same check the checkout passes (<see cref="InfraCheck"/>), with the compiler's
/// own message naming the file and the line: a type error, an unknown property, a lint finding, a parameter value
/// main.bicep does not allow. The copies sit side by side and are checked in one run of each command.
/// </summary>
public sealed class BadInputTests(BadInputTests.BrokenCopies copies) : IClassFixture<BadInputTests.BrokenCopies>
{
    private const string LedgerStorage = "infra/modules/ledger-storage.bicep";
    private const string Monitoring = "infra/modules/monitoring.bicep";

    /// <summary>One way to break a copy: in <paramref name="File"/>, <paramref name="Find"/> becomes <paramref name="Replacement"/>.</summary>
    public sealed record Break(string Name, string File, string Find, string Replacement);

    private static readonly Break TypeError = new("type-error", Infrastructure.MainPath,
        "    softDeleteRetentionDays: ledgerSoftDeleteRetentionDays\n", "    softDeleteRetentionDays: 'seven'\n");

    private static readonly Break UnknownProperty = new("unknown-property", LedgerStorage,
        "    allowSharedKeyAccess: false\n", "    allowSharedKeyAcess: false\n");

    private static readonly Break LintFinding = new("lint-finding", Monitoring,
        "resource workspace ", "var retentionNote = 'unused'\n\nresource workspace ");

    private static readonly Break DisallowedParameter = new("disallowed-parameter", Infrastructure.ParameterFilePath("prod"),
        "param closeWorkingDay = 5\n", "param closeWorkingDay = 25\n");

    [Fact]
    public void A_type_error_fails_the_check_with_the_compilers_message_and_line()
    {
        copies.Findings(TypeError, out var file, out var line).Should().Contain(f => f.StartsWith($"{file}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("\"int\"", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_property_fails_the_check_with_the_compilers_message_and_line()
    {
        copies.Findings(UnknownProperty, out var file, out var line).Should().Contain(f => f.StartsWith($"{file}({line},5) : Warning BCP", StringComparison.Ordinal)
            && f.Contains("The property \"allowSharedKeyAcess\" is not allowed on objects of type", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lint_finding_fails_the_check_with_the_linters_message_and_line()
    {
        copies.Findings(LintFinding, out var file, out var line).Should().Contain(
            $"{file}({line},5) : Warning no-unused-vars: Variable \"retentionNote\" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]");
    }

    [Fact]
    public void A_parameter_value_main_bicep_does_not_allow_fails_the_check_with_the_compilers_message_and_line()
    {
        copies.Findings(DisallowedParameter, out var file, out var line).Should().Contain(f => f.StartsWith($"{file}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("maximum allowable value is 20", StringComparison.Ordinal));
    }

    /// <summary>Every break applied to its own copy of infra/, all checked once.</summary>
    public sealed class BrokenCopies : IDisposable
    {
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("finance-infra-broken-");
        private readonly Dictionary<string, int> lines = [];
        private readonly InfraCheckResult result;

        public BrokenCopies()
        {
            foreach (var broken in new[] { TypeError, UnknownProperty, LintFinding, DisallowedParameter })
            {
                var copy = Path.Combine(root.FullName, broken.Name);
                Infrastructure.CopyInfra(RepositoryRoot.Path, copy);
                var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, broken.File));
                var at = source.IndexOf(broken.Find, StringComparison.Ordinal);
                if (at < 0)
                {
                    throw new InvalidOperationException($"The broken copy {broken.Name} expects '{broken.Find.Trim()}' in {broken.File}.");
                }
                File.WriteAllText(Path.Combine(copy, broken.File), string.Concat(source.AsSpan(0, at), broken.Replacement, source.AsSpan(at + broken.Find.Length)));
                lines[broken.Name] = source[..at].Count(c => c == '\n') + 1;
            }
            result = InfraCheck.Run(root.FullName, manyCopies: true);
        }

        /// <summary>What the check found in one broken copy, with the path (as the check prints it) and 1-based line of the break.</summary>
        public IReadOnlyList<string> Findings(Break broken, out string file, out int line)
        {
            file = $"{broken.Name}/{broken.File}";
            line = lines[broken.Name];
            var prefix = $"{broken.Name}/";
            return result.AllFindings.Where(f => f.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }

        public void Dispose() => root.Delete(recursive: true);
    }
}
