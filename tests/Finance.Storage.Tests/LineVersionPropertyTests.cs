using System.Globalization;
using Finance.Storage.Pools;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>
/// Which version of a line a statement as at T, as known at K, uses (<see cref="LineVersion.InEffect"/>), over random
/// histories: it depends only on the versions recorded by K; among those, when one had taken effect by T, only on the
/// ones that had (the latest recorded of them); only when none had is the first known shown, so that no line, and no
/// entry on it, drops off a statement.
/// </summary>
public sealed class LineVersionPropertyTests
{
    private static readonly Instant Start = Instant.FromUtc(2024, 4, 1, 0, 0);

    /// <summary>A history: each version's recorded day (in order) and its effective day (any day up to its recording).</summary>
    private static readonly Gen<(int[] Recorded, int[] Back, int AsAt, int KnownAt)> Histories =
        from count in Gen.Choose(1, 8)
        from steps in Gen.ArrayOf(Gen.Choose(0, 30), count)
        from back in Gen.ArrayOf(Gen.Choose(0, 200), count)
        from asAt in Gen.Choose(0, 300)
        from knownAt in Gen.Choose(0, 300)
        select (steps.Select((_, i) => steps.Take(i + 1).Sum()).ToArray(), back, asAt, knownAt);

    private static (LineDocument Current, List<LineVersion> Versions) Build((int[] Recorded, int[] Back, int AsAt, int KnownAt) h)
    {
        var created = Start + Duration.FromDays(h.Recorded[0]);
        var versions = h.Recorded.Select((day, i) =>
        {
            var at = Start + Duration.FromDays(day) + Duration.FromMinutes(i);
            var line = new LineDocument("frailty", "place", string.Create(CultureInfo.InvariantCulture, $"v{i}"), "council", 1,
                new ProfileDocument("straightLine"), null, null, created, "priya", at, "priya");
            return new LineVersion(line, at, at - Duration.FromDays(Math.Min(h.Back[i], day)), "priya", i + 1);
        }).ToList();
        return (versions[^1].Line, versions);
    }

    [Fact]
    public void The_version_shown_depends_only_on_what_was_recorded_by_the_known_at_and_in_effect_by_the_as_at()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Histories.ToArbitrary(), h =>
        {
            var (current, versions) = Build(h);
            var asAt = Start + Duration.FromDays(h.AsAt);
            var knownAt = Start + Duration.FromDays(h.KnownAt) + Duration.FromHours(12);
            var shown = LineVersion.InEffect([current], versions, asAt, knownAt);

            var known = versions.Where(v => v.RecordedAt <= knownAt).ToList();
            LineVersion.InEffect([current], known, asAt, knownAt).Should().Equal(shown, "versions recorded later do not count");
            if (known.Count == 0)
            {
                shown.Should().BeEmpty("a line first put after the known-at was not on the statement then");
                return;
            }
            var inEffect = known.Where(v => v.EffectiveFrom <= asAt).ToList();
            if (inEffect.Count > 0)
            {
                LineVersion.InEffect([current], inEffect, asAt, knownAt).Should().Equal(shown, "versions taking effect later do not count");
                shown.Single().Should().Be(inEffect[^1].Line, "the latest recorded of those in effect");
            }
            else
            {
                shown.Single().Should().Be(known[0].Line, "none in effect yet: the first known, so the line stays on the statement");
            }
        }));
    }
}
