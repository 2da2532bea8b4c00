using System.Data.Common;

namespace Ballast.Storage;

/// <summary>What differs between the SQL engines Ballast runs on; everything else is shared SQL.</summary>
public abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Opens a connection ready for use (pragmas applied).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Schema steps in order; step N brings the schema to version N+1.</summary>
    public abstract IReadOnlyList<string[]> Migrations { get; }

    /// <summary>Most parameters in one statement.</summary>
    public virtual int MaxParameters => 30_000;

    /// <summary>A storage description safe to print (no password).</summary>
    public abstract string Describe();
}
