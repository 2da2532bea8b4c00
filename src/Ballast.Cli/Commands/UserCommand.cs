using System.CommandLine;
using Ballast.Core.Security;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast user add|list|remove</c>: the people who log in to the server, kept in its storage.</summary>
internal static class UserCommand
{
    public static Command Create()
    {
        var addConfig = ConfigOption.Create();
        var name = new Argument<string>("name") { Description = "The name people log in with" };
        var role = new Option<string>("--role") { Description = "viewer, responder, deployer or admin", Required = true };
        var add = new Command("add", "Add a user; the password is read from a prompt, or from stdin when it is not a terminal") { name, role, addConfig };
        ConfigOption.SetAction(add, addConfig, (loaded, parse, ct) =>
        {
            var userName = parse.GetValue(name)!;
            if (IdentityNames.Problem(userName) is { } bad) return Fail(bad, ExitCodes.ConfigInvalid);
            if (!Roles.TryParse(parse.GetValue(role), out var parsed))
                return Fail($"--role \"{parse.GetValue(role)}\" is not one of viewer, responder, deployer, admin", ExitCodes.ConfigInvalid);
            var password = IdentityStorage.ReadPassword(userName);
            if (password is null) return Fail("no password was given", ExitCodes.ConfigInvalid);
            if (Passwords.Weakness(password) is { } weak) return Fail(weak, ExitCodes.ConfigInvalid);
            return IdentityStorage.RunAsync(loaded, async (store, services) =>
            {
                if (!await store.AddUserAsync(new UserAccount(userName, parsed, Passwords.Hash(password), TimeProvider.System.GetUtcNow()), ct))
                    return await Fail($"a user named \"{userName}\" exists already", ExitCodes.NameConflict);
                await CliAudit.RecordAsync(services, "user", "user add", $"name={userName}", "added", $"role {parsed.Name()}");
                Console.Error.WriteLine($"added {userName} ({parsed.Name()})");
                return ExitCodes.Ok;
            }, ct);
        });

        var listConfig = ConfigOption.Create();
        var list = new Command("list", "List users and their roles") { listConfig };
        ConfigOption.SetAction(list, listConfig, (loaded, _, ct) => IdentityStorage.RunAsync(loaded, async (store, _) =>
        {
            var users = await store.ListUsersAsync(ct);
            if (users.Count == 0) Console.Error.WriteLine("no users");
            foreach (var user in users) Console.WriteLine($"{user.Name,-24} {user.Role.Name(),-10} added {user.CreatedAt:yyyy-MM-dd HH:mm} UTC");
            return ExitCodes.Ok;
        }, ct));

        var removeConfig = ConfigOption.Create();
        var removeName = new Argument<string>("name") { Description = "The user to remove; their sessions end within seconds" };
        var remove = new Command("remove", "Remove a user") { removeName, removeConfig };
        ConfigOption.SetAction(remove, removeConfig, (loaded, parse, ct) => IdentityStorage.RunAsync(loaded, async (store, services) =>
        {
            var userName = parse.GetValue(removeName)!;
            if (!await store.RemoveUserAsync(userName, ct)) return await Fail($"no user named \"{userName}\"", ExitCodes.NotFound);
            await CliAudit.RecordAsync(services, "user", "user remove", $"name={userName}", "removed", "");
            Console.Error.WriteLine($"removed {userName}");
            return ExitCodes.Ok;
        }, ct));
        return new Command("user", "People who log in to the server") { add, list, remove };
    }

    internal static Task<int> Fail(string message, int code)
    {
        Console.Error.WriteLine($"ballast: {message}");
        return Task.FromResult(code);
    }
}
