using System.Globalization;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NodaTime;

namespace Finance.Functions.Access;

/// <summary>
/// What Microsoft.IdentityModel does not check, so written by hand. These run only on a token the
/// library has already accepted (signature, algorithm, issuer, audience, expiry), so they read nothing but the
/// issuer's own signed bytes. Each refusal starts with the check's name, which the log shows.
/// <list type="bullet">
/// <item><c>crit</c>: RFC 7515 §4.1.11 says a recipient must refuse a token whose <c>crit</c> header names an extension
/// it does not understand. The library ignores the header, and this API understands no extension, so any <c>crit</c>
/// is refused: whatever it asked for (an unencoded payload, say) was not honoured.</item>
/// <item><c>exp</c>, <c>nbf</c>, <c>iat</c> must be JSON numbers (NumericDate, RFC 7519 §2): the library also reads a
/// number written as a string, and a token that needs that leniency is not one Entra issued.</item>
/// <item>A cap on lifetime: the library checks that a token has not expired, never how long it was made to live, so a
/// token minted for a year would be a year's access if stolen. At most <see cref="TokenValidation.MaxLifetime"/> from
/// <c>iat</c>, from <c>nbf</c> and from now (which bounds a token that carries neither).</item>
/// </list>
/// </summary>
public static class TokenChecks
{
    /// <summary>The critical header parameter (RFC 7515 §4.1.11); the library names no constant for it.</summary>
    private const string Crit = "crit";

    private static readonly string[] TimeClaims = [JwtRegisteredClaimNames.Exp, JwtRegisteredClaimNames.Nbf, JwtRegisteredClaimNames.Iat];

    /// <summary>Null when the token passes; otherwise which check failed and what it found.</summary>
    public static string? Refusal(JsonWebToken token, Instant now, TimeSpan maxLifetime, TimeSpan clockSkew)
    {
        ArgumentNullException.ThrowIfNull(token);
        using var header = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedHeader));
        if (header.RootElement.TryGetProperty(Crit, out var crit))
        {
            return $"crit: the header names extensions this API does not understand ({crit.GetRawText()}).";
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var times = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in TimeClaims)
        {
            if (!payload.RootElement.TryGetProperty(name, out var value))
            {
                continue;
            }
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var seconds))
            {
                return $"{name}: is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a NumericDate (a number of seconds).";
            }
            times[name] = seconds;
        }
        if (!times.TryGetValue(JwtRegisteredClaimNames.Exp, out var expires))
        {
            return "exp: missing; a token must say when it expires.";
        }

        var maxSeconds = maxLifetime.TotalSeconds;
        foreach (var start in new[] { JwtRegisteredClaimNames.Iat, JwtRegisteredClaimNames.Nbf })
        {
            if (times.TryGetValue(start, out var from) && expires - from > maxSeconds)
            {
                return $"lifetime: exp - {start} is {Hours(expires - from)} h, more than the {Hours(maxSeconds)} h allowed.";
            }
        }
        // The issuer's clock may run ahead of ours by the skew the library allows.
        var remaining = expires - now.ToUnixTimeTicks() / (double)NodaConstants.TicksPerSecond;
        if (remaining > maxSeconds + clockSkew.TotalSeconds)
        {
            return $"lifetime: exp is {Hours(remaining)} h from now, more than the {Hours(maxSeconds)} h allowed.";
        }
        return null;
    }

    private static string Hours(double seconds) => (seconds / 3600).ToString("0.##", CultureInfo.InvariantCulture);
}
