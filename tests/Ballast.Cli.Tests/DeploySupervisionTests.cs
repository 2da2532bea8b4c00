using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ballast.Testing;

namespace Ballast.Cli.Tests;

/// <summary>
/// Replica supervision in `ballast serve`, with a small Python HTTP service as the release: a restart that fails for
/// any reason is retried, and a replica whose port another program took is started on another.
/// </summary>
public sealed class DeploySupervisionTests : IDisposable
{
    private const string Server = """
        import os
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        def serve():
            ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """;

    private readonly ProcessServiceHarness _service = new();

    private string Release(string file) => Path.Combine(_service.Directory, ".ballast", "releases", "slow", "r1", file);

    [Fact]
    public async Task ReplicaRestart_ThatCannotStart_IsLoggedAndRetried_UntilTheReplicaComesBack()
    {
        using var serve = await _service.ServeAsync(new Dictionary<string, string>
        {
            ["server.py"] = Server + "\nserve()\n",
            ["run.sh"] = "#!/bin/sh\nexec /usr/bin/python3 server.py\n",
        }, "run.sh", "[]", "");
        await _service.RolloutAsync("r1");
        var victim = (await _service.StatusAsync()).GetProperty("replicas")[0].GetProperty("pid").GetInt32();

        // The release's program cannot be started any more: every restart fails before a process exists.
        File.SetUnixFileMode(Release("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await SystemCommand.SignalAsync(victim, "KILL");
        await ProcessServiceHarness.UntilAsync(() => Task.FromResult(serve.Stdout.Contains("replica 0 of r1 did not come back: cannot start run.sh", StringComparison.Ordinal)), serve);

        File.SetUnixFileMode(Release("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await ProcessServiceHarness.UntilAsync(async () =>
        {
            var replica = (await _service.StatusAsync()).GetProperty("replicas")[0];
            return replica.GetProperty("running").GetBoolean() && replica.GetProperty("pid").GetInt32() != victim && replica.GetProperty("restarts").GetInt32() >= 2;
        }, serve);
        Assert.Equal("ok", await _service.Http.GetStringAsync(_service.ServiceUrl("/")));
        await serve.TerminateAsync();
    }

    [Fact]
    public async Task ReplicaIncident_IsStoredListedAndAcknowledgeable_StaysOpenAcrossARestart_AndResolvesWhenTheReplicasRun()
    {
        var files = new Dictionary<string, string> { ["server.py"] = Server + "\nserve()\n", ["run.sh"] = "#!/bin/sh\nexec /usr/bin/python3 server.py\n" };
        var serve = await _service.ServeAsync(files, "run.sh", "[]", "");
        await _service.RolloutAsync("r1");
        var victim = (await _service.StatusAsync()).GetProperty("replicas")[0].GetProperty("pid").GetInt32();
        var incidents = new Uri($"http://127.0.0.1:{_service.ServerPort}/api/v1/incidents?monitor=slow-replicas");

        // The replica dies and cannot come back: its incident is open in the incident list, like any monitor's.
        File.SetUnixFileMode(Release("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await SystemCommand.SignalAsync(victim, "KILL");
        JsonElement incident = default;
        await ProcessServiceHarness.UntilAsync(async () =>
        {
            var listed = JsonDocument.Parse(await _service.Http.GetStringAsync(incidents)).RootElement;
            if (listed.GetArrayLength() == 0) return false;
            incident = listed[0];
            return true;
        }, serve);
        Assert.Equal(JsonValueKind.Null, incident.GetProperty("resolvedAt").ValueKind);
        Assert.Equal("replica 0 of r1 exited with code 137", incident.GetProperty("cause").GetString());
        var id = incident.GetProperty("id").GetString();
        using (var ack = await _service.Http.PostAsJsonAsync(new Uri($"http://127.0.0.1:{_service.ServerPort}/api/v1/incidents/{id}/ack"), new { by = "oncall" }))
            Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());

        // A restart keeps it: stored, still open, still acknowledged.
        await serve.TerminateAsync();
        serve.Dispose();
        serve = await _service.ServeAgainAsync();
        var kept = Assert.Single(JsonDocument.Parse(await _service.Http.GetStringAsync(incidents)).RootElement.EnumerateArray());
        Assert.Equal(id, kept.GetProperty("id").GetString());
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("resolvedAt").ValueKind);
        Assert.Equal("oncall", kept.GetProperty("acknowledgedBy").GetString());

        // The release running on every slot again resolves it.
        File.SetUnixFileMode(Release("run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await _service.RolloutAsync("r1");
        await ProcessServiceHarness.UntilAsync(async () =>
            JsonDocument.Parse(await _service.Http.GetStringAsync(incidents)).RootElement[0].GetProperty("resolvedAt").ValueKind == JsonValueKind.String, serve);
        await serve.TerminateAsync();
        serve.Dispose();
    }

    [Fact]
    public async Task Rollout_ReplicaWhosePortAnotherProgramTook_IsStartedOnAnotherPort()
    {
        // The first replica plays the race: before it binds, another program (a detached squatter) takes its port.
        const string Squatting = """
            import socket, subprocess, sys, time
            port = int(os.environ["PORT"])
            if not os.path.exists("squatted"):
                open("squatted", "w").close()
                squatter = subprocess.Popen([sys.executable, "-c",
                    "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', int(sys.argv[1])))\ns.listen()\nopen('squatter.ready', 'w').close()\ntime.sleep(600)",
                    str(port)], start_new_session=True)
                open("squatter.pid", "w").write(str(squatter.pid))
                while not os.path.exists("squatter.ready"):
                    time.sleep(0.05)
                print(f"port {port} taken by another program", flush=True)
            serve()
            """;
        using var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = Server + "\n" + Squatting }, "/usr/bin/python3", "[server.py]", "");
        try
        {
            var rolled = await _service.RolloutAsync("r1");

            var port = rolled.GetProperty("ports")[0].GetInt32();
            Assert.Equal("ok", await _service.Http.GetStringAsync(_service.ServiceUrl("/")));
            await serve.TerminateAsync();
            var lost = System.Text.RegularExpressions.Regex.Match(serve.Stdout, @"replica 0 of r1 lost port (\d+) to another program");
            Assert.True(lost.Success, serve.Stdout);
            Assert.NotEqual(int.Parse(lost.Groups[1].Value, CultureInfo.InvariantCulture), port);
        }
        finally
        {
            if (File.Exists(Release("squatter.pid")))
                await SystemCommand.SignalAsync(int.Parse(File.ReadAllText(Release("squatter.pid")).Trim(), CultureInfo.InvariantCulture), "KILL");
        }
    }

    [Fact]
    public async Task Deploy_ContractCheck_RunsTheReleaseWithTheServicesEnvironment_NeverTheDeployers()
    {
        // Asked for its contract, the release notes the variables it was given.
        const string Contract = """
            import hashlib, json, sys
            if "--ballast-contract" in sys.argv:
                open("contract-env.txt", "w").write("\n".join(sorted(os.environ)))
                print(json.dumps({"service": "slow", "env": {"GREETING": {}}, "endpoints": {"ready": "/health", "version": "/version"}}))
                sys.exit(0)

            class Version(Handler):
                def do_GET(self):
                    if self.path != "/version":
                        return Handler.do_GET(self)
                    names = [n for n in ["GREETING"] if os.environ.get(n)]
                    body = json.dumps({"release": os.environ["BALLAST_RELEASE"],
                                       "envFingerprint": hashlib.sha256("\n".join(names).encode()).hexdigest()}).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Version).serve_forever()
            """;
        using var serve = await _service.ServeAsync(new Dictionary<string, string> { ["server.py"] = Server + "\n" + Contract }, "/usr/bin/python3", "[server.py]", "",
            "    env: { GREETING: hello }");

        var deploy = await BallastProcess.RunAsync(_service.Directory, ["deploy", "slow", "--image", "r1", "--config", "ballast.yaml"],
            new Dictionary<string, string> { ["DEPLOYER_TOKEN"] = "the deployer's own secret" });

        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        var given = File.ReadAllLines(Path.Combine(_service.Artifact, "contract-env.txt"));
        Assert.Contains("GREETING", given);
        Assert.Contains("BALLAST_RELEASE", given);
        Assert.DoesNotContain("DEPLOYER_TOKEN", given);
        await serve.TerminateAsync();
    }

    public void Dispose() => _service.Dispose();
}
