using Ballast.Core.Deploy;
using Ballast.Core.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Commands;

/// <summary>
/// What the CLI changes itself, in the storage the server keeps its audit trail in: deploys and rollbacks (they run in
/// the CLI process; a lightsail deploy never reaches the server) and users and tokens (made before any server runs).
/// Who is the OS user, how is <c>cli</c>.
/// </summary>
internal static class CliAudit
{
    /// <summary>Longest the trail may hold up the end of an action that already happened.</summary>
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Records the finished deploy or rollback; a failure to store it is said on stderr and never changes the verb's outcome.</summary>
    public static Task RecordDeployAsync(IServiceProvider services, string verb, DeployRecord record)
    {
        if (record.Outcome == DeployOutcome.DryRun) return Task.CompletedTask; // nothing changed
        var detail = $"release {record.Release ?? "-"}" + (record.RolledBackTo is { } to ? $", rolled back to {to}" : "")
            + (record.Id > 0 ? $", record #{record.Id}" : "");
        return RecordAsync(services, verb, $"{verb} {record.Service}", $"service={record.Service}", record.Outcome.ToString(), detail);
    }

    /// <summary>Records one change the verb made; a failure to store it is said on stderr and never changes the verb's outcome.</summary>
    public static async Task RecordAsync(IServiceProvider services, string verb, string action, string target, string outcome, string detail)
    {
        var entry = new AuditEntry(0, (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow(), Environment.UserName, AuditEntry.Cli,
            $"cli@{Environment.MachineName}", action, target, outcome, detail);
        try
        {
            using var timeout = new CancellationTokenSource(WriteTimeout);
            await services.GetRequiredService<IAuditStore>().AddAsync([entry], timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"ballast {verb}: this change is not in the audit trail: the storage in server.storage failed: {e.Message}");
        }
    }
}
