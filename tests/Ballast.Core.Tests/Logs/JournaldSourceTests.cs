using System.Text.Json;
using System.Text.Json.Nodes;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Streams;
using Ballast.Core.Supervision;
using Ballast.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ballast.Core.Tests.Logs;

/// <summary>
/// The journald source against the stand-in journalctl (tests/tools/journalctl), which prints entries in the
/// documented <c>-o json</c> format from a journal file the test writes, honours --after-cursor and --lines=0, and ends
/// a run on demand as a killed journalctl would.
/// </summary>
public sealed class JournaldSourceTests : IDisposable
{
    private const string Unit = "api.service";
    private readonly TempDirectory _state = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private int _seq;

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task Follow_NewEntriesOfTheUnit_BecomeLinesWithTimeLabelsAndTheCursorAsCheckpoint()
    {
        Append("old entry, before Ballast started");
        var ingest = new RecordingLogIngest();
        var source = Source(ingest);
        var run = Supervise(source);

        await WaitForRunsAsync(1);
        Append("Starting Nest application", priority: 6, pid: 4242, micros: 1765180800123456);
        Append("a neighbour's line", unit: "cron.service");
        // A MESSAGE that is not UTF-8 comes as its bytes, as numbers.
        AppendRaw(new JournalFields(Unit, 3, 4242, 1765180801000000), message: new JsonArray(0x63, 0x61, 0x66, 0xc3, 0x28));
        Append("Nest can't resolve dependencies of the RedisService\n", priority: 3, pid: 4242, micros: 1765180802000000);

        var lines = await ingest.WaitForLinesAsync(3);
        Assert.Equal(["Starting Nest application", "caf\uFFFD(", "Nest can't resolve dependencies of the RedisService"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal("api", l.Source));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1765180800123).AddTicks(4560), lines[0].Time);
        Assert.Equal("4242", lines[0].Labels["pid"]);
        Assert.Equal("api.service", lines[0].Labels["unit"]);
        Assert.Equal("info", lines[0].Labels["level"]);
        Assert.Equal("err", lines[2].Labels["level"]);
        Assert.Equal("web-1", lines[2].Labels["host"]);
        Assert.Equal(Cursor(_seq), ingest.Checkpoint(source.CheckpointKey)?.Position);
        Assert.Equal(["-o", "json", "-f", "-u", Unit, "--lines=0"], Runs()[0]);
        await StopAsync(run);
    }

    [Fact]
    public async Task JournalctlExits_IsRestartedAfterTheLastCursor_WithoutLossOrRepeat()
    {
        var ingest = new RecordingLogIngest();
        var source = Source(ingest);
        var run = Supervise(source);
        await WaitForRunsAsync(1);
        Append("line 1");
        Append("line 2");
        await ingest.WaitForLinesAsync(2);

        File.WriteAllText(_state.File("exit"), "");
        Append("line 3");
        Append("line 4");
        var lines = await ingest.WaitForLinesAsync(4);
        Append("line 5");
        lines = await ingest.WaitForLinesAsync(5);

        Assert.Equal(["line 1", "line 2", "line 3", "line 4", "line 5"], lines.Select(l => l.Text));
        var runs = Runs();
        Assert.True(runs.Count >= 2, $"journalctl ran {runs.Count} time(s)");
        var resumedAt = runs[1][^1];
        Assert.Equal("--after-cursor", runs[1][^2]);
        Assert.Contains(resumedAt, new[] { Cursor(2), Cursor(3), Cursor(4) });
        await StopAsync(run);
    }

    [Fact]
    public async Task StoredCheckpoint_ResumesAfterIt()
    {
        Append("seen before the restart");
        Append("missed while Ballast was down");
        var ingest = new RecordingLogIngest(new LogCheckpoint($"journald:api:{Unit}", Cursor(1)));
        var source = Source(ingest);
        var run = Supervise(source);

        var lines = await ingest.WaitForLinesAsync(1);
        Append("after the restart");
        lines = await ingest.WaitForLinesAsync(2);

        Assert.Equal(["missed while Ballast was down", "after the restart"], lines.Select(l => l.Text));
        Assert.Equal(["-o", "json", "-f", "-u", Unit, "--after-cursor", Cursor(1)], Runs()[0]);
        await StopAsync(run);
    }

    private JournaldSource Source(RecordingLogIngest ingest) => new("api",
        new JournaldStreamConfig { Unit = Unit, Command = Repository.Path("tests", "tools", "journalctl") }, ingest, NullLogger.Instance,
        new Dictionary<string, string?> { ["JOURNAL_STANDIN_STATE"] = _state.Path });

    private Task Supervise(JournaldSource source)
    {
        var supervisor = new LoopSupervisor(TimeProvider.System, NullLogger<LoopSupervisor>.Instance);
        return supervisor.RunAsync("log stream api", source.RunAsync, _stop.Token);
    }

    private async Task StopAsync(Task run)
    {
        await _stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private List<string[]> Runs() => File.Exists(_state.File("runs.jsonl"))
        ? File.ReadAllLines(_state.File("runs.jsonl")).Select(l => JsonSerializer.Deserialize<string[]>(l)!).ToList()
        : [];

    private async Task WaitForRunsAsync(int count)
    {
        using var watcher = new FileSystemWatcher(_state.Path, "runs.jsonl") { EnableRaisingEvents = true };
        var changed = new TaskCompletionSource();
        watcher.Changed += (_, _) => changed.TrySetResult();
        watcher.Created += (_, _) => changed.TrySetResult();
        while (Runs().Count < count)
        {
            await changed.Task.WaitAsync(TimeSpan.FromSeconds(15));
            changed = new TaskCompletionSource();
        }
    }

    private static string Cursor(int seq) =>
        $"s=739ad463348b4ceca5a9e69c95a3c93f;i={seq:x};b=6c7c6013a8674fdb8fa9a9d8d7bf5a1b;m={0xba4b03a + seq:x};t={0x5a4ae9d8dc1b8 + seq:x};x=e0de1fa3a0a3c2bf";

    private sealed record JournalFields(string Unit, int Priority, int Pid, long Micros);

    private void Append(string message, string unit = Unit, int priority = 6, int pid = 4242, long micros = 1765180800000000) =>
        AppendRaw(new JournalFields(unit, priority, pid, micros), message: JsonValue.Create(message));

    // The fields journalctl -o json prints for a service's stdout line (systemd.journal-fields(7)), values as strings.
    private void AppendRaw(JournalFields fields, JsonNode? message)
    {
        var seq = ++_seq;
        var entry = new JsonObject
        {
            ["__CURSOR"] = Cursor(seq),
            ["__REALTIME_TIMESTAMP"] = fields.Micros.ToString(),
            ["__MONOTONIC_TIMESTAMP"] = (195342394 + seq).ToString(),
            ["_BOOT_ID"] = "6c7c6013a8674fdb8fa9a9d8d7bf5a1b",
            ["PRIORITY"] = fields.Priority.ToString(),
            ["SYSLOG_FACILITY"] = "3",
            ["SYSLOG_IDENTIFIER"] = "node",
            ["_TRANSPORT"] = "stdout",
            ["_UID"] = "998",
            ["_GID"] = "998",
            ["_COMM"] = "node",
            ["_EXE"] = "/usr/bin/node",
            ["_CMDLINE"] = "node dist/main.js",
            ["_PID"] = fields.Pid.ToString(),
            ["_HOSTNAME"] = "web-1",
            ["_MACHINE_ID"] = "2f1a3b7c9d8e4f60a1b2c3d4e5f60718",
            ["_SYSTEMD_CGROUP"] = $"/system.slice/{fields.Unit}",
            ["_SYSTEMD_UNIT"] = fields.Unit,
            ["_SYSTEMD_SLICE"] = "system.slice",
            ["_SYSTEMD_INVOCATION_ID"] = "b1c4e0f6a2d94c3e8f7a6b5c4d3e2f10",
            ["_STREAM_ID"] = "a0f5e6d7c8b94a3b2c1d0e9f8a7b6c5d",
            ["MESSAGE"] = message,
        };
        File.AppendAllText(_state.File("journal.jsonl"), entry.ToJsonString() + "\n");
    }
}
