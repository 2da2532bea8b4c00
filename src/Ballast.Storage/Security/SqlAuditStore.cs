using Ballast.Core;
using Ballast.Core.Monitoring;
using Ballast.Core.Security;

namespace Ballast.Storage.Security;

/// <summary><see cref="IAuditStore"/> in SQL shared by SQLite and PostgreSQL (table <c>audit</c>, schema version 11).</summary>
public sealed class SqlAuditStore(SqlDialect dialect) : IAuditStore
{
    // "from" is an SQL keyword: the column is origin.
    private static readonly RowStatement Rows = new("audit", ["at", "who", "how", "origin", "action", "target", "outcome", "detail"]);

    private const string Columns = "id, at, who, how, origin, action, target, outcome, detail";

    public async Task AddAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0) return;
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await dialect.ExecuteRowsAsync(connection, tx, Rows, entries.Select(e => new object?[]
        {
            e.At.ToUnixTimeMilliseconds(), Text(e.Who), Text(e.How), Text(e.From), Text(e.Action), Text(e.Target), Text(e.Outcome), Text(e.Detail),
        }).ToArray(), cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("@limit", Math.Max(1, query.Limit)) };
        if (query.Since is { } since)
        {
            where.Add("at >= @since");
            parameters.Add(("@since", since.ToUnixTimeMilliseconds()));
        }
        if (query.Who is { } who)
        {
            where.Add("who = @who");
            parameters.Add(("@who", who));
        }
        if (query.Action is { Length: > 0 } action)
        {
            // A prefix without LIKE, whose wildcards (and case rules) differ between the engines.
            where.Add("substr(action, 1, @actionLength) = @action");
            parameters.Add(("@action", action));
            parameters.Add(("@actionLength", action.Length));
        }
        var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        await using var connection = await dialect.OpenAsync(cancellationToken);
        // The newest entries the limit allows, then shown in the order they happened.
        await using var command = Sql.Command(connection, $"SELECT {Columns} FROM audit{filter} ORDER BY at DESC, id DESC LIMIT @limit", [.. parameters]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
            list.Add(new AuditEntry(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Sql.Time(reader, 1)!.Value,
                reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), Sql.Text(reader, 6), reader.GetString(7), Sql.Text(reader, 8)));
        list.Reverse();
        return list;
    }

    public async Task<long> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, "DELETE FROM audit WHERE at < @cutoff", ("@cutoff", before.ToUnixTimeMilliseconds()));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Text from a request (route values, a name someone typed) made storable and bounded.</summary>
    private static string? Text(string? text) => text is null ? null : ShortText.Truncate(StoredText.Clean(text)!, AuditEntry.MaxText);
}
