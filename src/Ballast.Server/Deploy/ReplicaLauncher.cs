using Ballast.Core.Config;

namespace Ballast.Server.Deploy;

/// <summary>Starts a replica of a release and waits until it is ready; one way for rollouts and restarts alike.</summary>
internal sealed class ReplicaLauncher(ReplicaPorts ports, TimeProvider time, ILogger log) : IDisposable
{
    /// <summary>Tries on other ports when a replica lost its port to another program between the pick and its bind.</summary>
    private const int PortAttempts = 3;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<Replica> StartReadyAsync(string service, ProcessServiceConfig process, string release, int index, string directory,
        IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var replica = Replica.Start(release, index, ports, directory, process.Command, process.Args, env, process.StopTimeout, time);
            try
            {
                await replica.WaitReadyAsync(_http, process.HealthPath, process.StartupTimeout, time, cancellationToken);
                return replica;
            }
            catch (RolloutException e) when (attempt < PortAttempts && replica.Exited.IsCompleted && ReplicaPorts.IsTakenByOthers(replica.Port))
            {
                DeployLog.PortLost(log, service, index, release, replica.Port, e.Message);
                await replica.DisposeAsync();
            }
            catch
            {
                await replica.DisposeAsync();
                throw;
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
