using System.Data.Common;

namespace Ballast.Cli.Commands;

/// <summary>Verbs that read and write Ballast's storage directly: a storage failure is one clear line, not a stack trace.</summary>
internal static class StorageGuard
{
    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (DbException e)
        {
            Console.Error.WriteLine($"ballast: the storage in server.storage failed: {e.Message}");
            return ExitCodes.StorageFailed;
        }
    }
}
