using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Finance.LocalHost.Http;

/// <summary>
/// Function and master keys, checked as the real host's AuthenticationLevelHandler does: the key is the first
/// x-functions-key header, else the first ?code= value; the master key grants admin, a function key grants function
/// level. Anonymous functions need nothing; function (and user) level needs either key; admin (and system) the master.
/// </summary>
internal sealed class KeyRing
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";
    public const string MasterKeySetting = "LocalHost__MasterKey";
    public const string FunctionKeysSetting = "LocalHost__FunctionKeys";

    private readonly byte[] master;
    private readonly List<byte[]> functionKeys;

    private KeyRing(string masterKey, IEnumerable<string> functionKeys)
    {
        MasterKey = masterKey;
        master = Encoding.UTF8.GetBytes(masterKey);
        this.functionKeys = functionKeys.Select(Encoding.UTF8.GetBytes).ToList();
    }

    public string MasterKey { get; }

    /// <summary>True when no master key was configured and one was made up (it is printed at start).</summary>
    public bool MasterKeyGenerated { get; private init; }

    public static KeyRing From(LocalHostOptions options)
    {
        var settings = options.AppSettings;
        var masterKey = options.MasterKey ?? settings.GetValueOrDefault(MasterKeySetting);
        var generated = string.IsNullOrEmpty(masterKey);
        if (generated)
        {
            masterKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        }
        var fromSettings = (settings.GetValueOrDefault(FunctionKeysSetting) ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var functionKeys = options.FunctionKeys.Concat(fromSettings).Where(k => k.Length > 0);
        return new KeyRing(masterKey!, functionKeys) { MasterKeyGenerated = generated };
    }

    public bool Allows(HttpRequest request, FunctionAuthLevel required)
    {
        if (required == FunctionAuthLevel.Anonymous)
        {
            return true;
        }
        var presented = Presented(request);
        if (presented is null)
        {
            return false;
        }
        if (CryptographicOperations.FixedTimeEquals(presented, master))
        {
            return true;
        }
        var needsMaster = required is FunctionAuthLevel.Admin or FunctionAuthLevel.System;
        return !needsMaster && functionKeys.Any(key => CryptographicOperations.FixedTimeEquals(presented, key));
    }

    private static byte[]? Presented(HttpRequest request)
    {
        var value = request.Headers.TryGetValue(HeaderName, out var header) ? header.FirstOrDefault()
            : request.Query.TryGetValue(QueryName, out var query) ? query.FirstOrDefault()
            : null;
        return string.IsNullOrEmpty(value) ? null : Encoding.UTF8.GetBytes(value);
    }
}
