using System.Globalization;
using System.Text.Json;
using Finance.Infra.Tests.Bicep;
using Finance.Testing;
using FluentAssertions;
using Xunit;

namespace Finance.Infra.Tests;

/// <summary>The dev and prod parameter files fit main.bicep's parameters and deploy to UK South.</summary>
public sealed class ParameterFileTests
{
    public static TheoryData<string> Environments => new() { "dev", "prod" };

    private static BicepFile Main => Infrastructure.Current.Main;

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_parameter_file_deploys_to_uk_south(string environment)
    {
        var parameters = Read(environment);

        parameters["location"].GetString().Should().Be("uksouth");
        parameters["environmentName"].GetString().Should().Be(environment);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_parameter_in_the_file_is_declared_in_main_bicep(string environment)
    {
        var declared = Main.Parameters.Select(p => p.Name).ToHashSet();

        Read(environment).Keys.Where(k => !declared.Contains(k)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_parameter_without_a_default_is_given(string environment)
    {
        var given = Read(environment);

        Main.Parameters.Where(p => p.Value is null).Select(p => p.Name).Where(n => !given.ContainsKey(n)).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_value_is_one_main_bicep_allows(string environment)
    {
        var problems = new List<string>();
        foreach (var (name, value) in Read(environment))
        {
            var parameter = Main.Find("param", name);
            if (parameter is null)
            {
                continue;
            }
            var allowed = Main.ArrayItems(parameter.DecoratorArgument("allowed")).Select(i => Main.Strings(i).FirstOrDefault() ?? i.Text).ToList();
            var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
            if (allowed.Count > 0 && !allowed.Contains(text))
            {
                problems.Add($"{name} = {text}, allowed: {string.Join(", ", allowed)}");
            }
            if (value.ValueKind == JsonValueKind.Number)
            {
                var number = value.GetInt32();
                if (parameter.DecoratorArgument("minValue") is { } min && number < int.Parse(min.Text!, CultureInfo.InvariantCulture))
                {
                    problems.Add($"{name} = {number} is below @minValue({min.Text})");
                }
                if (parameter.DecoratorArgument("maxValue") is { } max && number > int.Parse(max.Text!, CultureInfo.InvariantCulture))
                {
                    problems.Add($"{name} = {number} is above @maxValue({max.Text})");
                }
            }
        }
        problems.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Bank_holidays_are_iso_dates(string environment)
    {
        var holidays = Read(environment)["closeBankHolidays"].EnumerateArray().Select(e => e.GetString()!).ToList();

        holidays.Should().NotBeEmpty();
        holidays.Where(d => !IsIsoDate(d)).Should().BeEmpty();
        holidays.Should().BeInAscendingOrder(StringComparer.Ordinal).And.OnlyHaveUniqueItems();
    }

    [Fact]
    public void Production_keeps_statements_for_seven_years_on_redundant_storage()
    {
        var prod = Read("prod");

        prod["statementsRetentionDays"].GetInt32().Should().BeGreaterThanOrEqualTo(7 * 365);
        prod["ledgerStorageSku"].GetString().Should().NotBe("Standard_LRS");
    }

    private static bool IsIsoDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private static Dictionary<string, JsonElement> Read(string environment)
    {
        var path = Path.Combine(RepositoryRoot.Path, "infra", $"main.{environment}.parameters.json");
        File.Exists(path).Should().BeTrue($"{path} should exist");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("parameters").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("value").Clone(), StringComparer.Ordinal);
    }
}
