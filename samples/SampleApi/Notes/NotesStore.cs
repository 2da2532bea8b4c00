using Npgsql;

namespace SampleApi.Notes;

/// <summary>Notes in PostgreSQL.</summary>
public sealed class NotesStore(NpgsqlDataSource database)
{
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            CREATE TABLE IF NOT EXISTS notes (
                id bigserial PRIMARY KEY,
                text text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now())
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<List<Note>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT id, text, created_at, updated_at FROM notes ORDER BY id");
        return await ReadAsync(command, cancellationToken);
    }

    public async Task<Note?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT id, text, created_at, updated_at FROM notes WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<Note> AddAsync(string text, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("INSERT INTO notes (text) VALUES ($1) RETURNING id, text, created_at, updated_at");
        command.Parameters.Add(new NpgsqlParameter { Value = text });
        return (await ReadAsync(command, cancellationToken))[0];
    }

    public async Task<Note?> UpdateAsync(long id, string text, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "UPDATE notes SET text = $2, updated_at = now() WHERE id = $1 RETURNING id, text, created_at, updated_at");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = text });
        return (await ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("DELETE FROM notes WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<List<Note>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var notes = new List<Note>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            notes.Add(new Note(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3)));
        return notes;
    }
}
