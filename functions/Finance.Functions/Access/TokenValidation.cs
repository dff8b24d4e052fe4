using Finance.Functions.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NodaTime;

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

    /// <summary>The longest a token may be made to live: Entra's own ceiling for an access token's configurable
    /// lifetime (its default is 60 to 90 minutes). See <see cref="TokenChecks"/>.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);

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
            // The audience exactly as configured: by default the library also takes it with a slash added or removed.
            IgnoreTrailingSlashWhenValidatingAudience = false,
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
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = RefuseWhatTheLibraryAllows,
            // The middleware logs the failure's message: make it name the check first.
            OnAuthenticationFailed = context =>
            {
                var reason = RefusalReason(context.Exception, context.Request, context.Options.TokenValidationParameters.ValidAlgorithms);
                context.Fail(new AuthenticationFailureException(reason, context.Exception));
                return Task.CompletedTask;
            },
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

    /// <summary>After the library has accepted a token, the checks it does not make (<see cref="TokenChecks"/>).</summary>
    private static Task RefuseWhatTheLibraryAllows(TokenValidatedContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<IClock>().GetCurrentInstant();
        var refusal = context.SecurityToken is JsonWebToken token
            ? TokenChecks.Refusal(token, now, MaxLifetime, ClockSkew)
            : $"token: a {context.SecurityToken.GetType().Name}, not a signed JWT.";
        if (refusal is not null)
        {
            context.Fail(refusal);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Why a token was refused, for the log: the check that failed, named first ("audience: IDX10214: ..."), then the
    /// library's message, whose IDX code says exactly what it found (personal data in it stays hidden). Our own checks'
    /// messages already start with their name.
    /// </summary>
    private static string RefusalReason(Exception failure, HttpRequest request, IEnumerable<string>? validAlgorithms)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure is AggregateException all)
        {
            return string.Join("; ", all.InnerExceptions.Select(e => RefusalReason(e, request, validAlgorithms)));
        }
        // The library refuses an algorithm it was not told to accept inside its signature check, where the log hides
        // the reason as personal data; the header's alg says it plainly (the token was refused whatever it says).
        if (failure is SecurityTokenInvalidSignatureException && validAlgorithms is { } valid
            && SignedWith(request) is { } algorithm && !valid.Contains(algorithm, StringComparer.Ordinal))
        {
            return $"algorithm: the token says alg '{algorithm}'; only {string.Join(", ", valid)} is accepted. {failure.Message}";
        }
        var check = failure switch
        {
            SecurityTokenNoExpirationException => "exp",
            SecurityTokenExpiredException => "expired",
            SecurityTokenNotYetValidException => "not yet valid",
            SecurityTokenInvalidLifetimeException => "lifetime",
            SecurityTokenInvalidAudienceException => "audience",
            SecurityTokenInvalidIssuerException => "issuer",
            SecurityTokenInvalidAlgorithmException => "algorithm",
            SecurityTokenSignatureKeyNotFoundException => "signing key",
            SecurityTokenInvalidSignatureException => "signature",
            SecurityTokenMalformedException => "malformed",
            _ => null,
        };
        return check is null ? failure.Message : $"{check}: {failure.Message}";
    }

    /// <summary>The bearer token's alg header, when it reads as an algorithm's name (it goes to the log).</summary>
    private static string? SignedWith(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var algorithm = new JsonWebToken(authorization[scheme.Length..].Trim()).Alg;
            return algorithm is { Length: > 0 and <= 16 } && algorithm.All(char.IsAsciiLetterOrDigit) ? algorithm : null;
        }
        catch (ArgumentException)
        {
            // Not a token the library can read (SecurityTokenMalformedException is an ArgumentException).
            return null;
        }
    }
}
