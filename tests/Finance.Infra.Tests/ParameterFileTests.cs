using System.Globalization;
using Finance.Infra.Tests.Arm;
using Finance.Infra.Tests.Bicep;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>
/// The dev and prod parameter files, as <c>bicep build-params</c> compiles them. That every name is one main.bicep
/// declares, every required one is given and every value has the declared type and bounds is the compiler's check
/// (<see cref="CompilerTests"/>, <see cref="BadInputTests"/>) and again the evaluator's, which refuses what ARM would.
/// </summary>
public sealed class ParameterFileTests
{
    public static TheoryData<string> Environments => new(Infrastructure.Environments);

    private static IReadOnlyDictionary<string, ArmValue> Read(string environment) => Infrastructure.Current.ParameterFiles[environment];

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_parameter_file_deploys_its_environment_to_uk_south(string environment)
    {
        var parameters = Read(environment);

        parameters["location"].Should().Be(new ArmString("uksouth"));
        parameters["environmentName"].Should().Be(new ArmString(environment));
        Infrastructure.Current.Variants.Where(v => v.Environment == environment)
            .Should().OnlyContain(v => v.Deployment.AllResources.All(r => r.At("location") == null || r.At("location")!.Equals(new ArmString("uksouth"))));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Bank_holidays_are_iso_dates_in_order(string environment)
    {
        var holidays = ((ArmArray)Read(environment)["closeBankHolidays"]).Items.Select(h => h.AsString ?? h.ToString()).ToList();

        holidays.Should().NotBeEmpty();
        holidays.Where(d => !IsIsoDate(d)).Should().BeEmpty();
        holidays.Should().BeInAscendingOrder(StringComparer.Ordinal).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void Production_keeps_statements_for_seven_years_on_redundant_storage()
    {
        var prod = Read("prod");

        ((ArmInt)prod["statementsRetentionDays"]).Value.Should().BeGreaterThanOrEqualTo(7 * 365);
        prod["ledgerStorageSku"].Should().NotBe(new ArmString("Standard_LRS"));
    }

    private static bool IsIsoDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
}
