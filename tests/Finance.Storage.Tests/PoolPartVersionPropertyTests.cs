using System.Globalization;
using Finance.Domain.Calendar;
using Finance.Domain.Model;
using Finance.Storage.Directory;
using Finance.Storage.Pools;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using NodaTime;
using Xunit;

namespace Finance.Storage.Tests;

/// <summary>
/// Which version of a pool's stream, and of an organisation's names, a statement as at T, as known at K, shows
/// (<see cref="PoolPartVersion.InEffect"/>, <see cref="OrganisationVersion.InEffect"/>), over random histories: it
/// depends only on the versions recorded by K; among those, when one had taken effect by T, only on the ones that had
/// (the latest recorded of them); when none had, the first known. With none known, a stream that existed before
/// versions were kept (its first version a baseline) is that baseline; one first put after K is not there.
/// </summary>
public sealed class PoolPartVersionPropertyTests
{
    private static readonly Instant Start = Instant.FromUtc(2024, 4, 1, 0, 0);

    private static readonly Gen<(int[] Recorded, int[] Back, bool Baseline, int AsAt, int KnownAt)> Histories =
        from count in Gen.Choose(1, 8)
        from steps in Gen.ArrayOf(Gen.Choose(0, 30), count)
        from back in Gen.ArrayOf(Gen.Choose(0, 200), count)
        from baseline in Gen.Elements(true, false)
        from asAt in Gen.Choose(0, 300)
        from knownAt in Gen.Choose(0, 300)
        select (steps.Select((_, i) => steps.Take(i + 1).Sum()).ToArray(), back, baseline, asAt, knownAt);

    private static StreamDocument Stream(int i) =>
        new("place", "placeAllocation", string.Create(CultureInfo.InvariantCulture, $"v{i}"), "revenue", null, null, null, null);

    private static (PoolRecord Now, List<PoolPartVersion> Versions) Build((int[] Recorded, int[] Back, bool Baseline, int AsAt, int KnownAt) h)
    {
        var versions = h.Recorded.Select((day, i) =>
        {
            var at = Start + Duration.FromDays(day) + Duration.FromMinutes(i);
            var by = i == 0 && h.Baseline ? null : "priya";
            return new PoolPartVersion(PoolPartVersion.StreamPart("place"), SetupJson.Write(Stream(i)), at,
                at - Duration.FromDays(Math.Min(h.Back[i], day)), by, i + 1);
        }).ToList();
        var now = new PoolRecord("riverside", "Riverside", "council", FinancialYear.Parse("2024/25"), [], [], Start, Start, default)
        {
            Streams = [Stream(versions.Count - 1)],
        };
        return (now, versions);
    }

    [Fact]
    public void The_stream_shown_depends_only_on_what_was_recorded_by_the_known_at_and_in_effect_by_the_as_at()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Histories.ToArbitrary(), h =>
        {
            var (now, versions) = Build(h);
            var asAt = Start + Duration.FromDays(h.AsAt);
            var knownAt = Start + Duration.FromDays(h.KnownAt) + Duration.FromHours(12);
            var shown = PoolPartVersion.InEffect(now, versions, asAt, knownAt).Streams;

            var known = versions.Where(v => v.RecordedAt <= knownAt).ToList();
            if (known.Count == 0)
            {
                shown.Should().Equal(h.Baseline ? [versions[0].Stream()] : [],
                    "nothing known: what was there before versions were kept, else nothing (first put later)");
                return;
            }
            PoolPartVersion.InEffect(now, known, asAt, knownAt).Streams.Should().Equal(shown, "versions recorded later do not count");
            var inEffect = known.Where(v => v.EffectiveFrom <= asAt).ToList();
            if (inEffect.Count > 0)
            {
                PoolPartVersion.InEffect(now, inEffect, asAt, knownAt).Streams.Should().Equal(shown, "versions taking effect later do not count");
                shown.Single().Should().Be(inEffect[^1].Stream(), "the latest recorded of those in effect");
            }
            else
            {
                shown.Single().Should().Be(known[0].Stream(), "none in effect yet: the first known");
            }
        }));
    }

    [Fact]
    public void The_names_shown_depend_only_on_what_was_recorded_by_the_known_at_and_in_effect_by_the_as_at()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(Histories.ToArbitrary(), h =>
        {
            var versions = h.Recorded.Select((day, i) =>
            {
                var at = Start + Duration.FromDays(day) + Duration.FromMinutes(i);
                return new OrganisationVersion("council", $"Council {i}", null, $"C{i}", at, at - Duration.FromDays(Math.Min(h.Back[i], day)),
                    i == 0 && h.Baseline ? null : "priya", i);
            }).ToList();
            var now = new Organisation(new OrganisationId("council"), "Council now", OrganisationKind.Council, statementName: "Now");
            var asAt = Start + Duration.FromDays(h.AsAt);
            var knownAt = Start + Duration.FromDays(h.KnownAt) + Duration.FromHours(12);
            string Shown(IReadOnlyList<OrganisationVersion> these) => OrganisationVersion.InEffect(now, these, asAt, knownAt).Name;

            OrganisationVersion.InEffect(now, [], asAt, knownAt).Name.Should().Be("Council now", "no versions: as it is now");
            var known = versions.Where(v => v.RecordedAt <= knownAt).ToList();
            if (known.Count == 0)
            {
                Shown(versions).Should().Be(versions[0].Name, "nothing known: the nearest to what was");
                return;
            }
            Shown(known).Should().Be(Shown(versions), "versions recorded later do not count");
            var inEffect = known.Where(v => v.EffectiveFrom <= asAt).ToList();
            Shown(versions).Should().Be(inEffect.Count > 0 ? inEffect[^1].Name : known[0].Name);
        }));
    }
}
