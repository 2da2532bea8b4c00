using Microsoft.Extensions.Hosting;

namespace Ballast.Cli;

/// <summary>
/// The host's lifetime for <c>ballast serve</c>: unlike the default console lifetime it does not answer SIGINT and
/// SIGTERM itself, since <see cref="Termination"/> does (a second signal must end the process, which the console
/// lifetime would swallow). The host stops when the verb's cancellation token is cancelled.
/// </summary>
internal sealed class SignalFreeLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
