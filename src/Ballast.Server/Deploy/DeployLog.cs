using Ballast.Core.Diagnostics;

namespace Ballast.Server.Deploy;

/// <summary>The process runtime's log messages; deploy event ids are 6000-6999.</summary>
internal static partial class DeployLog
{
    [LoggerMessage(LogEvents.Deploy.RolledOut, LogLevel.Information, "{Service}: {Release} is live (ready after {ReadyMs:0} ms, old replicas drained in {DrainMs:0} ms)")]
    public static partial void RolledOut(ILogger logger, string service, string release, double readyMs, double drainMs);

    [LoggerMessage(LogEvents.Deploy.RolloutFailed, LogLevel.Warning, "{Service}: rollout of {Release} failed, the live release keeps serving: {Reason}")]
    public static partial void RolloutFailed(ILogger logger, string service, string release, string reason);

    [LoggerMessage(LogEvents.Deploy.ReplicaDied, LogLevel.Error, "{Service}: replica {Index} of {Release} exited with code {ExitCode}; restarting in {Seconds}s")]
    public static partial void ReplicaDied(ILogger logger, string service, string release, int index, int exitCode, double seconds);

    [LoggerMessage(LogEvents.Deploy.ReleaseFolderPruneFailed, LogLevel.Warning, "Could not remove old release folder {Folder}: {Reason}")]
    public static partial void PruneFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(LogEvents.Deploy.RestoreSkipped, LogLevel.Warning, "{Service}: not starting {Release} again: {Reason}")]
    public static partial void RestoreSkipped(ILogger logger, string service, string release, string reason);

    [LoggerMessage(LogEvents.Deploy.RestartFailed, LogLevel.Error, "{Service}: replica {Index} of {Release} did not come back: {Reason}; trying again in {Seconds}s")]
    public static partial void RestartFailed(ILogger logger, string service, string release, int index, string reason, double seconds);

    [LoggerMessage(LogEvents.Deploy.CannotListen, LogLevel.Error, "{Service}: {Reason}")]
    public static partial void CannotListen(ILogger logger, string service, string reason);

    [LoggerMessage(LogEvents.Deploy.DrainTimedOut, LogLevel.Warning, "{Service}: {Count} request(s) still in flight on the old replicas after drain_timeout ({Seconds}s); stopping them anyway")]
    public static partial void DrainTimedOut(ILogger logger, string service, int count, double seconds);

    [LoggerMessage(LogEvents.Deploy.SupervisionFailed, LogLevel.Critical, "{Service}: supervision of replica {Index} of {Release} failed; the replica is not being restarted")]
    public static partial void SupervisionFailed(ILogger logger, Exception exception, string service, string release, int index);

    [LoggerMessage(LogEvents.Deploy.PortLost, LogLevel.Warning, "{Service}: replica {Index} of {Release} lost port {Port} to another program before it could listen ({Reason}); starting it on another port")]
    public static partial void PortLost(ILogger logger, string service, int index, string release, int port, string reason);

    [LoggerMessage(LogEvents.Deploy.IncidentsNotResumed, LogLevel.Warning, "{Service}: the replicas' open incident could not be read back from storage ({Reason}); it starts afresh")]
    public static partial void IncidentsNotResumed(ILogger logger, string service, string reason);

    [LoggerMessage(LogEvents.Deploy.RestoreFailed, LogLevel.Error, "{Service}: the last release was not started again")]
    public static partial void RestoreFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(LogEvents.Deploy.StopFailed, LogLevel.Error, "{Service}: stopping its replicas or proxy failed")]
    public static partial void StopFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(LogEvents.Deploy.ReplicasKilled, LogLevel.Warning, "Killed {Count} replica(s) with SIGKILL: the server could not wait for them to stop")]
    public static partial void ReplicasKilled(ILogger logger, int count);
}
