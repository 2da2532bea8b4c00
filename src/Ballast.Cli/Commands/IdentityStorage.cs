using Ballast.Core.Config;
using Ballast.Core.Security;
using Ballast.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Cli.Commands;

/// <summary>
/// The user and token verbs work on storage directly, not through the server: the first admin is made before the
/// server runs, and whoever can run them here can read the database anyway.
/// </summary>
internal static class IdentityStorage
{
    /// <summary>
    /// Runs <paramref name="action"/> with the identity store of <paramref name="config"/>, its schema migrated first, and
    /// the storage's services (for <see cref="CliAudit"/>).
    /// </summary>
    public static Task<int> RunAsync(BallastConfig config, Func<IIdentityStore, IServiceProvider, Task<int>> action, CancellationToken cancellationToken) =>
        StorageGuard.RunAsync(async () =>
        {
            await using var services = new ServiceCollection().AddBallastStorage(config).BuildServiceProvider();
            await services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
            return await action(services.GetRequiredService<IIdentityStore>(), services);
        });

    /// <summary>
    /// A new password: typed twice at a prompt that does not echo it, or the first line of stdin when that is not a
    /// terminal (scripts, provisioning). Never a command-line argument, which other users see in the process list.
    /// </summary>
    public static string? ReadPassword(string name)
    {
        if (Console.IsInputRedirected) return Console.In.ReadLine();
        var first = Prompt($"password for {name}: ");
        var second = Prompt("again: ");
        if (first == second) return first;
        Console.Error.WriteLine("the two passwords differ");
        return null;
    }

    private static string Prompt(string text)
    {
        Console.Error.Write(text);
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (password.Length > 0) password.Length--; }
            else if (!char.IsControl(key.KeyChar)) password.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
