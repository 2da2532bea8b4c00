namespace Ballast.Core.Security;

/// <summary>What an identity may do on the server; each role includes every role below it.</summary>
public enum Role
{
    /// <summary>Reads monitors, incidents, notifications, silences, deploys.</summary>
    Viewer = 1,

    /// <summary>Also acknowledges incidents and creates or expires silences.</summary>
    Responder = 2,

    /// <summary>Also rolls out releases.</summary>
    Deployer = 3,

    /// <summary>Also manages users and API tokens.</summary>
    Admin = 4,
}

/// <summary>Role names as people type them (<c>viewer</c>, <c>deployer</c>).</summary>
public static class Roles
{
    /// <summary>Every role, lowest first.</summary>
    public static IReadOnlyList<Role> All { get; } = [Role.Viewer, Role.Responder, Role.Deployer, Role.Admin];

    /// <summary>The lower-case name used in the CLI, the API and the docs.</summary>
    public static string Name(this Role role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses a role name, ignoring case; false for anything else (numbers included).</summary>
    public static bool TryParse(string? text, out Role role)
    {
        role = default;
        foreach (var candidate in All)
            if (string.Equals(text, candidate.Name(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        return false;
    }

    /// <summary>The roles <paramref name="role"/> includes: itself and every one below it.</summary>
    public static IEnumerable<Role> Included(this Role role) => All.Where(r => r <= role);
}
