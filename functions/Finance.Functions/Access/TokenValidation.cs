using Finance.Functions.Configuration;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Finance.Functions.Access;

/// <summary>The token issuer and audience the app accepts, read from configuration.</summary>
/// <param name="UsesDevelopmentIssuer">Tokens come from <see cref="DevelopmentTokens"/>, signed with its key; only ever
/// true in the Development environment.</param>
public sealed record TokenSettings(string Issuer, string Audience, bool UsesDevelopmentIssuer)
{
    /// <summary>Where the signing keys are published: Entra's OpenID metadata for the issuer
    /// (<c>https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration</c>).</summary>
    public string MetadataAddress => Issuer.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>Reads and checks the settings; throws with the setting's name when one is missing or not allowed here.</summary>
    public static TokenSettings Read(IConfiguration configuration, IHostEnvironment environment)
    {
        var issuer = configuration[AppSettings.AuthIssuer.Key];
        var audience = configuration[AppSettings.AuthAudience.Key];
        if (string.IsNullOrWhiteSpace(issuer) || string.IsNullOrWhiteSpace(audience))
        {
            throw new InvalidOperationException($"Set {AppSettings.AuthIssuer.Name} and {AppSettings.AuthAudience.Name}: the token issuer and audience this API accepts.");
        }
        var development = string.Equals(issuer, DevelopmentTokens.Issuer, StringComparison.Ordinal);
        if (development && !environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{AppSettings.AuthIssuer.Name} is the development issuer ({DevelopmentTokens.Issuer}), whose key is public; it is accepted only when AZURE_FUNCTIONS_ENVIRONMENT=Development.");
        }
        if (!development && !(Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{AppSettings.AuthIssuer.Name} must be an https URL (the Entra ID tenant's v2.0 issuer), not '{issuer}'.");
        }
        return new TokenSettings(issuer, audience, development);
    }
}

/// <summary>JWT bearer validation: Entra ID tokens in Azure, development tokens locally.</summary>
public static class TokenValidation
{
    /// <summary>Tolerance for clocks that disagree about a token's lifetime.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    public static IServiceCollection AddTokenValidation(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        // Read when the scheme is first used, so the settings the tests and the host add after Build's start apply.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) => Configure(options, TokenSettings.Read(configuration, environment)));
        return services;
    }

    public static void Configure(JwtBearerOptions options, TokenSettings settings)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(settings);
        // Claim names as the token spells them (oid, roles), not mapped to long WS-Federation URIs.
        options.MapInboundClaims = false;
        // The reason a token failed is logged; callers get no hints.
        options.IncludeErrorDetails = false;
        options.RequireHttpsMetadata = true;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = ClockSkew,
            NameClaimType = CallerResolver.ObjectIdClaim,
            RoleClaimType = CallerResolver.RolesClaim,
            // One algorithm per issuer: Entra signs with RSA keys from its metadata; development tokens with one HMAC
            // key. Naming it also refuses "alg: none" and any attempt to pass a public key off as an HMAC secret.
            ValidAlgorithms = [settings.UsesDevelopmentIssuer ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.RsaSha256],
        };
        if (settings.UsesDevelopmentIssuer)
        {
            options.TokenValidationParameters.IssuerSigningKey = DevelopmentTokens.SigningKey;
        }
        else
        {
            options.MetadataAddress = settings.MetadataAddress;
        }
    }
}
