using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace Ballast.Server.Deploy;

/// <summary>
/// Every replica process the runtime started that has not been seen to exit, whoever holds it at the moment: a rollout
/// starting or draining, a supervisor's replacement, a service's live set. A stop that has to be cut short cannot wait
/// for each holder to give its replicas up, so it kills them from here and none outlives the server.
/// </summary>
internal sealed class LiveReplicas
{
    private readonly ConcurrentDictionary<Process, bool> _processes = new();

    public void Add(Process process) => _processes.TryAdd(process, true);

    public void Remove(Process process) => _processes.TryRemove(process, out _);

    /// <summary>SIGKILL to every replica (and whatever it started) still known to run; returns how many were sent one.</summary>
    public int KillAll()
    {
        var killed = 0;
        foreach (var process in _processes.Keys)
        {
            try
            {
                if (process.HasExited) continue;
                process.Kill(entireProcessTree: true);
                killed++;
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception)
            {
                // It exited (and its holder disposed it) between the look-up and the kill: nothing left to stop.
                _processes.TryRemove(process, out _);
            }
        }
        return killed;
    }
}
