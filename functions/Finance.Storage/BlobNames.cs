namespace Finance.Storage;

/// <summary>
/// The service's naming rules, checked before any request, plus a path-traversal guard on blob names: callers build
/// names from input (pool ids, file names), so a name may not climb out of its folder or smuggle characters.
/// </summary>
internal static class BlobNames
{
    public const int MaxBlobNameLength = 1024;

    public const int MaxMetadataBytes = 8 * 1024;

    /// <summary>3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static void ValidateContainerName(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        var valid = name.Length is >= 3 and <= 63
            && IsLowerLetterOrDigit(name[0])
            && IsLowerLetterOrDigit(name[^1])
            && name.All(c => IsLowerLetterOrDigit(c) || c == '-')
            && !name.Contains("--", StringComparison.Ordinal);
        if (!valid)
        {
            throw new ArgumentException(
                "A container name is 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.",
                parameterName);
        }
    }

    /// <summary>
    /// 1-1024 characters of well-formed text; no control characters or backslashes; segments separated by single '/'
    /// that are neither empty, '.' nor '..'; not ending in '.'.
    /// </summary>
    public static void ValidateBlobName(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (name.Length is 0 or > MaxBlobNameLength)
        {
            throw new ArgumentException($"A blob name is 1-{MaxBlobNameLength} characters.", parameterName);
        }
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsControl(c) || c == '\\')
            {
                throw new ArgumentException("A blob name may not contain control characters or backslashes.", parameterName);
            }
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException("A blob name may not contain an unpaired surrogate character.", parameterName);
            }
        }
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment.Trim() is "." or "..")
            {
                throw new ArgumentException(
                    "A blob name's '/'-separated segments may not be empty, '.' or '..' (no leading, trailing or double slashes).",
                    parameterName);
            }
        }
        if (name.EndsWith('.'))
        {
            throw new ArgumentException("A blob name may not end with '.'.", parameterName);
        }
    }

    /// <summary>A listing prefix follows the same character rules as a name but may end in '/' or be partial.</summary>
    public static void ValidatePrefix(string prefix, string parameterName)
    {
        if (prefix.Length > MaxBlobNameLength || prefix.Any(c => char.IsControl(c) || c == '\\'))
        {
            throw new ArgumentException(
                $"A prefix is at most {MaxBlobNameLength} characters with no control characters or backslashes.", parameterName);
        }
    }

    /// <summary>Metadata names are identifiers (they become x-ms-meta-* headers); values are printable ASCII without
    /// surrounding spaces (header values are trimmed by the service and would no longer match their signature).</summary>
    public static void ValidateMetadata(IDictionary<string, string> metadata, string parameterName)
    {
        var total = 0;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in metadata)
        {
            if (string.IsNullOrEmpty(name) || name.Length > 256
                || !(char.IsAsciiLetter(name[0]) || name[0] == '_')
                || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException("A metadata name is an ASCII identifier of at most 256 characters.", parameterName);
            }
            if (!seen.Add(name))
            {
                throw new ArgumentException($"Metadata name '{name}' appears twice (names ignore case).", parameterName);
            }
            if (value is null || value.Any(c => c is < ' ' or > '~') || value.Trim().Length != value.Length)
            {
                throw new ArgumentException(
                    $"Metadata '{name}' must be printable ASCII without leading or trailing spaces.", parameterName);
            }
            total += name.Length + value.Length;
        }
        if (total > MaxMetadataBytes)
        {
            throw new ArgumentException($"Metadata is larger than {MaxMetadataBytes} bytes.", parameterName);
        }
    }

    /// <summary>Each segment percent-encoded, slashes kept, so the path on the wire is the one that is signed.</summary>
    public static string EscapePath(string blobName) =>
        string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));

    private static bool IsLowerLetterOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
