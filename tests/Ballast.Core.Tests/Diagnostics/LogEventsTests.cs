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

    [Theory]
    [InlineData(nameof(LogEvents.Storage), 2000, 2999)]
    [InlineData(nameof(LogEvents.Hosting), 3000, 3999)]
    [InlineData(nameof(LogEvents.Monitoring), 4000, 4999)]
    [InlineData(nameof(LogEvents.Alerting), 5000, 5999)]
    [InlineData(nameof(LogEvents.Deploy), 6000, 6999)]
    public void LogEvents_Capability_StaysInItsRange(string capability, int first, int last) =>
        Assert.All(Ids().Where(e => e.Name.StartsWith(capability + ".", StringComparison.Ordinal)),
            e => Assert.InRange(e.Id, first, last));

    [Fact]
    public void LogEvents_Supervision_StaysInHostingRanges() =>
        Assert.All(Ids().Where(e => e.Name.StartsWith(nameof(LogEvents.Supervision) + ".", StringComparison.Ordinal)),
            e => Assert.True(e.Id is >= 3000 and <= 3999 or >= 7000 and <= 7999, $"{e.Name} = {e.Id}"));

    [Fact]
    public void LogEvents_EveryCapability_HasIds()
    {
        Assert.All(typeof(LogEvents).GetNestedTypes(), t => Assert.NotEmpty(t.GetFields(BindingFlags.Public | BindingFlags.Static)));
        Assert.True(Ids().Count() >= 30);
    }
}
