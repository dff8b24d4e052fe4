using FluentAssertions;
using Finance.Domain.Money;

namespace Finance.Domain.Tests.Money;

public sealed class ApportionTests
{
    [Fact]
    public void Largest_remainder_gives_the_odd_penny_to_the_largest_fraction()
    {
        // DOMAIN.md: a 400,000 overspend shared 12,500,000 : 6,000,000 is 270,270.27 and 129,729.73.
        var shares = Apportion.ByWeights(Pence.FromPounds(400_000), [Pence.FromPounds(12_500_000), Pence.FromPounds(6_000_000)]);

        shares.Should().Equal(Pence.FromPounds(270_270.27m), Pence.FromPounds(129_729.73m));
    }

    [Fact]
    public void Ties_go_to_the_earlier_part_and_negatives_mirror_positives()
    {
        Apportion.ByWeights(new Pence(10), [1L, 1L, 1L]).Should().Equal(new Pence(4), new Pence(3), new Pence(3));
        Apportion.ByWeights(new Pence(-10), [1L, 1L, 1L]).Should().Equal(new Pence(-4), new Pence(-3), new Pence(-3));
        Apportion.OverMonths(Pence.FromPounds(1_000), 12).Should().HaveCount(12)
            .And.Subject.Select(p => p.Value).Should().Equal(8_334, 8_334, 8_334, 8_334, 8_333, 8_333, 8_333, 8_333, 8_333, 8_333, 8_333, 8_333);
    }

    [Fact]
    public void Weights_that_sum_to_the_total_are_reproduced_exactly()
    {
        long[] weights = [1_999, 0, 3, 7_998];
        Apportion.ByWeights(new Pence(10_000), weights).Select(p => p.Value).Should().Equal(weights);
    }

    [Fact]
    public void Impossible_weights_are_refused()
    {
        var negative = () => Apportion.ByWeights(new Pence(100), [5L, -1L]);
        negative.Should().Throw<ArgumentException>().WithMessage("Weight 2 is -1*");
        var allZero = () => Apportion.ByWeights(new Pence(100), [0L, 0L]);
        allZero.Should().Throw<ArgumentException>().WithMessage("*all zero*");
        Apportion.ByWeights(Pence.Zero, [0L, 0L]).Should().Equal(Pence.Zero, Pence.Zero);
        var none = () => Apportion.ByWeights(new Pence(100), Array.Empty<long>());
        none.Should().Throw<ArgumentException>();
        var thirteen = () => Apportion.OverMonths(new Pence(100), 13);
        thirteen.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*13 months*");
    }
}
