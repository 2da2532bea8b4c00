using Ballast.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Monitoring;

public sealed partial class MonitoringEngine
{
    private static partial class Log
    {
        [LoggerMessage(LogEvents.Monitoring.IncidentOpened, LogLevel.Warning, "Monitor {Monitor} is DOWN (incident {IncidentId}): {Cause}; detected {DetectSeconds:0.0}s after the first failure")]
        public static partial void IncidentOpened(ILogger logger, string monitor, string incidentId, string cause, double detectSeconds);

        [LoggerMessage(LogEvents.Monitoring.IncidentResolved, LogLevel.Information, "Monitor {Monitor} is UP again (incident {IncidentId} resolved after {RecoverSeconds:0.0}s)")]
        public static partial void IncidentResolved(ILogger logger, string monitor, string incidentId, double recoverSeconds);

        [LoggerMessage(LogEvents.Monitoring.ProbeCrashed, LogLevel.Error, "Probe for monitor {Monitor} crashed; counted as a failed check")]
        public static partial void ProbeCrashed(ILogger logger, Exception exception, string monitor);

        [LoggerMessage(LogEvents.Monitoring.MonitorRemoved, LogLevel.Information, "Monitor {Monitor} removed from the config; its history is kept")]
        public static partial void MonitorRemoved(ILogger logger, string monitor);

        [LoggerMessage(LogEvents.Monitoring.MonitorChanged, LogLevel.Information, "Monitor {Monitor} changed; restarting its checks with its current state")]
        public static partial void MonitorChanged(ILogger logger, string monitor);

        [LoggerMessage(LogEvents.Monitoring.StopTimedOut, LogLevel.Warning, "{Count} monitor loops did not stop within 10s")]
        public static partial void StopTimedOut(ILogger logger, int count);

        [LoggerMessage(LogEvents.Supervision.MonitorLoopFailed, LogLevel.Error, "Monitor {Monitor}: its loop failed ({ErrorType}: {Error}); the check is recorded as failed and the loop resumes after a backoff")]
        public static partial void LoopFailed(ILogger logger, string monitor, string errorType, string error);
    }
}
