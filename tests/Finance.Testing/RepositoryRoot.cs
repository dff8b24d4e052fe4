namespace Finance.Testing;

/// <summary>Finds the checkout's top folder (the one holding Finance.sln) from a test's output folder.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    /// <summary>The configuration this test run was built in (Release or Debug), from its output folder: the processes it
    /// starts (the worker, the development tools) are the ones built beside it.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";

    /// <summary>The build output folder (net10.0) of the project at <paramref name="projectFolder"/>, e.g. tools/Finance.DevTools.</summary>
    public static string BuildOutput(string projectFolder) =>
        System.IO.Path.Combine(Path, projectFolder, "bin", BuildConfiguration, "net10.0");

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Finance.sln")))
            {
                return dir.FullName;
            }
            dir = dir.Parent;
        }
        throw new InvalidOperationException($"No Finance.sln above {AppContext.BaseDirectory}.");
    }
}
