using System.IO.Compression;
using Finance.Testing;

namespace Finance.EndToEnd.Tests;

/// <summary>
/// The deployable zip (artifacts/finance-functions.zip, built by scripts/package.sh before the tests), unpacked once per
/// test run into a folder of its own, as the platform unpacks it: the end-to-end tests run what would be deployed.
/// </summary>
public static class DeployablePackage
{
    public static readonly string ZipPath = Path.Combine(RepositoryRoot.Path, "artifacts", "finance-functions.zip");

    private static readonly Lazy<string> Unpacked = new(Unpack, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The unpacked package: the folder the local host is pointed at.</summary>
    public static string Directory => Unpacked.Value;

    private static string Unpack()
    {
        if (!File.Exists(ZipPath))
        {
            throw new InvalidOperationException($"{ZipPath} is missing: scripts/package.sh builds it (scripts/test.sh runs it first).");
        }
        var folder = Path.Combine(Path.GetTempPath(), "finance-package-" + Guid.NewGuid().ToString("N")[..12]);
        ZipFile.ExtractToDirectory(ZipPath, folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A worker still exiting may hold a file; the temporary folder goes with the machine's next clean-up.
            }
        };
        return folder;
    }
}
