using System.Globalization;
using System.Security.Cryptography;
using Finance.Domain.Principals;
using Finance.Functions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Finance.Functions.Access;

/// <summary>
/// Tokens for local development and tests: a development issuer whose HMAC key is in this file (public on purpose), and
/// the <c>mint-token</c> command that signs a token for a chosen user, organisations and roles. Both are refused outside
/// the Development environment: minting here, and accepting these tokens in <see cref="TokenSettings.Read"/>.
/// </summary>
public static class DevelopmentTokens
{
    /// <summary>The development issuer: <c>Auth__Issuer</c>'s local default.</summary>
    public const string Issuer = "https://dev.local/finance";

    public const string KeyId = "finance-development";

    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(8);

    /// <summary>No longer than the app accepts.</summary>
    public static readonly TimeSpan MaxLifetime = TokenValidation.MaxLifetime;

    public const string Usage =
        "Usage: Finance.DevTools mint-token --user <principal id> [--org <organisation id>]... [--role <role>]... [--minutes <1-1440>]\n" +
        "  Prints a development token (Development environment and the development issuer only).\n" +
        "  Roles: FinanceLead, PoolManager, PartnerViewer, Auditor, Administrator.";

    /// <summary>256 bits derived from a fixed phrase: anyone can mint with it, which is why only Development accepts it.</summary>
    internal static SymmetricSecurityKey SigningKey { get; } =
        new(SHA256.HashData("finance-functions development signing key; public; accepted only in Development"u8.ToArray())) { KeyId = KeyId };

    /// <summary>A signed development token. Claims as Entra v2.0 access tokens carry them (<c>oid</c>, <c>sub</c>,
    /// <c>roles</c>), plus <c>organisations</c>.</summary>
    public static string Mint(string audience, string user, IEnumerable<string> organisations, IEnumerable<Role> roles, DateTimeOffset now, TimeSpan lifetime)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [CallerResolver.ObjectIdClaim] = user,
                [CallerResolver.SubjectClaim] = user,
                ["name"] = user,
                [CallerResolver.RolesClaim] = roles.Distinct().Select(r => r.ToString()).ToArray(),
                [CallerResolver.OrganisationsClaim] = organisations.Distinct(StringComparer.Ordinal).ToArray(),
            },
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>The audience to mint for, or null with the reason minting is refused in this environment.</summary>
    public static string? AudienceForMinting(IConfiguration configuration, string environmentName, out string refusal)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase))
        {
            refusal = $"Development tokens are minted only when AZURE_FUNCTIONS_ENVIRONMENT=Development (this is '{environmentName}').";
            return null;
        }
        if (!string.Equals(configuration[AppSettings.AuthIssuer.Key], Issuer, StringComparison.Ordinal))
        {
            refusal = $"{AppSettings.AuthIssuer.Name} is not the development issuer {Issuer}: the app would not accept a development token.";
            return null;
        }
        var audience = configuration[AppSettings.AuthAudience.Key];
        if (string.IsNullOrWhiteSpace(audience))
        {
            refusal = $"Set {AppSettings.AuthAudience.Name} to the audience the app accepts.";
            return null;
        }
        refusal = "";
        return audience;
    }

    /// <summary>
    /// The environment this process runs in, named as for the function app: AZURE_FUNCTIONS_ENVIRONMENT (what the
    /// Functions host and Core Tools set, and the worker reads), else the .NET host's own variables.
    /// </summary>
    public static string CurrentEnvironmentName() =>
        Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT")
        ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
        ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
        ?? Environments.Production;

    /// <summary><c>mint-token</c>: prints one token on standard output; 2 for bad arguments, 1 when refused.</summary>
    public static int RunMintCommand(
        IReadOnlyList<string> args, string environmentName, IConfiguration configuration, TextWriter output, TextWriter error, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? user = null;
        var organisations = new List<string>();
        var roles = new List<Role>();
        var lifetime = DefaultLifetime;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            string? problem = (args[i], value) switch
            {
                (_, null) => $"{args[i]} needs a value.",
                ("--user", _) when Ids.IsPrincipalId(value) => Set(() => user = value),
                ("--user", _) => $"--user: a principal id is {Ids.PrincipalIdRule}.",
                ("--org", _) when Ids.IsLedgerId(value) => Set(() => organisations.Add(value)),
                ("--org", _) => $"--org: an organisation id is {Ids.LedgerIdRule}.",
                ("--role", _) when Roles.TryParse(value, out var role) => Set(() => roles.Add(role)),
                ("--role", _) => $"--role: '{value}' is not one of {string.Join(", ", Roles.All)}.",
                ("--minutes", _) when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes)
                                      && minutes >= 1 && TimeSpan.FromMinutes(minutes) <= MaxLifetime => Set(() => lifetime = TimeSpan.FromMinutes(minutes)),
                ("--minutes", _) => $"--minutes is a whole number from 1 to {MaxLifetime.TotalMinutes}.",
                _ => $"Unknown option {args[i]}.",
            };
            if (problem is not null)
            {
                error.WriteLine(problem);
                error.WriteLine(Usage);
                return 2;
            }
            i++;
        }
        if (user is null)
        {
            error.WriteLine("--user is required.");
            error.WriteLine(Usage);
            return 2;
        }
        if (AudienceForMinting(configuration, environmentName, out var refusal) is not { } audience)
        {
            error.WriteLine(refusal);
            return 1;
        }
        output.WriteLine(Mint(audience, user, organisations, roles, now, lifetime));
        return 0;
    }

    private static string? Set(Action apply)
    {
        apply();
        return null;
    }
}
