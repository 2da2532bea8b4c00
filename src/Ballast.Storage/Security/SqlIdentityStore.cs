using System.Data.Common;
using Ballast.Core.Security;

namespace Ballast.Storage.Security;

/// <summary><see cref="IIdentityStore"/> in SQL shared by SQLite and PostgreSQL; roles are stored by name.</summary>
public sealed class SqlIdentityStore(SqlDialect dialect) : IIdentityStore
{
    private const string TokenColumns = "id, name, role, hash, created_at, expires_at, last_used_at, revoked_at";

    public Task<bool> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default) =>
        InsertAsync("INSERT INTO users (name, role, password_hash, created_at) VALUES (@name, @role, @hash, @at) ON CONFLICT (name) DO NOTHING",
            cancellationToken, ("@name", user.Name), ("@role", user.Role.Name()), ("@hash", user.PasswordHash), ("@at", user.CreatedAt.ToUnixTimeMilliseconds()));

    public async Task<UserAccount?> FindUserAsync(string name, CancellationToken cancellationToken = default) =>
        First(await QueryAsync("SELECT name, role, password_hash, created_at FROM users WHERE name = @name", User, cancellationToken, ("@name", name)));

    public Task<IReadOnlyList<UserAccount>> ListUsersAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT name, role, password_hash, created_at FROM users ORDER BY name", User, cancellationToken);

    public Task<bool> RemoveUserAsync(string name, CancellationToken cancellationToken = default) =>
        InsertAsync("DELETE FROM users WHERE name = @name", cancellationToken, ("@name", name));

    public Task<bool> AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default) =>
        InsertAsync($"INSERT INTO api_tokens ({TokenColumns}) VALUES (@id, @name, @role, @hash, @created, @expires, NULL, NULL) ON CONFLICT DO NOTHING",
            cancellationToken, ("@id", token.Id), ("@name", token.Name), ("@role", token.Role.Name()), ("@hash", token.Hash),
            ("@created", token.CreatedAt.ToUnixTimeMilliseconds()), ("@expires", token.ExpiresAt?.ToUnixTimeMilliseconds()));

    public async Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default) =>
        First(await QueryAsync($"SELECT {TokenColumns} FROM api_tokens WHERE hash = @hash", Token, cancellationToken, ("@hash", hash)));

    public Task<IReadOnlyList<ApiToken>> ListTokensAsync(CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {TokenColumns} FROM api_tokens ORDER BY name", Token, cancellationToken);

    public Task<bool> RevokeTokenAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        InsertAsync("UPDATE api_tokens SET revoked_at = @at WHERE name = @name AND revoked_at IS NULL", cancellationToken,
            ("@name", name), ("@at", at.ToUnixTimeMilliseconds()));

    public Task TouchTokenAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        InsertAsync("UPDATE api_tokens SET last_used_at = @at WHERE id = @id", cancellationToken, ("@id", id), ("@at", at.ToUnixTimeMilliseconds()));

    private static T? First<T>(IReadOnlyList<T> rows) where T : class => rows.Count > 0 ? rows[0] : null;

    private static UserAccount User(DbDataReader r) => new(r.GetString(0), ParseRole(r.GetString(1)), r.GetString(2), Sql.Time(r, 3)!.Value);

    private static ApiToken Token(DbDataReader r) => new(r.GetString(0), r.GetString(1), ParseRole(r.GetString(2)), r.GetString(3), Sql.Time(r, 4)!.Value,
        Sql.Time(r, 5), Sql.Time(r, 6), Sql.Time(r, 7));

    private static Role ParseRole(string text) =>
        Roles.TryParse(text, out var role) ? role : throw new InvalidDataException($"the stored role \"{text}\" is not one this Ballast knows");

    /// <summary>Runs a statement; true when it changed a row.</summary>
    private async Task<bool> InsertAsync(string sql, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) list.Add(read(reader));
        return list;
    }
}
