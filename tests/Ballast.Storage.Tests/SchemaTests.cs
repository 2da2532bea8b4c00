using System.Reflection;
using System.Text.RegularExpressions;

namespace Ballast.Storage.Tests;

/// <summary>The schema's steps as its source names them: a step called VersionN is the one that brings a database to version N.</summary>
public sealed class SchemaTests : IDisposable
{
    private readonly StoreBackends _backends = new();

    public void Dispose() => _backends.Dispose();

    [Theory]
    [MemberData(nameof(StoreBackends.All), MemberType = typeof(StoreBackends))]
    public async Task Migrate_EightAtOnceOnANewStore_AllSucceed_EachStepRunsOnce(string backend)
    {
        var dialect = await _backends.DialectAsync(backend);

        // The server, CLI verbs and the key ring each migrate the store they open; they may start together.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => new SchemaMigrator(dialect).MigrateAsync())));

        await using var connection = await dialect.OpenAsync(CancellationToken.None);
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT version FROM schema_version ORDER BY version";
        var versions = new List<int>();
        await using (var reader = await read.ExecuteReaderAsync())
            while (await reader.ReadAsync()) versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(1, dialect.Migrations.Count), versions);
    }

    [Fact]
    public void Steps_EachVersionMethod_BringsTheDatabaseToTheVersionInItsName()
    {
        var schema = typeof(SchemaMigrator).Assembly.GetType("Ballast.Storage.Schema", throwOnError: true)!;
        var steps = (IReadOnlyList<string[]>)schema.GetMethod("Steps", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, ["IDENTITY", " CLUSTERED"])!;
        var named = schema.GetMethods(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(m => Regex.IsMatch(m.Name, @"^Version\d+$"))
            .ToDictionary(m => int.Parse(m.Name["Version".Length..], System.Globalization.CultureInfo.InvariantCulture),
                m => (string[])m.Invoke(null, m.GetParameters().Select(p => (object?)(p.Name == "identity" ? "IDENTITY" : " CLUSTERED")).ToArray())!);

        // SchemaMigrator records version N after running steps[N - 1].
        Assert.Equal(Enumerable.Range(1, steps.Count), named.Keys.Order());
        for (var version = 1; version <= steps.Count; version++) Assert.Equal(named[version], steps[version - 1]);
    }
}
