using System.Data.Common;
using Ballast.Core.StatusPages;

namespace Ballast.Storage.StatusPages;

/// <summary>
/// <see cref="IStatusMessageStore"/> in SQL shared by SQLite and PostgreSQL (tables <c>status_messages</c> and
/// <c>status_updates</c>, schema version 12). A message row carries its latest state, so a page's open messages are
/// found without reading every update.
/// </summary>
public sealed class SqlStatusMessageStore(SqlDialect dialect) : IStatusMessageStore
{
    private static readonly RowStatement Messages = new("status_messages",
        ["id", "page", "title", "incident_id", "state", "created_at", "updated_at", "resolved_at"]);

    private static readonly RowStatement Updates = new("status_updates", ["id", "message_id", "at", "state", "body", "author"]);

    public async Task AddAsync(PublicMessage message, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.ExecuteRowsAsync(connection, tx, Messages, [
        [
            message.Id, message.Page, message.Title, message.IncidentId, message.State.ToString(), message.CreatedAt.ToUnixTimeMilliseconds(),
            message.UpdatedAt.ToUnixTimeMilliseconds(), message.ResolvedAt?.ToUnixTimeMilliseconds(),
        ]], cancellationToken);
        await dialect.ExecuteRowsAsync(connection, tx, Updates, message.Updates.Select(u => Row(message.Id, u)).ToArray(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<bool> AddUpdateAsync(string page, string messageId, PublicUpdate update, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var at = update.At.ToUnixTimeMilliseconds();
        // A resolved message keeps the time it first resolved; reopening it clears that.
        await using (var command = Sql.Command(connection, """
            UPDATE status_messages SET state = @state, updated_at = @at,
              resolved_at = CASE WHEN @resolved = 1 THEN COALESCE(resolved_at, @at) ELSE NULL END
            WHERE id = @id AND page = @page
            """, ("@state", update.State.ToString()), ("@at", at), ("@resolved", update.State == PublicMessageState.Resolved ? 1 : 0),
            ("@id", messageId), ("@page", page)))
        {
            command.Transaction = tx;
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0) return false;
        }
        await dialect.ExecuteRowsAsync(connection, tx, Updates, [Row(messageId, update)], cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<PublicMessage>> ListAsync(string page, DateTimeOffset? resolvedSince, int limit = 100, CancellationToken cancellationToken = default)
    {
        const string Filter = "page = @page AND (resolved_at IS NULL OR resolved_at >= @since)";
        (string, object?)[] parameters = [("@page", page), ("@since", resolvedSince?.ToUnixTimeMilliseconds() ?? long.MinValue), ("@limit", Math.Max(1, limit))];
        await using var connection = await dialect.OpenAsync(cancellationToken);
        var messages = new List<(string Id, string Title, string? Incident, PublicMessageState State, DateTimeOffset Created, DateTimeOffset Updated, DateTimeOffset? Resolved)>();
        await using (var command = Sql.Command(connection,
            $"SELECT id, title, incident_id, state, created_at, updated_at, resolved_at FROM status_messages WHERE {Filter} ORDER BY created_at DESC, id LIMIT @limit", parameters))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                messages.Add((reader.GetString(0), reader.GetString(1), Sql.Text(reader, 2), State(reader, 3), Sql.Time(reader, 4)!.Value,
                    Sql.Time(reader, 5)!.Value, Sql.Time(reader, 6)));
        if (messages.Count == 0) return [];

        var updates = messages.ToDictionary(m => m.Id, _ => new List<PublicUpdate>(), StringComparer.Ordinal);
        await using (var command = Sql.Command(connection, $"""
            SELECT u.message_id, u.id, u.at, u.state, u.body, u.author FROM status_updates u
            WHERE u.message_id IN (SELECT id FROM status_messages WHERE {Filter} ORDER BY created_at DESC, id LIMIT @limit)
            ORDER BY u.at DESC, u.id
            """, parameters))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                if (updates.TryGetValue(reader.GetString(0), out var list))
                    list.Add(new PublicUpdate(reader.GetString(1), Sql.Time(reader, 2)!.Value, State(reader, 3), reader.GetString(4), reader.GetString(5)));
        return messages.Select(m => new PublicMessage(m.Id, page, m.Title, m.Incident, m.Created, m.Updated, m.Resolved, m.State, updates[m.Id])).ToArray();
    }

    public async Task<long> PruneAsync(DateTimeOffset resolvedBefore, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var cutoff = ("@cutoff", (object?)resolvedBefore.ToUnixTimeMilliseconds());
        await using (var updates = Sql.Command(connection,
            "DELETE FROM status_updates WHERE message_id IN (SELECT id FROM status_messages WHERE resolved_at IS NOT NULL AND resolved_at < @cutoff)", cutoff))
        {
            updates.Transaction = tx;
            await updates.ExecuteNonQueryAsync(cancellationToken);
        }
        long deleted;
        await using (var messages = Sql.Command(connection, "DELETE FROM status_messages WHERE resolved_at IS NOT NULL AND resolved_at < @cutoff", cutoff))
        {
            messages.Transaction = tx;
            deleted = await messages.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return deleted;
    }

    private static object?[] Row(string messageId, PublicUpdate u) => [u.Id, messageId, u.At.ToUnixTimeMilliseconds(), u.State.ToString(), u.Body, u.By];

    private static PublicMessageState State(DbDataReader reader, int i) => Enum.Parse<PublicMessageState>(reader.GetString(i));
}
