using Finance.Functions.Pools;
using Microsoft.Azure.Functions.Worker;

namespace Finance.Functions.Access;

/// <summary>
/// What <see cref="HttpFunctionMiddleware"/> decided for this invocation, for the function to read: who is calling and,
/// for pool-scoped functions, the pool version access was decided on (so a write is conditional on that very version).
/// </summary>
public static class InvocationScope
{
    private const string CallerKey = "finance.caller";
    private const string PoolKey = "finance.pool";

    /// <summary>The caller; functions whose rule is anonymous have none and must not ask.</summary>
    public static Caller Caller(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(CallerKey, out var caller) && caller is Caller found
            ? found
            : throw new InvalidOperationException($"No caller was resolved for {context.FunctionDefinition.Name}; does its access rule need one?");
    }

    /// <summary>The pool in scope; only for functions with a pool access rule.</summary>
    public static PoolInScope Pool(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(PoolKey, out var pool) && pool is PoolInScope found
            ? found
            : throw new InvalidOperationException($"No pool was put in scope for {context.FunctionDefinition.Name}; its function needs a pool access rule.");
    }

    internal static void SetCaller(this FunctionContext context, Caller caller) => context.Items[CallerKey] = caller;

    internal static void SetPool(this FunctionContext context, PoolInScope pool) => context.Items[PoolKey] = pool;
}
