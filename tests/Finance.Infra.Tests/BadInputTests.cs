using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// A broken copy of infra/ fails the same check the checkout passes (<see cref="InfraCheck"/>), with the compiler's
/// own message naming the file and the line: a type error, an unknown property, a lint finding, a parameter value
/// main.bicep does not allow. Each is made in a different file of one copy, so one check shows all four, and each
/// test looks for its own message at its own file and line.
/// </summary>
public sealed class BadInputTests(BadInputTests.BrokenCopy copy) : IClassFixture<BadInputTests.BrokenCopy>
{
    private const string LedgerStorage = "infra/modules/ledger-storage.bicep";
    private const string Monitoring = "infra/modules/monitoring.bicep";

    /// <summary>One way to break the copy: in <paramref name="File"/>, <paramref name="Find"/> becomes <paramref name="Replacement"/>.</summary>
    public sealed record Break(string File, string Find, string Replacement);

    private static readonly Break TypeError = new(Infrastructure.MainPath,
        "    softDeleteRetentionDays: ledgerSoftDeleteRetentionDays\n", "    softDeleteRetentionDays: 'seven'\n");

    private static readonly Break UnknownProperty = new(LedgerStorage,
        "    allowSharedKeyAccess: false\n", "    allowSharedKeyAcess: false\n");

    private static readonly Break LintFinding = new(Monitoring,
        "resource workspace ", "var retentionNote = 'unused'\n\nresource workspace ");

    private static readonly Break DisallowedParameter = new(Infrastructure.ParameterFilePath("prod"),
        "param closeWorkingDay = 5\n", "param closeWorkingDay = 25\n");

    private static readonly Break[] All = [TypeError, UnknownProperty, LintFinding, DisallowedParameter];

    [Fact]
    public void A_type_error_fails_the_check_with_the_compilers_message_and_line()
    {
        var line = copy.Line(TypeError);

        copy.Findings.Should().Contain(f => f.StartsWith($"{TypeError.File}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("\"int\"", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_property_fails_the_check_with_the_compilers_message_and_line()
    {
        var line = copy.Line(UnknownProperty);

        copy.Findings.Should().Contain(f => f.StartsWith($"{UnknownProperty.File}({line},5) : Warning BCP", StringComparison.Ordinal)
            && f.Contains("The property \"allowSharedKeyAcess\" is not allowed on objects of type", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lint_finding_fails_the_check_with_the_linters_message_and_line()
    {
        var line = copy.Line(LintFinding);

        copy.Findings.Should().Contain(
            $"{LintFinding.File}({line},5) : Warning no-unused-vars: Variable \"retentionNote\" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]");
    }

    [Fact]
    public void A_parameter_value_main_bicep_does_not_allow_fails_the_check_with_the_compilers_message_and_line()
    {
        var line = copy.Line(DisallowedParameter);

        copy.Findings.Should().Contain(f => f.StartsWith($"{DisallowedParameter.File}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("maximum allowable value is 20", StringComparison.Ordinal));
    }

    /// <summary>A copy of infra/ with every break applied, checked once.</summary>
    public sealed class BrokenCopy : IDisposable
    {
        private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("finance-infra-broken-");
        private readonly Dictionary<Break, int> lines = [];

        public BrokenCopy()
        {
            if (All.Select(b => b.File).Distinct().Count() != All.Length)
            {
                throw new InvalidOperationException("Each break goes in its own file, so that no message hides another.");
            }
            Infrastructure.CopyInfra(RepositoryRoot.Path, root.FullName);
            foreach (var broken in All)
            {
                var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, broken.File));
                var at = source.IndexOf(broken.Find, StringComparison.Ordinal);
                if (at < 0)
                {
                    throw new InvalidOperationException($"The broken copy expects '{broken.Find.Trim()}' in {broken.File}.");
                }
                File.WriteAllText(Path.Combine(root.FullName, broken.File), string.Concat(source.AsSpan(0, at), broken.Replacement, source.AsSpan(at + broken.Find.Length)));
                lines[broken] = source[..at].Count(c => c == '\n') + 1;
            }
            Findings = InfraCheck.Run(root.FullName).AllFindings.ToList();
        }

        /// <summary>Everything the check printed about the copy (paths relative to it, as for the checkout).</summary>
        public IReadOnlyList<string> Findings { get; }

        /// <summary>The 1-based line a break starts on.</summary>
        public int Line(Break broken) => lines[broken];

        public void Dispose() => root.Delete(recursive: true);
    }
}
