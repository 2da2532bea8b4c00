using System.CommandLine;
using System.Globalization;
using Ballast.Core.Config;
using Ballast.Core.Security;

namespace Ballast.Cli.Commands;

/// <summary><c>ballast token create|list|revoke</c>: API tokens for machines (CI, scripts), kept hashed in the server's storage.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var createConfig = ConfigOption.Create();
        var name = new Option<string>("--name") { Description = "What the token is for (ci, backup-script); shown in lists and records", Required = true };
        var role = new Option<string>("--role") { Description = "viewer, responder, deployer or admin", Required = true };
        var expires = new Option<string?>("--expires") { Description = "How long it is valid, e.g. 90d (default: until revoked)" };
        var create = new Command("create", "Make a token and print it once on stdout") { name, role, expires, createConfig };
        ConfigOption.SetAction(create, createConfig, (loaded, parse, ct) =>
        {
            var tokenName = parse.GetValue(name)!;
            if (IdentityNames.Problem(tokenName) is { } bad) return UserCommand.Fail(bad, ExitCodes.ConfigInvalid);
            if (!Roles.TryParse(parse.GetValue(role), out var parsed))
                return UserCommand.Fail($"--role \"{parse.GetValue(role)}\" is not one of viewer, responder, deployer, admin", ExitCodes.ConfigInvalid);
            TimeSpan? lifetime = null;
            if (parse.GetValue(expires) is { } text)
            {
                if (!Duration.TryParse(text, out var span) || span <= TimeSpan.Zero)
                    return UserCommand.Fail($"--expires \"{text}\" is not a duration such as 90d or 12h", ExitCodes.ConfigInvalid);
                lifetime = span;
            }
            return IdentityStorage.RunAsync(loaded, async (store, services) =>
            {
                var now = TimeProvider.System.GetUtcNow();
                var secret = ApiTokenSecret.Create();
                var token = new ApiToken(Guid.CreateVersion7(now).ToString("N"), tokenName, parsed, ApiTokenSecret.Hash(secret), now, now + lifetime, null, null);
                if (!await store.AddTokenAsync(token, ct))
                    return await UserCommand.Fail($"a token named \"{tokenName}\" exists already (revoked ones keep their name)", ExitCodes.NameConflict);
                Console.WriteLine(secret);
                await CliAudit.RecordAsync(services, "token", "token create", $"name={tokenName}", "created",
                    $"role {parsed.Name()}" + (token.ExpiresAt is { } until ? $", expires {until:O}" : ""));
                Console.Error.WriteLine($"token {tokenName} ({parsed.Name()}{(token.ExpiresAt is { } at ? $", expires {at:yyyy-MM-dd HH:mm} UTC" : "")}): "
                                        + "shown once, keep it now; send it as Authorization: Bearer, or set BALLAST_TOKEN for the CLI");
                return ExitCodes.Ok;
            }, ct);
        });

        var listConfig = ConfigOption.Create();
        var list = new Command("list", "List tokens: name, role, created, expires, last used, revoked (never the secret)") { listConfig };
        ConfigOption.SetAction(list, listConfig, (loaded, _, ct) => IdentityStorage.RunAsync(loaded, async (store, _) =>
        {
            var tokens = await store.ListTokensAsync(ct);
            if (tokens.Count == 0) Console.Error.WriteLine("no tokens");
            foreach (var t in tokens)
                Console.WriteLine($"{t.Name,-24} {t.Role.Name(),-10} created {Time(t.CreatedAt)}  expires {Time(t.ExpiresAt)}  last used {Time(t.LastUsedAt)}"
                                  + (t.RevokedAt is { } r ? $"  revoked {Time(r)}" : ""));
            return ExitCodes.Ok;
        }, ct));

        var revokeConfig = ConfigOption.Create();
        var revokeName = new Argument<string>("name") { Description = "The token to revoke; the server refuses it within seconds" };
        var revoke = new Command("revoke", "Revoke a token") { revokeName, revokeConfig };
        ConfigOption.SetAction(revoke, revokeConfig, (loaded, parse, ct) => IdentityStorage.RunAsync(loaded, async (store, services) =>
        {
            var tokenName = parse.GetValue(revokeName)!;
            if (!await store.RevokeTokenAsync(tokenName, TimeProvider.System.GetUtcNow(), ct))
                return await UserCommand.Fail($"no unrevoked token named \"{tokenName}\"", ExitCodes.NotFound);
            await CliAudit.RecordAsync(services, "token", "token revoke", $"name={tokenName}", "revoked", "");
            Console.Error.WriteLine($"revoked {tokenName}");
            return ExitCodes.Ok;
        }, ct));
        return new Command("token", "API tokens for machines") { create, list, revoke };
    }

    private static string Time(DateTimeOffset? at) => at is { } t ? t.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "-";
}
