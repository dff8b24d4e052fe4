using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using FluentAssertions;
using Finance.Functions.Hosting;
using Xunit;

namespace Finance.Functions.Tests;

/// <summary>
/// The deployable zip that scripts/package.sh builds (the test command builds it first): what the Functions host needs
/// at the root, a function.json per declared function, and a self-contained ReadyToRun linux-x64 handler.
/// </summary>
public sealed class PackageLayoutTests
{
    private static readonly string ZipPath = Path.Combine(Finance.Testing.RepositoryRoot.Path, "artifacts", "finance-functions.zip");

    private static ZipArchive Open()
    {
        File.Exists(ZipPath).Should().BeTrue($"scripts/package.sh builds {ZipPath} before the tests run");
        return ZipFile.OpenRead(ZipPath);
    }

    [Fact]
    public void The_package_has_host_json_the_handler_and_a_function_json_per_function()
    {
        using var zip = Open();
        var names = zip.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet();
        names.Should().Contain("host.json");
        using var app = FunctionApp.Build([]);
        foreach (var (function, _) in app.Functions())
        {
            names.Should().Contain($"{function.Name}/function.json");
            using var reader = new StreamReader(zip.GetEntry($"{function.Name}/function.json")!.Open());
            JsonNode.Parse(reader.ReadToEnd())!.ToJsonString().Should().Be(FunctionJsonWriter.ToFunctionJson(function).ToJsonString());
        }
        var functionFolders = names.Where(n => n.EndsWith("/function.json", StringComparison.Ordinal)).Select(n => n.Split('/')[0]);
        functionFolders.Should().BeEquivalentTo(app.Functions().Select(f => f.Function.Name), "no stale function folders ship");

        using var hostReader = new StreamReader(zip.GetEntry("host.json")!.Open());
        var executable = JsonNode.Parse(hostReader.ReadToEnd())!["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>();
        var handler = zip.GetEntry(executable);
        handler.Should().NotBeNull($"host.json names {executable}");
        // Unix permission bits live in the upper 16 bits of the external attributes; the host must be able to execute it.
        ((handler!.ExternalAttributes >> 16) & 0b001_001_001).Should().NotBe(0, "the handler must be executable");
    }

    [Fact]
    public void The_handler_is_self_contained_for_linux_x64_and_ready_to_run()
    {
        using var zip = Open();
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        names.Should().Contain("handler/libcoreclr.so", "self-contained: the runtime ships with the handler");
        names.Should().Contain("handler/Finance.Functions.dll");

        using var stream = new MemoryStream();
        using (var dll = zip.GetEntry("handler/Finance.Functions.dll")!.Open())
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
