using System.Globalization;
using System.Runtime.InteropServices;

namespace Ballast.Cli;

/// <summary>
/// The one owner of Ctrl+C (SIGINT), SIGTERM and SIGQUIT for every verb; System.CommandLine's handling is turned off
/// (Program.cs) and so is the generic host's (<see cref="SignalFreeLifetime"/>), so nothing else answers them.
/// The first signal cancels <see cref="Requested"/>: the verb finishes what it must (<c>serve</c> stops its replicas,
/// a deploy records how far it got), for at most the verb's <see cref="BoundBy"/> (<see cref="DefaultBound"/> unless it
/// says). A second signal, or the bound passing, ends the process at once, after the verb's <see cref="ForceWith"/>
/// (<c>serve</c> SIGKILLs its replicas): exit <see cref="ExitCodes.StopForced"/> or <see cref="ExitCodes.StopTimedOut"/>.
/// </summary>
internal sealed class Termination : IDisposable
{
    /// <summary>How long a verb that does not say otherwise may take to finish after the first signal.</summary>
    public static readonly TimeSpan DefaultBound = TimeSpan.FromMinutes(2);

    private readonly CancellationTokenSource _requested = new();
    private readonly TimeProvider _time;
    private readonly PosixSignalRegistration[] _signalsHandled;
    private volatile Func<TimeSpan> _bound = () => DefaultBound;
    private volatile Action _force = () => { };
    private int _signals;
    private int _forced;
    private ITimer? _deadline;

    public Termination(TimeProvider time)
    {
        _time = time;
        // SIGQUIT too, as the host's console lifetime answered it: its default would end the process and leave replicas.
        _signalsHandled = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, OnSignal)).ToArray();
    }

    /// <summary>Cancelled by the first Ctrl+C, SIGTERM or SIGQUIT.</summary>
    public CancellationToken Requested => _requested.Token;

    /// <summary>How long the running verb may take to stop, asked when the first signal comes (a config may have changed by then).</summary>
    public IDisposable BoundBy(Func<TimeSpan> bound)
    {
        _bound = bound;
        return new Undo(() => _bound = () => DefaultBound);
    }

    /// <summary>What must happen before the process ends without waiting: kill what would otherwise outlive it.</summary>
    public IDisposable ForceWith(Action force)
    {
        _force = force;
        return new Undo(() => _force = () => { });
    }

    private void OnSignal(PosixSignalContext context)
    {
        // The process stays up to finish: it ends by returning from the verb or by Force, never by the signal's default.
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Force(ExitCodes.StopForced, "asked again to stop: stopping at once");
            return;
        }
        TimeSpan bound;
        try
        {
            bound = _bound();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The verb is past the point where it could say (its server already disposed): it is about to return anyway.
            bound = DefaultBound;
        }
        _deadline = _time.CreateTimer(_ => Force(ExitCodes.StopTimedOut, $"still stopping after {Describe(bound)}: stopping at once"),
            null, bound, Timeout.InfiniteTimeSpan);
        Console.Error.WriteLine($"ballast: stopping (at most {Describe(bound)}; Ctrl+C or SIGTERM again to stop at once)");
        _requested.Cancel();
    }

    private void Force(int exitCode, string why)
    {
        if (Interlocked.Exchange(ref _forced, 1) == 1) return;
        Console.Error.WriteLine($"ballast: {why}");
        try
        {
            _force();
        }
        catch (Exception e)
        {
            // Exiting anyway: the user asked for it, or the stop already ran past its bound.
            Console.Error.WriteLine($"ballast: could not kill everything before exiting: {e.Message}");
        }
        Environment.Exit(exitCode);
    }

    private static string Describe(TimeSpan span) => span.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + "s";

    public void Dispose()
    {
        foreach (var registration in _signalsHandled) registration.Dispose();
        _deadline?.Dispose();
        _requested.Dispose();
    }

    private sealed class Undo(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
