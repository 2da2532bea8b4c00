using Ballast.Core.Config;

namespace Ballast.Server.Deploy;

/// <summary>Starts a replica of a release and waits until it is ready; one way for rollouts and restarts alike.</summary>
/// <param name="http">The <see cref="ClientName"/> client, from the server's <see cref="IHttpClientFactory"/>.</param>
internal sealed class ReplicaLauncher(ReplicaPorts ports, LiveReplicas live, HttpClient http, TimeProvider time, ILogger log, Core.Logs.ILogIngest? logs = null)
{
    /// <summary>The named client that asks replicas whether they are ready (registered by <c>AddBallastServer</c>).</summary>
    public const string ClientName = "ballast-replicas";

    /// <summary>Tries on other ports when a replica lost its port to another program between the pick and its bind.</summary>
    private const int PortAttempts = 3;

    public async Task<Replica> StartReadyAsync(string service, ProcessServiceConfig process, string release, int index, string directory,
        IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var replica = Replica.Start(release, index, ports, live, directory, process.Command, process.Args, env, process.StopTimeout, time,
                logs is null ? null : Logs.ReplicaLogs.For(logs, time, service, release, index));
            try
            {
                await replica.WaitReadyAsync(http, process.HealthPath, process.StartupTimeout, time, cancellationToken);
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
}
