using Finance.Functions.Access;
using Finance.Functions.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

// One executable, four verbs: serve functions (what the Functions host runs), write their function.json files
// (what packaging runs), seed demo data (what the run command runs) and mint a development token (Development only).
return args switch
{
    ["write-function-metadata", var outputDirectory] => WriteMetadata(outputDirectory),
    ["seed-demo", ..] => await Finance.Functions.Demo.DemoData.SeedAsync(args[1..]),
    ["mint-token", ..] => DevelopmentTokens.RunMintCommand(
        args[1..], DevelopmentTokens.CurrentEnvironmentName(), new ConfigurationBuilder().AddEnvironmentVariables().Build(),
        Console.Out, Console.Error, DateTimeOffset.UtcNow),
    _ => await Serve(args),
};

static int WriteMetadata(string outputDirectory)
{
    var app = FunctionApp.Build([]);
    var written = FunctionJsonWriter.Write(app.Functions().Select(f => f.Function), outputDirectory);
    Console.WriteLine($"Wrote function.json for {written.Count} functions to {outputDirectory}: {string.Join(", ", written)}");
    return 0;
}

static async Task<int> Serve(string[] args)
{
    var app = FunctionApp.Build(args);
    // Resolve storage, token validation and rate limits now so missing or malformed settings (or the development
    // issuer outside Development) stop the handler at start-up with a clear message, instead of failing every request.
    // Nothing is sent to storage or to the issuer here.
    try
    {
        app.Services.GetRequiredService<Finance.Storage.LedgerStorage>();
        app.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        _ = app.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value;
    }
    catch (InvalidOperationException e)
    {
        await Console.Error.WriteLineAsync($"The handler cannot start: {e.Message}");
        return 1;
    }
    await app.RunAsync();
    return 0;
}

/// <summary>Entry point type, public so in-memory host tests can reference the assembly.</summary>
public partial class Program;
