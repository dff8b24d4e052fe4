namespace Finance.LocalHost;

/// <summary>Where the worker is in its life, as the host sees it.</summary>
public enum WorkerState
{
    Starting,
    Running,
    Restarting,

    /// <summary>Exited and not restarted (restarts off, or the host is stopping).</summary>
    Stopped,

    /// <summary>Restarting failed too often in a row; the host stays up and answers 503.</summary>
    Failed,
}
