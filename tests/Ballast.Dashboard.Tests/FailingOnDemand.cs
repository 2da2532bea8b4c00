using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Ballast.Dashboard.Tests;

/// <summary>
/// A real store whose named methods fail while <see cref="Failing"/> is set, as they do when the database is gone;
/// every other call goes to the real store.
/// </summary>
public static class FailingOnDemand
{
    /// <summary>Wraps <paramref name="inner"/>; <paramref name="methods"/> throw <paramref name="error"/> while the switch is on.</summary>
    public static (T Store, FailingSwitch<T> Switch) Wrap<T>(T inner, string error, params string[] methods) where T : class
    {
        var store = DispatchProxy.Create<T, FailingSwitch<T>>();
        var proxy = (FailingSwitch<T>)(object)store;
        proxy.Inner = inner;
        proxy.Methods = [.. methods];
        proxy.Error = error;
        return (store, proxy);
    }
}

/// <summary>The proxy behind <see cref="FailingOnDemand.Wrap{T}"/>.</summary>
public class FailingSwitch<T> : DispatchProxy where T : class
{
    private volatile bool _failing;

    internal T Inner { get; set; } = null!;
    internal HashSet<string> Methods { get; set; } = [];
    /// <summary>What the failing calls throw with.</summary>
    public string Error { get; internal set; } = "";

    public bool Failing { get => _failing; set => _failing = value; }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (Failing && Methods.Contains(targetMethod.Name)) throw new InvalidOperationException(Error);
        try
        {
            return targetMethod.Invoke(Inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }
}
