using System.Reflection;
using Finance.Storage.Pools;

namespace Finance.Functions.Pools;

/// <summary>
/// The pool a pool-scoped function was allowed to act on, as the access middleware read it: handlers use this version
/// (and its ETag) rather than reading again, so a write is conditional on the very version access was decided on.
/// </summary>
/// <param name="Pool">Null when the pool does not exist yet (creation).</param>
public sealed record PoolInScope(string PoolId, PoolRecord? Pool)
{
    public static ValueTask<PoolInScope?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<PoolInScope?>(context.Features.Get<PoolInScope>()
            ?? throw new InvalidOperationException($"No pool was put in scope for {parameter.Member.Name}; its function needs a pool access rule."));
}
