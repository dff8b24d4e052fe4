namespace Finance.Domain.Money;

/// <summary>
/// Splits an amount into parts that add up to it exactly, by the largest-remainder method: each part gets the whole
/// pence of its exact share, and the pence left over go one each to the parts with the largest fractions (earlier parts
/// first on a tie). Used for budget profiles and for sharing over- and underspends between partners.
/// </summary>
/// <remarks>Named Apportion rather than Allocation because an allocation is income to a pool in this domain.</remarks>
public static class Apportion
{
    public const int MaxParts = 10_000;

    /// <summary>Splits <paramref name="total"/> in proportion to <paramref name="weights"/> (each zero or more).</summary>
    public static IReadOnlyList<Pence> ByWeights(Pence total, IReadOnlyList<long> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Count is 0 or > MaxParts)
        {
            throw new ArgumentException($"Cannot apportion {total} over {weights.Count} parts; use 1 to {MaxParts}.", nameof(weights));
        }
        Int128 weightTotal = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            if (weights[i] < 0)
            {
                throw new ArgumentException($"Weight {i + 1} is {weights[i]}; weights cannot be negative.", nameof(weights));
            }
            weightTotal += weights[i];
        }
        if (weightTotal == 0)
        {
            return total.IsZero
                ? Enumerable.Repeat(Pence.Zero, weights.Count).ToArray()
                : throw new ArgumentException($"Cannot apportion {total} by weights that are all zero.", nameof(weights));
        }

        // Split the magnitude and restore the sign afterwards, so a negative amount splits as the mirror of a positive one.
        var magnitude = Int128.Abs(total.Value);
        var parts = new Int128[weights.Count];
        var remainders = new Int128[weights.Count];
        Int128 given = 0;
        for (var i = 0; i < weights.Count; i++)
        {
            parts[i] = Int128.DivRem(magnitude * weights[i], weightTotal).Quotient;
            remainders[i] = magnitude * weights[i] - parts[i] * weightTotal;
            given += parts[i];
        }
        var leftOver = (int)(magnitude - given);
        foreach (var i in Enumerable.Range(0, weights.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(leftOver))
        {
            parts[i] += 1;
        }
        return parts.Select(p => new Pence((long)(total.IsNegative ? -p : p))).ToArray();
    }

    public static IReadOnlyList<Pence> ByWeights(Pence total, IReadOnlyList<Pence> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return ByWeights(total, weights.Select(w => w.Value).ToArray());
    }

    /// <summary>Splits an amount evenly over <paramref name="months"/> months; earlier months take the odd pence.</summary>
    public static IReadOnlyList<Pence> OverMonths(Pence total, int months) =>
        months is < 1 or > 12
            ? throw new ArgumentOutOfRangeException(nameof(months), months, $"Cannot spread {total} over {months} months; use 1 to 12.")
            : ByWeights(total, Enumerable.Repeat(1L, months).ToArray());
}
