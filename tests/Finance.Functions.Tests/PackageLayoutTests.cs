using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using Finance.Functions.Catalog;
using FluentAssertions;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>
/// The deployable zip that scripts/package.sh builds (the test command builds it first): the isolated worker's publish
/// output at the root, as the Functions host loads it: host.json, functions.metadata, worker.config.json,
/// extensions.json, .azurefunctions/ and a ReadyToRun linux-x64 Finance.Functions.dll. (The end-to-end tests run it.)
/// </summary>
public sealed class PackageLayoutTests
{
    public static readonly string ZipPath = Path.Combine(Finance.Testing.RepositoryRoot.Path, "artifacts", "finance-functions.zip");

    private static ZipArchive Open()
    {
        File.Exists(ZipPath).Should().BeTrue($"scripts/package.sh builds {ZipPath} before the tests run");
        return ZipFile.OpenRead(ZipPath);
    }

    private static JsonNode Json(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return JsonNode.Parse(reader.ReadToEnd())!;
    }

    [Fact]
    public void The_package_root_is_what_the_host_loads_an_isolated_worker_from()
    {
        using var zip = Open();
        var names = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet();
        names.Should().Contain(["host.json", "functions.metadata", "worker.config.json", "extensions.json", "Finance.Functions.dll",
            "Finance.Functions.deps.json", "Finance.Functions.runtimeconfig.json", "appsettings.json"]);
        names.Should().Contain(n => n.StartsWith(".azurefunctions/", StringComparison.Ordinal) && n.EndsWith(".dll", StringComparison.Ordinal),
            "the worker extensions' host side ships in .azurefunctions/ (zip -r app.zip * would drop it)");
        names.Should().NotContain(n => n.EndsWith("/function.json", StringComparison.Ordinal), "no custom-handler function folders ship");

        var worker = Json(zip, "worker.config.json")["description"]!;
        worker["language"]!.GetValue<string>().Should().Be("dotnet-isolated");
        worker["defaultExecutablePath"]!.GetValue<string>().Should().Be("dotnet");
        names.Should().Contain(worker["defaultWorkerPath"]!.GetValue<string>());

        Json(zip, "host.json").AsObject().ContainsKey("customHandler").Should().BeFalse();
        Json(zip, "functions.metadata").AsArray().Select(f => f!["name"]!.GetValue<string>())
            .Should().BeEquivalentTo(FunctionCatalog.App.Functions.Select(f => f.Name), "the package declares every function and no stale one");

        var runtime = Json(zip, "Finance.Functions.runtimeconfig.json")["runtimeOptions"]!;
        runtime["tfm"]!.GetValue<string>().Should().Be("net10.0", "the platform's dotnet-isolated 10.0 runtime runs it");
        names.Should().NotContain("libcoreclr.so", "framework-dependent: the runtime is the platform's");
    }

    [Fact]
    public void The_app_is_ready_to_run_for_linux_x64()
    {
        using var zip = Open();
        using var stream = new MemoryStream();
        using (var dll = zip.GetEntry("Finance.Functions.dll")!.Open())
        {
            dll.CopyTo(stream);
        }
        stream.Position = 0;
        using var pe = new PEReader(stream);
        pe.PEHeaders.CorHeader.Should().NotBeNull();
        pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size.Should().BeGreaterThan(0, "ReadyToRun code has a managed native header");
        // ReadyToRun images record their target OS by XOR-ing the machine with an OS constant; Linux's is 0x7B79.
        const ushort linuxOverride = 0x7B79;
        ((ushort)pe.PEHeaders.CoffHeader.Machine).Should().Be((ushort)((ushort)Machine.Amd64 ^ linuxOverride), "compiled for linux-x64");
    }
}
