namespace Ballast.Core.Diagnostics;

/// <summary>
/// Every log event id of Ballast.Core, Ballast.Storage and Ballast.Server, one class per capability, so that an
/// operator's filter on an id keeps meaning the same thing and two messages never share one.
/// Ranges: storage 2000-2999, hosting and supervision 3000-3999 and 7000-7999, monitoring 4000-4999,
/// alerting 5000-5999, deploy 6000-6999, security 8000-8999, dashboard 9000-9499 (pages 9000-9099, live updates
/// 9100-9199, status pages 9200-9299, /metrics 9400-9499), logs 10000-10999 (rules 10000-10099, sources 10100-10199,
/// Loki, journald and Lightsail 10200-10299).
/// </summary>
public static class LogEvents
{
    /// <summary>The store and everything that waits out its failures.</summary>
    public static class Storage
    {
        public const int WriteFailed = 2001;
        public const int WriteRecovered = 2002;
        public const int ShutdownIncomplete = 2003;
        public const int ResultSetAside = 2004;
        public const int Pruned = 2101;
        public const int PruneFailed = 2102;
        public const int NotificationStoreFailed = 2201;
        public const int NotificationSetAside = 2202;
        public const int AuditWriteFailed = 2301;
        public const int AuditWriteRecovered = 2302;
        public const int AuditDropped = 2303;
        public const int AuditSetAside = 2304;
        public const int AuditShutdownIncomplete = 2305;
    }

    /// <summary>The server host: configuration reloads.</summary>
    public static class Hosting
    {
        public const int ConfigReloaded = 3001;
        public const int ConfigReloadRejected = 3002;
        public const int ConfigProblem = 3003;
        public const int ServerSettingsNeedRestart = 3004;
    }

    /// <summary>Background loops that fail and are restarted.</summary>
    public static class Supervision
    {
        public const int LoopFailed = 3100;
        public const int FaultReportFailed = 3101;
        public const int LoopFailedWhileStopping = 3102;
        public const int MonitorLoopFailed = 7001;
    }

    /// <summary>Monitors, their incidents and the service that runs them.</summary>
    public static class Monitoring
    {
        public const int Started = 4001;
        public const int Stopped = 4004;
        public const int IncidentOpened = 4101;
        public const int IncidentResolved = 4102;
        public const int ProbeCrashed = 4103;
        public const int MonitorRemoved = 4104;
        public const int MonitorChanged = 4105;
        public const int StopTimedOut = 4106;
    }

    /// <summary>Planning and delivering notifications.</summary>
    public static class Alerting
    {
        public const int NotificationsQueued = 5001;
        public const int Delivered = 5101;
        public const int SendFailed = 5102;
        public const int GaveUp = 5103;
        public const int ChannelKeepsFailing = 5104;
        public const int HeldBack = 5105;
    }

    /// <summary>The process runtime: rollouts, replicas and their supervision.</summary>
    public static class Deploy
    {
        public const int RolledOut = 6001;
        public const int RolloutFailed = 6002;
        public const int ReplicaDied = 6003;
        public const int ReleaseFolderPruneFailed = 6004;
        public const int RestoreSkipped = 6005;
        public const int RestartFailed = 6006;
        public const int CannotListen = 6007;
        public const int DrainTimedOut = 6008;
        public const int SupervisionFailed = 6009;
        public const int PortLost = 6010;
        public const int IncidentsNotResumed = 6011;
        public const int RestoreFailed = 6012;
        public const int StopFailed = 6013;
        public const int ReplicasKilled = 6014;
    }

    /// <summary>Authentication and access.</summary>
    public static class Security
    {
        public const int TokenTouchFailed = 8001;
        public const int LoginFailed = 8002;
        public const int LoginLimited = 8003;
        public const int LocalCredentialNotWritten = 8004;
    }

    /// <summary>The dashboard's overview and monitor pages.</summary>
    public static class DashboardPages
    {
        public const int HistoryUnavailable = 9001;
        public const int PageWithoutStorage = 9002;
    }

    /// <summary>The dashboard's live updates (server-sent events).</summary>
    public static class DashboardLive
    {
        public const int Resynced = 9101;
        public const int StreamFailed = 9102;
        public const int Refused = 9103;
    }

    /// <summary>Public status pages.</summary>
    public static class StatusPages
    {
        public const int SnapshotFailed = 9201;
    }

    /// <summary>Ballast's own metrics (/metrics).</summary>
    public static class Metrics
    {
        public const int StoreCountFailed = 9401;
    }

    /// <summary>Log rules (logs.rules) opening and resolving incidents.</summary>
    public static class LogRules
    {
        public const int Fired = 10001;
        public const int Resolved = 10002;
        public const int Reloaded = 10003;
        public const int ResumeFailed = 10004;
    }

    /// <summary>Log sources (files, pushes, replicas) and the hub they hand lines to.</summary>
    public static class LogSources
    {
        public const int FileOpened = 10101;
        public const int FileRotated = 10102;
        public const int FileTruncated = 10103;
        public const int FileGone = 10104;
        public const int FileUnreadable = 10105;
        public const int ObserverFailed = 10110;
        public const int PushRejected = 10120;
    }

    /// <summary>Log streams Ballast reads itself (journald units).</summary>
    public static class LogStreams
    {
        public const int JournaldStarted = 10201;
        public const int JournaldUnreadable = 10202;
    }
}
