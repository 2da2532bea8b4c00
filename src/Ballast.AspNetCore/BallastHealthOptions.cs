namespace Ballast.AspNetCore;

/// <summary>Settings of <c>AddBallastHealth</c>.</summary>
public sealed class BallastHealthOptions
{
    /// <summary>The phases every service logs, in order (DESIGN: the contract's <c>startup.phases</c>).</summary>
    public static readonly IReadOnlyList<string> StandardPhases =
        ["Database connection established", "Redis connection established", "All routes mapped", "Application successfully started", "Listening on port"];

    private readonly List<EnvRequirement> _env = [];

    /// <summary>The service's name in /version and the contract.</summary>
    public string ServiceName { get; set; } = AppDomain.CurrentDomain.FriendlyName;

    /// <summary>The release (image tag or release id); defaults to <c>BALLAST_RELEASE</c>, else the assembly version.</summary>
    public string? Release { get; set; }

    /// <summary>The commit the build came from, for /version.</summary>
    public string? Commit { get; set; }

    /// <summary>Phases startup must pass; startup is complete once the last is reached.</summary>
    public List<string> Phases { get; } = [.. StandardPhases];

    /// <summary>Set in the environment, overrides <see cref="StartupTimeout"/> without a rebuild ("90s").</summary>
    public const string StartupTimeoutVariable = "BALLAST_STARTUP_TIMEOUT";

    /// <summary>Past this without completing startup, a Critical log line names the last phase reached.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Ready-check results are reused this long, so probes cannot overload a dependency.</summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest a ready check may take before it counts as failed.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<EnvRequirement> Environment => _env;

    /// <summary>What is wrong with the process's environment against the contract ("AI_MAX_TOKENS_CHAT is missing"), if anything.</summary>
    public string[] EnvironmentProblems() =>
        _env.Select(r => r.Problem(System.Environment.GetEnvironmentVariable(r.Name))).OfType<string>().ToArray();

    /// <summary>Declares a variable the service needs (or, with <paramref name="required"/> false, understands).</summary>
    public BallastHealthOptions RequireEnv(string name, EnvKind kind = EnvKind.String, long? min = null, long? max = null,
        IReadOnlyList<string>? values = null, bool required = true)
    {
        _env.Add(new EnvRequirement(name, kind, required, min, max, values));
        return this;
    }

    /// <summary>Declares a variable the service reads when present.</summary>
    public BallastHealthOptions OptionalEnv(string name, EnvKind kind = EnvKind.String) => RequireEnv(name, kind, required: false);
}
