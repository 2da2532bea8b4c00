using Ballast.Storage.Monitoring;

namespace Ballast.Storage;

/// <summary>
/// Every schema step, in order, written once for both engines. What differs is passed in: <paramref name="identity"/>
/// (an auto-numbered key) and <paramref name="clustered"/> (the suffix that stores a table in its primary key's order,
/// SQLite's <c>WITHOUT ROWID</c>, which saves the row id and a second index). <c>VersionN</c> is the step that brings a
/// database to version N, the version <see cref="SchemaMigrator"/> records after running it; steps are never edited
/// once released.
/// </summary>
internal static class Schema
{
    public static IReadOnlyList<string[]> Steps(string identity, string clustered) => [Version1(identity, clustered), Version2(), Version3(), Version4(), Version5(identity), Version6(), Version7(), Version8(), Version9(), Version10(), Version11(identity), Version12(), Version13()];

    /// <summary>
    /// Log sources' checkpoints (a file's identity and offset), by key, with the lines accepted under each key counted
    /// in the same row.
    /// </summary>
    private static string[] Version13() =>
    [
        """
        CREATE TABLE log_checkpoints (
          key TEXT PRIMARY KEY, source TEXT NOT NULL, position TEXT NOT NULL, lines BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
    ];

    /// <summary>Status pages' public messages about incidents, and their updates.</summary>
    private static string[] Version12() =>
    [
        """
        CREATE TABLE status_messages (
          id TEXT PRIMARY KEY, page TEXT NOT NULL, title TEXT NOT NULL, incident_id TEXT, state TEXT NOT NULL,
          created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, resolved_at BIGINT)
        """,
        "CREATE INDEX ix_status_messages_page ON status_messages (page, created_at)",
        "CREATE INDEX ix_status_messages_resolved ON status_messages (resolved_at)",
        """
        CREATE TABLE status_updates (
          id TEXT PRIMARY KEY, message_id TEXT NOT NULL, at BIGINT NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL, author TEXT NOT NULL)
        """,
        "CREATE INDEX ix_status_updates_message ON status_updates (message_id, at)",
    ];

    /// <summary>The audit trail: every state-changing action, who did it, when, from where, and how it ended.</summary>
    private static string[] Version11(string identity) =>
    [
        $"""
        CREATE TABLE audit (
          id {identity}, at BIGINT NOT NULL, who TEXT NOT NULL, how TEXT NOT NULL, origin TEXT NOT NULL, action TEXT NOT NULL,
          target TEXT, outcome TEXT NOT NULL, detail TEXT)
        """,
        "CREATE INDEX ix_audit_at ON audit (at)",
    ];

    /// <summary>Heartbeat push tokens Ballast generated, by monitor name, so a push URL survives restarts and reloads.</summary>
    private static string[] Version10() =>
    [
        "CREATE TABLE push_tokens (monitor TEXT PRIMARY KEY, token TEXT NOT NULL, created_at BIGINT NOT NULL)",
    ];

    /// <summary>The Data Protection key ring of a PostgreSQL store (a SQLite store keeps its keys in a folder beside the file).</summary>
    private static string[] Version9() =>
    [
        "CREATE TABLE data_protection_keys (name TEXT PRIMARY KEY, xml TEXT NOT NULL)",
    ];

    /// <summary>
    /// Identities: people (name, role, ASP.NET Core Identity password hash) and API tokens (only the SHA-256 of the
    /// secret, looked up by it).
    /// </summary>
    private static string[] Version8() =>
    [
        "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)",
        """
        CREATE TABLE api_tokens (
          id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL,
          expires_at BIGINT, last_used_at BIGINT, revoked_at BIGINT)
        """,
    ];

    /// <summary>Deploys remember the commit their release was built from, so a restart or a rollback delivers it again.</summary>
    private static string[] Version7() =>
    [
        // Quoted: COMMIT is a keyword, which SQLite refuses as a bare column name.
        """ALTER TABLE deploys ADD COLUMN "commit" TEXT""",
    ];

    /// <summary>Notifications remember the recipients that already accepted them (a JSON array), so retries skip them.</summary>
    private static string[] Version6() =>
    [
        "ALTER TABLE notifications ADD COLUMN accepted TEXT",
    ];

    /// <summary>Deploys: every deploy and rollback with its steps, the spec files they replaced, and the per-service deploy lock.</summary>
    private static string[] Version5(string identity) =>
    [
        $"""
        CREATE TABLE deploys (
          id {identity}, service TEXT NOT NULL, kind TEXT NOT NULL, release_ref TEXT, started_at BIGINT NOT NULL, finished_at BIGINT,
          who TEXT NOT NULL, outcome TEXT NOT NULL, rollback_of BIGINT, rolled_back_to TEXT, env_names TEXT NOT NULL, steps TEXT NOT NULL)
        """,
        "CREATE INDEX ix_deploys_service ON deploys (service, id)",
        "CREATE TABLE deploy_locks (service TEXT PRIMARY KEY, holder TEXT NOT NULL, since BIGINT NOT NULL)",
        $"""
        CREATE TABLE deploy_backups (
          id {identity}, deploy_id BIGINT NOT NULL, service TEXT NOT NULL, file TEXT NOT NULL, created_at BIGINT NOT NULL, content TEXT NOT NULL)
        """,
        "CREATE INDEX ix_deploy_backups_service ON deploy_backups (service, id)",
    ];

    /// <summary>Silences: alerts held back for matching monitors for a while.</summary>
    private static string[] Version4() =>
    [
        """
        CREATE TABLE silences (
          id TEXT PRIMARY KEY, match TEXT NOT NULL, starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL, reason TEXT NOT NULL,
          created_by TEXT NOT NULL, expired_at BIGINT)
        """,
    ];

    /// <summary>Acknowledgements: who took an incident, and when.</summary>
    private static string[] Version3() =>
    [
        "ALTER TABLE incidents ADD COLUMN acknowledged_at BIGINT",
        "ALTER TABLE incidents ADD COLUMN acknowledged_by TEXT",
    ];

    /// <summary>Alerting: notifications, stored before they are sent.</summary>
    private static string[] Version2() =>
    [
        """
        CREATE TABLE notifications (
          id TEXT PRIMARY KEY, channel TEXT NOT NULL, kind TEXT NOT NULL, dedup_key TEXT NOT NULL, message TEXT NOT NULL,
          status TEXT NOT NULL, attempts INTEGER NOT NULL, created_at BIGINT NOT NULL, next_attempt_at BIGINT NOT NULL,
          delivered_at BIGINT, last_error TEXT, response TEXT)
        """,
        "CREATE INDEX ix_notifications_due ON notifications (status, next_attempt_at)",
        "CREATE INDEX ix_notifications_created ON notifications (created_at)",
    ];

    /// <summary>Monitoring: monitors, raw results, aggregates, statuses, incidents.</summary>
    private static string[] Version1(string identity, string clustered)
    {
        var histogram = string.Join(", ", Enumerable.Range(0, LatencyHistogram.Count).Select(i => $"h{i} BIGINT NOT NULL DEFAULT 0"));
        return
        [
            $"CREATE TABLE monitors (id {identity}, name TEXT NOT NULL UNIQUE)",
            // Raw results: one row per check, kept for retention.raw; the writer keeps started_at unique per monitor.
            $"""
            CREATE TABLE check_results (
              monitor_id BIGINT NOT NULL, started_at BIGINT NOT NULL, latency_us BIGINT NOT NULL,
              passed SMALLINT NOT NULL, status INTEGER, cause TEXT,
              PRIMARY KEY (monitor_id, started_at)){clustered}
            """,
            // Aggregates: resolution 0 = minute, 1 = hour, 2 = day; bucket is its start (unix ms).
            $"""
            CREATE TABLE aggregates (
              monitor_id BIGINT NOT NULL, resolution SMALLINT NOT NULL, bucket BIGINT NOT NULL,
              checks BIGINT NOT NULL, up BIGINT NOT NULL, latency_sum_us BIGINT NOT NULL, {histogram},
              PRIMARY KEY (monitor_id, resolution, bucket)){clustered}
            """,
            """
            CREATE TABLE monitor_status (
              monitor TEXT PRIMARY KEY, state TEXT NOT NULL, consecutive_failures INTEGER NOT NULL,
              consecutive_successes INTEGER NOT NULL, first_failure_at BIGINT, incident_id TEXT, last_check_at BIGINT,
              last_latency_ms DOUBLE PRECISION, last_error TEXT, last_success_at BIGINT, changed_at BIGINT)
            """,
            """
            CREATE TABLE incidents (
              id TEXT PRIMARY KEY, monitor TEXT NOT NULL, started_at BIGINT NOT NULL, detected_at BIGINT NOT NULL,
              resolved_at BIGINT, cause TEXT NOT NULL)
            """,
            "CREATE INDEX ix_incidents_monitor ON incidents (monitor, started_at)",
            "CREATE INDEX ix_incidents_open ON incidents (resolved_at)",
        ];
    }
}
