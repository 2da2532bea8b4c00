using System.Reflection;
using Ballast.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Ballast.Server.Tests;

/// <summary>Holds every [LoggerMessage] of the assemblies that share <see cref="LogEvents"/> to an id defined there, used once.</summary>
public sealed class LogEventIdTests
{
    private static readonly Assembly[] Assemblies =
        [typeof(LogEvents).Assembly, typeof(Ballast.Storage.Stores).Assembly, typeof(Ballast.Server.Hosting.RetentionService).Assembly];

    private static IEnumerable<(string Method, int Id)> LoggedIds() =>
        from assembly in Assemblies
        from type in assembly.GetTypes()
        from method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        let attribute = method.GetCustomAttribute<LoggerMessageAttribute>()
        where attribute is not null
        select ($"{type.FullName}.{method.Name}", attribute.EventId);

    [Fact]
    public void LoggerMessages_EveryId_IsDefinedInLogEvents()
    {
        var defined = (from type in typeof(LogEvents).GetNestedTypes()
                       from field in type.GetFields(BindingFlags.Public | BindingFlags.Static)
                       select (int)field.GetRawConstantValue()!).ToHashSet();
        var logged = LoggedIds().ToList();
        Assert.NotEmpty(logged);
        Assert.All(logged, m => Assert.True(defined.Contains(m.Id), $"{m.Method} logs event {m.Id}, which LogEvents does not define"));
    }

    [Fact]
    public void LoggerMessages_NoTwoMethods_ShareAnId()
    {
        var shared = LoggedIds().GroupBy(m => m.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids logged by two methods: " + string.Join("; ", shared));
    }
}
