namespace Finance.Functions.Access;

/// <summary>The access rules functions are declared with, by name (an attribute argument must be a constant).</summary>
public enum Rule
{
    /// <summary>No token: only health, which says nothing about the ledger.</summary>
    Anonymous,

    /// <summary>Any valid token, with or without a role.</summary>
    AnyCaller,

    ReadPool,
    ManagePool,
    ManagePoolSetup,
    PostToPool,
    UploadActuals,
    SubmitControlTotals,
    ClosePool,
    ReadOperations,
    ReadDirectory,
    MaintainDirectory,
    MaintainOrganisations,
    ReadOrganisations,
}

/// <summary>
/// Who may call an HTTP function, declared beside its <c>[Function]</c> attribute and enforced by
/// <see cref="HttpFunctionMiddleware"/> before the function runs. The README's access table, the access matrix test and
/// the start-up check all read it from here (<see cref="Catalog.FunctionCatalog"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AccessAttribute(Rule rule) : Attribute
{
    public Rule Rule { get; } = rule;

    public AccessRule AccessRule => AccessRules.Of(Rule);
}
