using Finance.Functions.Hosting;

// One executable, three verbs: serve functions (what the Functions host runs), write their function.json files
// (what packaging runs), and seed demo data (what the run command runs).
return args switch
{
    ["write-function-metadata", var outputDirectory] => WriteMetadata(outputDirectory),
    ["seed-demo", ..] => await Finance.Functions.Demo.DemoData.SeedAsync(args[1..]),
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
    // Resolve storage now so missing or malformed settings stop the handler at start-up with a clear message,
    // instead of failing every request. Nothing is sent to storage here.
    app.Services.GetRequiredService<Finance.Functions.Configuration.LedgerStorage>();
    await app.RunAsync();
    return 0;
}

/// <summary>Entry point type, public so in-memory host tests can reference the assembly.</summary>
public partial class Program;
