using Azure.Core;
using Azure.Core.Pipeline;

namespace Finance.Storage.Http;

/// <summary>
/// Shared Key for the Table service: StringToSign = VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedResource,
/// where Date is x-ms-date and the resource is /{account}{encoded path}[?comp=..]. With Azurite's path-style URLs the
/// path already starts with the account, so the resource reads /devstoreaccount1/devstoreaccount1/...; Azurite
/// computes it the same way.
/// </summary>
internal sealed class TableSharedKeyPolicy(string accountName, byte[] accountKey) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = SharedKeySignature.StampDate(request);
        var uri = request.Uri.ToUri();
        var resource = "/" + accountName + uri.AbsolutePath;
        if (SharedKeySignature.QueryParameters(uri).TryGetValue("comp", out var comp))
        {
            resource += "?comp=" + comp[0];
        }
        var stringToSign = string.Join(
            '\n',
            request.Method.Method,
            SharedKeySignature.Header(request, "Content-MD5"),
            SharedKeySignature.Header(request, "Content-Type"),
            date,
            resource);
        request.Headers.SetValue("Authorization", $"SharedKey {accountName}:{SharedKeySignature.Sign(accountKey, stringToSign)}");
    }
}
