using Finance.Functions;
using Microsoft.Azure.Functions.Worker.Builder;

// The isolated worker the Functions host starts (locally, tools/Finance.LocalHost plays the host's part).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.AddFinance();
using var app = builder.Build();
try
{
    FinanceApp.CheckConfiguration(app.Services);
}
catch (InvalidOperationException e)
{
    // The worker's logs travel over gRPC, which may not be up yet: the host shows the worker's standard error.
    await Console.Error.WriteLineAsync($"The function app cannot start: {e.Message}");
    return 1;
}
await app.RunAsync();
return 0;
