using System.Net.Sockets;
using Azure;

namespace Finance.Storage;

/// <summary>Tells a storage account that could not be reached (a 503 for the caller: try again) from one that answered
/// with an error (a 500: the request or the code is at fault).</summary>
public static class StorageFailures
{
    /// <summary>
    /// No answer came back: the connection was refused or dropped, or every retry timed out. Azure.Core reports that as
    /// a <see cref="RequestFailedException"/> with status 0, or, after retries, an <see cref="AggregateException"/> of them.
    /// The service saying it is busy (503) counts too.
    /// </summary>
    public static bool IsUnreachable(Exception? exception) => exception switch
    {
        null => false,
        RequestFailedException { Status: 0 or 503 } => true,
        RequestFailedException => false,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsUnreachable),
        HttpRequestException or SocketException or TimeoutException => true,
        _ => IsUnreachable(exception.InnerException),
    };
}
