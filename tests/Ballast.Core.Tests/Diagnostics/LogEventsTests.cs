using System.Reflection;
using Ballast.Core.Diagnostics;

namespace Ballast.Core.Tests.Diagnostics;

public sealed class LogEventsTests
{
    private static IEnumerable<(string Name, int Id)> Ids() =>
        from type in typeof(LogEvents).GetNestedTypes()
        from field in type.GetFields(BindingFlags.Public | BindingFlags.Static)
        where field.IsLiteral && field.FieldType == typeof(int)
        select ($"{type.Name}.{field.Name}", (int)field.GetRawConstantValue()!);

    [Fact]
    public void LogEvents_EveryId_IsUnique()
    {
        var shared = Ids().GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}").ToList();
        Assert.True(shared.Count == 0, "event ids used twice: " + string.Join("; ", shared));
    }

    [Fact]
    public void LogEvents_EveryCapability_HasIds()
    {
        Assert.All(typeof(LogEvents).GetNestedTypes(), t => Assert.NotEmpty(t.GetFields(BindingFlags.Public | BindingFlags.Static)));
        Assert.True(Ids().Count() >= 30);
    }
}
