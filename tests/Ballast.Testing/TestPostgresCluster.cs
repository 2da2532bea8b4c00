using System.Globalization;
using Polly;
using Polly.Retry;

namespace Ballast.Testing;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb in a throw-away folder, on a free loopback port), so a drill can
/// really stop the server (<c>pg_ctl stop -m fast</c>: sessions terminated, new connections refused) and start it
/// again on the same port, without touching the server other tests share. The port lies outside the ephemeral range,
/// so no outgoing connection takes it while the server is down; the URL, which the code under test was configured
/// with, stays the same across restarts. Runs as the <c>postgres</c> user, which
/// PostgreSQL requires; the Debian package (scripts/test.sh installs it) provides both.
/// </summary>
public sealed class TestPostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private TestPostgresCluster(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The URL of the cluster's <c>postgres</c> database.</summary>
    public Uri Url => new($"postgres://postgres@127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/postgres");

    public static async Task<TestPostgresCluster> StartAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")))
            .OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0).LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL binaries not found under /usr/lib/postgresql (scripts/test.sh installs postgresql)");
        // The postgres user must reach the folder: a 0700 temp dir owned by root would not do.
        var dir = Path.Combine(Path.GetTempPath(), "ballast-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
                                  UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await SystemCommand.RunAsync("chown", "postgres:postgres", dir);
        var cluster = new TestPostgresCluster(bin, dir, TestTcpServer.StablePort());
        await AsPostgresAsync($"'{bin}/initdb' -D '{dir}/data' -A trust -U postgres --no-sync -E UTF8 >'{dir}/initdb.log' 2>&1");
        await cluster.StartServerAsync();
        return cluster;
    }

    /// <summary>
    /// Starts the server again on the same port, waiting until it accepts connections. A start that fails (the port
    /// briefly held by a connection still closing, say) is tried again; the last failure names the port and the
    /// server's own log.
    /// </summary>
    public async Task StartServerAsync()
    {
        try
        {
            await StartRetry.ExecuteAsync(async _ => await AsPostgresAsync(
                $"'{_bin}/pg_ctl' -D '{_dir}/data' -l '{_dir}/server.log' -w -t 60 start " +
                $"-o \"-p {Port.ToString(CultureInfo.InvariantCulture)} -k '{_dir}' -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off\" >/dev/null"));
        }
        catch (InvalidOperationException e)
        {
            var log = File.Exists(Path.Combine(_dir, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(_dir, "server.log")) : "(no server.log)";
            throw new InvalidOperationException($"PostgreSQL did not start on 127.0.0.1:{Port} after 5 tries: {e.Message}\nserver.log:\n{log}", e);
        }
    }

    private static readonly ResiliencePipeline StartRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<InvalidOperationException>(),
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromSeconds(1),
            BackoffType = DelayBackoffType.Exponential,
        })
        .Build();

    /// <summary>Stops the server the way an operator or a crash-looping host does: every session is ended at once.</summary>
    public Task StopServerAsync() => AsPostgresAsync($"'{_bin}/pg_ctl' -D '{_dir}/data' -m fast -w -t 60 stop >/dev/null");

    private static Task AsPostgresAsync(string command) => SystemCommand.RunAsync("su", "postgres", "-s", "/bin/sh", "-c", command);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync($"'{_bin}/pg_ctl' -D '{_dir}/data' -m immediate -w stop >/dev/null 2>&1 || true");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
