using System.Diagnostics;

namespace Ballast.Testing;

/// <summary>
/// Debian's aiosmtpd (scripts/smtp_server.py) on 127.0.0.1, storing what it receives in a Maildir the test reads.
/// It can be stopped and started again on the same port, for outage tests.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly string[] _options;
    private Process? _process;

    private TestSmtpServer(string maildir, string[] options)
    {
        Maildir = maildir;
        _options = options;
        Port = TestTcpServer.ClosedPort();
    }

    public int Port { get; }
    public string Maildir { get; }

    /// <param name="tls">Certificate and key PEM files: offer and require STARTTLS.</param>
    /// <param name="auth"><c>user:password</c> to require AUTH.</param>
    public static async Task<TestSmtpServer> StartAsync(string maildir, (string Cert, string Key)? tls = null, string? auth = null)
    {
        var options = new List<string>();
        if (tls is { } t) options.AddRange(["--tls", t.Cert, t.Key]);
        if (auth is not null) options.AddRange(["--auth", auth]);
        var server = new TestSmtpServer(maildir, [.. options]);
        await server.StartAsync();
        return server;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Repository.Path("scripts", "smtp_server.py"), "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--maildir", Maildir }.Concat(_options))
            info.ArgumentList.Add(a);
        _process = SystemCommand.Start(info);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready") throw new InvalidOperationException("aiosmtpd did not start: " + await _process.StandardError.ReadToEndAsync(timeout.Token));
    }

    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    /// <summary>Every message received so far, as raw files in the Maildir's new/ folder.</summary>
    public IReadOnlyList<string> Messages =>
        Directory.Exists(Path.Combine(Maildir, "new")) ? Directory.GetFiles(Path.Combine(Maildir, "new")).Order(StringComparer.Ordinal).ToArray() : [];

    public async ValueTask DisposeAsync() => await StopAsync();
}
