using Azure.Core;

namespace Finance.Storage;

/// <summary>
/// A token credential made when a token is first asked for. Microsoft.Extensions.Azure hands its credential to every
/// client it creates, whether the client uses it or not; a client on a connection string never asks, so the app's
/// start does not pay for building <c>DefaultAzureCredential</c>'s chain it would not use. Nothing else is added: the
/// tokens are the inner credential's.
/// </summary>
internal sealed class DeferredCredential(Func<TokenCredential> create) : TokenCredential
{
    private readonly Lazy<TokenCredential> inner = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        inner.Value.GetToken(requestContext, cancellationToken);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        inner.Value.GetTokenAsync(requestContext, cancellationToken);
}
