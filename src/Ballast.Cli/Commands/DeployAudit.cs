using Ballast.Core.Deploy;
using Ballast.Core.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Commands;

/// <summary>
/// Deploys and rollbacks run in the CLI process (a lightsail deploy never reaches the server), so the CLI adds them
/// to the audit trail itself, in the same storage the server keeps it in: who is the OS user, how is <c>cli</c>.
/// </summary>
internal static class DeployAudit
{
    /// <summary>Longest the trail may hold up the end of a deploy that already happened.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Records the finished deploy or rollback; a failure to store it is said on stderr and never changes the verb's outcome.</summary>
    public static async Task RecordAsync(IServiceProvider services, string verb, DeployRecord record)
    {
        if (record.Outcome == DeployOutcome.DryRun) return; // nothing changed
        var detail = $"release {record.Release ?? "-"}" + (record.RolledBackTo is { } to ? $", rolled back to {to}" : "")
            + (record.Id > 0 ? $", record #{record.Id}" : "");
        var entry = new AuditEntry(0, services.GetRequiredService<TimeProvider>().GetUtcNow(), Environment.UserName, AuditEntry.Cli,
            $"cli@{Environment.MachineName}", $"{verb} {record.Service}", $"service={record.Service}", record.Outcome.ToString(), detail);
        try
        {
            using var timeout = new CancellationTokenSource(WriteTimeout);
            await services.GetRequiredService<IAuditStore>().AddAsync([entry], timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"ballast {verb}: the {verb} is not in the audit trail: the storage in server.storage failed: {e.Message}");
        }
    }
}
