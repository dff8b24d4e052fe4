using Finance.Functions.Access;
using Finance.Functions.Configuration;
using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Xunit;

namespace Finance.Functions.Tests.Access;

/// <summary>The <c>mint-token</c> command: development tokens for a chosen user, organisations and roles, refused
/// outside the Development environment.</summary>
public sealed class MintTokenTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private static IConfiguration Settings(string? issuer = DevelopmentTokens.Issuer, string? audience = "api://finance-dev") =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AppSettings.AuthIssuer.Key] = issuer,
            [AppSettings.AuthAudience.Key] = audience,
        }).Build();

    private static (int Exit, string Output, string Error) Run(string environment, IConfiguration settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = DevelopmentTokens.RunMintCommand(args, environment, settings, output, error, Now);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void It_prints_a_token_for_the_user_organisations_and_roles()
    {
        var (exit, output, error) = Run("Development", Settings(),
            "--user", "alice", "--org", "riverside-council", "--org", "riverside-icb", "--role", "FinanceLead", "--role", "PartnerViewer", "--minutes", "30");

        exit.Should().Be(0, error);
        var token = new JsonWebTokenHandler().ReadJsonWebToken(output.Trim());
        token.Issuer.Should().Be(DevelopmentTokens.Issuer);
        token.Audiences.Should().Equal("api://finance-dev");
        token.GetClaim("oid").Value.Should().Be("alice");
        token.Claims.Where(c => c.Type == "roles").Select(c => c.Value).Should().Equal("FinanceLead", "PartnerViewer");
        token.Claims.Where(c => c.Type == "organisations").Select(c => c.Value).Should().Equal("riverside-council", "riverside-icb");
        token.ValidTo.Should().Be(Now.AddMinutes(30).UtcDateTime);
        token.Alg.Should().Be("HS256");
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("")]
    public void It_is_refused_outside_development(string environment)
    {
        var (exit, output, error) = Run(environment, Settings(), "--user", "alice", "--role", "Administrator");
        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Contain("AZURE_FUNCTIONS_ENVIRONMENT=Development");
    }

    [Fact]
    public void It_is_refused_when_the_app_does_not_use_the_development_issuer()
    {
        var (exit, output, error) = Run("Development", Settings(issuer: "https://login.microsoftonline.com/t/v2.0"), "--user", "alice");
        exit.Should().Be(1);
        output.Should().BeEmpty();
        error.Should().Contain("Auth__Issuer");
    }

    [Theory]
    [InlineData("--org", "riverside-council")]
    [InlineData("--user", "alice smith")]
    [InlineData("--user", "alice", "--role", "Superuser")]
    [InlineData("--user", "alice", "--org", "Riverside Council")]
    [InlineData("--user", "alice", "--minutes", "0")]
    [InlineData("--user", "alice", "--minutes", "1441")]
    [InlineData("--user", "alice", "--role")]
    [InlineData("--user", "alice", "--admin", "yes")]
    public void Bad_arguments_print_the_usage(params string[] args)
    {
        var (exit, output, error) = Run("Development", Settings(), args);
        exit.Should().Be(2);
        output.Should().BeEmpty();
        error.Should().Contain("Usage: Finance.DevTools mint-token");
    }
}
