using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// A broken copy of infra/ fails the same check the checkout passes (<see cref="InfraCheck"/>), with the compiler's
/// own message naming the file and the line: a type error, an unknown property, a lint finding, a parameter value
/// main.bicep does not allow.
/// </summary>
public sealed class BadInputTests
{
    private const string LedgerStorage = "infra/modules/ledger-storage.bicep";
    private const string Monitoring = "infra/modules/monitoring.bicep";

    [Fact]
    public void A_type_error_fails_the_check_with_the_compilers_message_and_line()
    {
        var (findings, line) = CheckBroken(Infrastructure.MainPath, "    softDeleteRetentionDays: ledgerSoftDeleteRetentionDays\n", "    softDeleteRetentionDays: 'seven'\n");

        findings.Should().Contain(f => f.StartsWith($"{Infrastructure.MainPath}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("\"int\"", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_property_fails_the_check_with_the_compilers_message_and_line()
    {
        var (findings, line) = CheckBroken(LedgerStorage, "    allowSharedKeyAccess: false\n", "    allowSharedKeyAcess: false\n");

        findings.Should().Contain(f => f.StartsWith($"{LedgerStorage}({line},5) : Warning BCP", StringComparison.Ordinal)
            && f.Contains("The property \"allowSharedKeyAcess\" is not allowed on objects of type", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lint_finding_fails_the_check_with_the_linters_message_and_line()
    {
        var (findings, line) = CheckBroken(Monitoring, "resource workspace ", "var retentionNote = 'unused'\n\nresource workspace ");

        findings.Should().Contain($"{Monitoring}({line},5) : Warning no-unused-vars: Variable \"retentionNote\" is declared but never used. [https://aka.ms/bicep/linter-diagnostics#no-unused-vars]");
    }

    [Fact]
    public void A_parameter_value_main_bicep_does_not_allow_fails_the_check_with_the_compilers_message_and_line()
    {
        var path = Infrastructure.ParameterFilePath("prod");
        var (findings, line) = CheckBroken(path, "param closeWorkingDay = 5\n", "param closeWorkingDay = 25\n");

        findings.Should().Contain(f => f.StartsWith($"{path}({line},", StringComparison.Ordinal)
            && f.Contains(": Error BCP", StringComparison.Ordinal) && f.Contains("maximum allowable value is 20", StringComparison.Ordinal));
    }

    /// <summary>Runs the check on a copy of infra/ with <paramref name="find"/> replaced in one file; returns every
    /// finding and the (1-based) line the replacement starts on.</summary>
    private static (IReadOnlyList<string> Findings, int Line) CheckBroken(string relativePath, string find, string replacement)
    {
        var source = File.ReadAllText(Path.Combine(RepositoryRoot.Path, relativePath));
        var at = source.IndexOf(find, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the broken copy expects '{find.Trim()}' in {relativePath}");
        var broken = string.Concat(source.AsSpan(0, at), replacement, source.AsSpan(at + find.Length));
        var line = source[..at].Count(c => c == '\n') + 1 + replacement.TakeWhile(c => c == '\n').Count();

        var copy = Directory.CreateTempSubdirectory("finance-infra-bad-");
        try
        {
            Infrastructure.CopyInfra(RepositoryRoot.Path, copy.FullName);
            File.WriteAllText(Path.Combine(copy.FullName, relativePath), broken);
            var result = InfraCheck.Run(copy.FullName);
            result.AllFindings.Should().NotBeEmpty("the broken copy must fail the check");
            return (result.AllFindings.ToList(), line);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }
}
