using Finance.Storage.Tables;
using FluentAssertions;
using Xunit;

namespace Finance.Storage.Tests;

public sealed class TableFilterTests
{
    [Fact]
    public void Every_value_becomes_a_typed_literal()
    {
        var when = new DateTimeOffset(2024, 4, 1, 10, 30, 0, TimeSpan.FromHours(1));
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

        TableFilter.Create($"S eq {"it's"}").Should().Be("S eq 'it''s'");
        TableFilter.Create($"I eq {42}").Should().Be("I eq 42");
        TableFilter.Create($"L eq {long.MaxValue}").Should().Be("L eq 9223372036854775807L");
        TableFilter.Create($"D eq {2.5}").Should().Be("D eq 2.5");
        TableFilter.Create($"D eq {2.0}").Should().Be("D eq 2.0");
        TableFilter.Create($"B eq {true} and C eq {false}").Should().Be("B eq true and C eq false");
        TableFilter.Create($"T ge {when}").Should().Be("T ge datetime'2024-04-01T09:30:00.0000000Z'");
        TableFilter.Create($"G eq {id}").Should().Be("G eq guid'0f8fad5b-d9cb-469f-a165-70867728950e'");
        TableFilter.Create($"X eq {new byte[] { 0x01, 0xAB }}").Should().Be("X eq X'01ab'");
        TableFilter.Create($"X eq {BinaryData.FromBytes(new byte[] { 0xFF })}").Should().Be("X eq X'ff'");
    }

    [Fact]
    public void A_quote_in_a_value_cannot_end_the_literal()
    {
        var hostile = "a' or PartitionKey ne '";

        TableFilter.Create($"PartitionKey eq {hostile}").Should().Be("PartitionKey eq 'a'' or PartitionKey ne '''");
    }

    [Fact]
    public void Null_is_refused()
    {
        string? missing = null;

        var act = () => TableFilter.Create($"S eq {missing}");

        act.Should().Throw<ArgumentException>().WithMessage("*null*");
    }

    [Fact]
    public void Types_without_a_table_literal_are_refused()
    {
        FluentActions.Invoking(() => TableFilter.Create($"S eq {1.5m}")).Should().Throw<ArgumentException>().WithMessage("*Decimal*");
        FluentActions.Invoking(() => TableFilter.Create($"S eq {'c'}")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => TableFilter.Create($"S eq {double.NaN}")).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => TableFilter.Create($"T eq {new DateTime(2024, 1, 1)}")).Should().Throw<ArgumentException>()
            .WithMessage("*unspecified*");
    }

    [Fact]
    public void Overlong_filters_are_refused()
    {
        var act = () => TableFilter.Create($"S eq {new string('x', TableFilter.MaxFilterLength)}");

        act.Should().Throw<ArgumentException>();
    }
}
