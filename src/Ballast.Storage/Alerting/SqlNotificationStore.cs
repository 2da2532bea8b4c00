using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ballast.Core.Alerting;

namespace Ballast.Storage.Alerting;

/// <summary>
/// <see cref="INotificationStore"/> and <see cref="ISilenceStore"/> in SQL shared by SQLite and PostgreSQL; a message
/// is kept as JSON.
/// </summary>
public sealed class SqlNotificationStore(SqlDialect dialect) : INotificationStore, ISilenceStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private static readonly RowStatement Rows = new("notifications",
        ["id", "channel", "kind", "dedup_key", "message", "status", "attempts", "created_at", "next_attempt_at", "delivered_at", "last_error", "response", "accepted"],
        "ON CONFLICT (id) DO NOTHING"); // a retried add whose first commit went through but whose answer was lost

    private const string Columns = "id, channel, dedup_key, message, status, attempts, created_at, next_attempt_at, delivered_at, last_error, response, accepted";

    public async Task AddAsync(IReadOnlyList<Notification> notifications, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.ExecuteRowsAsync(connection, tx, Rows, notifications.Select(n => new object?[]
        {
            n.Id, n.Channel, n.Message.Kind.ToString(), n.DedupKey, JsonSerializer.Serialize(n.Message, Json), n.Status.ToString(), n.Attempts,
            n.CreatedAt.ToUnixTimeMilliseconds(), n.NextAttemptAt.ToUnixTimeMilliseconds(), n.DeliveredAt?.ToUnixTimeMilliseconds(), n.LastError, n.Response,
            n.Accepted is { Count: > 0 } a ? JsonSerializer.Serialize(a, Json) : null,
        }).ToArray(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public Task<IReadOnlyList<Notification>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM notifications WHERE status = 'Pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            cancellationToken, ("@now", now.ToUnixTimeMilliseconds()), ("@limit", limit));

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'Pending'";
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture));
    }

    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset at, string response, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE notifications SET status = 'Delivered', attempts = @attempts, delivered_at = @at, response = @response WHERE id = @id",
            cancellationToken, ("@id", id), ("@attempts", attempts), ("@at", at.ToUnixTimeMilliseconds()), ("@response", response));

    public Task MarkRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE notifications SET attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @id",
            cancellationToken, ("@id", id), ("@attempts", attempts), ("@next", nextAttemptAt.ToUnixTimeMilliseconds()), ("@error", error));

    public Task RecordAcceptedAsync(string id, IReadOnlyList<string> accepted, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE notifications SET accepted = @accepted WHERE id = @id",
            cancellationToken, ("@id", id), ("@accepted", JsonSerializer.Serialize(accepted, Json)));

    public Task MarkFailedAsync(string id, int attempts, string error, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE notifications SET status = 'Failed', attempts = @attempts, last_error = @error WHERE id = @id",
            cancellationToken, ("@id", id), ("@attempts", attempts), ("@error", error));

    public Task SetAsideAsync(string id, CancellationToken cancellationToken = default) =>
        ExecuteAsync("UPDATE notifications SET status = 'Failed' WHERE id = @id", cancellationToken, ("@id", id));

    public Task<IReadOnlyList<Notification>> ListAsync(NotificationStatus? status = null, int limit = 500, CancellationToken cancellationToken = default) =>
        status is { } s
            ? QueryAsync($"SELECT {Columns} FROM notifications WHERE status = @status ORDER BY created_at DESC, id DESC LIMIT @limit",
                cancellationToken, ("@status", s.ToString()), ("@limit", limit))
            : QueryAsync($"SELECT {Columns} FROM notifications ORDER BY created_at DESC, id DESC LIMIT @limit", cancellationToken, ("@limit", limit));

    public async Task<IReadOnlyList<Notification>> ForIncidentAsync(string incidentId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        // The ids live inside the stored message; the text match narrows the rows, the parsed items decide.
        var candidates = await QueryAsync($"""
            SELECT {Columns} FROM notifications WHERE created_at >= @since AND message LIKE '%' || @id || '%' ORDER BY created_at, id
            """, cancellationToken, ("@since", since.ToUnixTimeMilliseconds()), ("@id", incidentId));
        return candidates.Where(n => n.Message.Items.Any(i => i.IncidentId == incidentId)).ToArray();
    }

    public async Task<IReadOnlySet<string>> AnnouncedAsync(DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection,
            "SELECT message FROM notifications WHERE kind IN ('Firing', 'Repeat', 'Flapping') AND created_at >= @since", ("@since", since.ToUnixTimeMilliseconds()));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var announced = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
            foreach (var item in JsonSerializer.Deserialize<AlertMessage>(reader.GetString(0), Json)!.Items) announced.Add(item.IncidentId);
        return announced;
    }

    public async Task<IReadOnlyList<NotificationCount>> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, "SELECT channel, status, COUNT(*) FROM notifications GROUP BY channel, status");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<NotificationCount>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new NotificationCount(reader.GetString(0), Enum.Parse<NotificationStatus>(reader.GetString(1)), reader.GetInt64(2)));
        return list;
    }

    public async Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        var cutoff = before.ToUnixTimeMilliseconds();
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var notifications = Sql.Command(connection, "DELETE FROM notifications WHERE status <> 'Pending' AND created_at < @cutoff", ("@cutoff", cutoff));
        var deleted = await notifications.ExecuteNonQueryAsync(cancellationToken);
        await using var silences = Sql.Command(connection, "DELETE FROM silences WHERE ends_at < @cutoff OR expired_at < @cutoff", ("@cutoff", cutoff));
        return deleted + await silences.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task AddAsync(Silence silence, CancellationToken cancellationToken = default) =>
        ExecuteAsync("INSERT INTO silences (id, match, starts_at, ends_at, reason, created_by) VALUES (@id, @match, @starts, @ends, @reason, @by)",
            cancellationToken, ("@id", silence.Id), ("@match", silence.Match), ("@starts", silence.StartsAt.ToUnixTimeMilliseconds()),
            ("@ends", silence.EndsAt.ToUnixTimeMilliseconds()), ("@reason", silence.Reason), ("@by", silence.CreatedBy));

    public async Task<IReadOnlyList<Silence>> ListSilencesAsync(DateTimeOffset? activeAt = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = activeAt is { } at
            ? Sql.Command(connection, "SELECT id, match, starts_at, ends_at, reason, created_by, expired_at FROM silences WHERE expired_at IS NULL AND starts_at <= @at AND ends_at > @at ORDER BY starts_at DESC",
                [("@at", at.ToUnixTimeMilliseconds())])
            : Sql.Command(connection, "SELECT id, match, starts_at, ends_at, reason, created_by, expired_at FROM silences ORDER BY starts_at DESC");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Silence>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new Silence(reader.GetString(0), reader.GetString(1), Sql.Time(reader, 2)!.Value, Sql.Time(reader, 3)!.Value, reader.GetString(4),
                reader.GetString(5), Sql.Time(reader, 6)));
        return list;
    }

    public async Task<bool> ExpireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, "UPDATE silences SET expired_at = @at WHERE id = @id AND expired_at IS NULL",
            ("@at", at.ToUnixTimeMilliseconds()), ("@id", id));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<IReadOnlyList<Notification>> QueryAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Notification>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new Notification(
                reader.GetString(0), reader.GetString(1),
                JsonSerializer.Deserialize<AlertMessage>(reader.GetString(3), Json)!,
                reader.GetString(2),
                Enum.Parse<NotificationStatus>(reader.GetString(4)),
                Convert.ToInt32(reader.GetValue(5), CultureInfo.InvariantCulture),
                Sql.Time(reader, 6)!.Value, Sql.Time(reader, 7)!.Value, Sql.Time(reader, 8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(11), Json)));
        return list;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
