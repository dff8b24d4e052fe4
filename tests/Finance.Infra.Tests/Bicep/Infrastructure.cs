using Finance.Testing;

namespace Finance.Infra.Tests.Bicep;

/// <summary>
/// Every <c>.bicep</c> file under <c>infra/</c>, parsed once per test run (one node process), keyed by its path relative
/// to the repository root. <see cref="WithSource"/> gives a copy with one file's text replaced, for proving a rule fails.
/// </summary>
public sealed class Infrastructure
{
    public const string MainPath = "infra/main.bicep";

    private static readonly Lazy<Infrastructure> Checkout = new(Load);

    private readonly Dictionary<string, BicepFile> files;

    private Infrastructure(Dictionary<string, BicepFile> files) => this.files = files;

    /// <summary>The checkout's infrastructure, as committed.</summary>
    public static Infrastructure Current => Checkout.Value;

    public IReadOnlyCollection<BicepFile> Files => files.Values;

    public BicepFile Main => this[MainPath];

    public BicepFile this[string relativePath] =>
        files.TryGetValue(relativePath, out var file) ? file : throw new KeyNotFoundException($"No Bicep file {relativePath}.");

    /// <summary>The file a module declaration points at (its path is relative to the declaring file).</summary>
    public BicepFile ModuleFile(BicepFile declaringFile, Declaration module)
    {
        var directory = declaringFile.Path[..(declaringFile.Path.LastIndexOf('/') + 1)];
        return this[directory + module.TypeOrPath];
    }

    /// <summary>The source text of a file in the checkout.</summary>
    public static string Source(string relativePath) => File.ReadAllText(Path.Combine(RepositoryRoot.Path, relativePath));

    /// <summary>A copy in which one file has the given text instead (parsed through standard input).</summary>
    public Infrastructure WithSource(string relativePath, string source)
    {
        var copy = new Dictionary<string, BicepFile>(files, StringComparer.Ordinal)
        {
            [relativePath] = new BicepFile(relativePath, BicepParser.ParseText(source)),
        };
        return new Infrastructure(copy);
    }

    /// <summary>Paths (relative, forward slashes) of every .bicep file under infra/.</summary>
    public static IReadOnlyList<string> BicepPaths()
    {
        var infra = Path.Combine(RepositoryRoot.Path, "infra");
        return Directory.EnumerateFiles(infra, "*.bicep", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(RepositoryRoot.Path, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static Infrastructure Load()
    {
        var trees = BicepParser.ParseFiles(BicepPaths());
        return new Infrastructure(trees.ToDictionary(t => t.Key, t => new BicepFile(t.Key, t.Value), StringComparer.Ordinal));
    }
}
