using System.Reflection;
using System.Text.RegularExpressions;

namespace Ballast.Storage.Tests;

/// <summary>The schema's steps as its source names them: a step called VersionN is the one that brings a database to version N.</summary>
public sealed class SchemaTests
{
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
