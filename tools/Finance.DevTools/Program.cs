using Finance.DevTools;
using Finance.Functions.Access;
using Microsoft.Extensions.Configuration;

// Development tools, outside the deployed functions: both refuse to run outside the Development environment.
return args switch
{
    ["seed-demo", ..] => await DemoData.SeedAsync(args[1..]),
    ["mint-token", ..] => DevelopmentTokens.RunMintCommand(
        args[1..], DevelopmentTokens.CurrentEnvironmentName(), new ConfigurationBuilder().AddEnvironmentVariables().Build(),
        Console.Out, Console.Error, DateTimeOffset.UtcNow),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: Finance.DevTools seed-demo <base address> [function key]");
    Console.Error.WriteLine("       Finance.DevTools mint-token --user <principal id> [--org <organisation id>]... [--role <role>]... [--minutes <1-1440>]");
    return 2;
}
