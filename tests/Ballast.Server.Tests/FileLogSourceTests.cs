using System.IO.Compression;
using System.Text;
using Ballast.Core.Logs;
using Ballast.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// File sources in a real server on real files: rename rotation, copytruncate, new files matching the glob, gzip'd
/// files skipped, partial lines held, and a restart that resumes from the stored checkpoint. Every test ends with a
/// marker line and compares everything seen with what was written, so a line read twice or lost fails it.
/// </summary>
public sealed class FileLogSourceTests : IDisposable
{
    private const string Monitors = """
          - name: backup
            type: heartbeat
            period: 1h
        """;

    private readonly TempDirectory _logs = new();
    private readonly LineCollector _seen = new();

    private Task<ServerHarness> StartAsync(string glob) => ServerHarness.StartAsync(Monitors, $"""
        logs:
          sources:
            - name: api
              file: {Path.Combine(_logs.Path, glob)}
              poll_interval: 50ms
              labels: {"{"} env: test {"}"}
        """, configureServices: s => s.AddSingleton<ILogObserver>(_seen));

    private void Append(string file, params string[] lines) => File.AppendAllText(_logs.File(file), string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public async Task File_RenameRotation_ReadsTheOldFileToItsEndThenTheNewOne()
    {
        Append("app.log", "one", "two");
        await using var server = await StartAsync("app.log");
        await _seen.SeenAsync("two");

        // The application writes, then logrotate renames and the application opens a new file by the old name.
        Append("app.log", "three", "four");
        File.Move(_logs.File("app.log"), _logs.File("app.log.1"));
        Append("app.log.1", "five"); // written before the application reopened
        Append("app.log", "six", "seven");
        await _seen.SeenAsync("seven");
        Append("app.log", "marker");
        await _seen.SeenAsync("marker");

        Assert.Equal(["one", "two", "three", "four", "five", "six", "seven", "marker"], _seen.Texts);
        Assert.All(_seen.Lines, l => Assert.Equal("test", l.Labels["env"]));
        Assert.Equal(_logs.File("app.log"), _seen.Lines[^1].Labels["file"]);
    }

    [Fact]
    public async Task File_CopyTruncate_StartsAgainFromTheBeginning()
    {
        Append("app.log", "before-1", "before-2", "before-3");
        await using var server = await StartAsync("app.log");
        await _seen.SeenAsync("before-3");

        File.Copy(_logs.File("app.log"), _logs.File("app.log.1"));
        using (var truncate = new FileStream(_logs.File("app.log"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) truncate.SetLength(0);
        Append("app.log", "after-1");
        await _seen.SeenAsync("after-1");
        // Truncated and written past the old offset between two looks: the changed first bytes give it away.
        using (var truncate = new FileStream(_logs.File("app.log"), FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) truncate.SetLength(0);
        Append("app.log", "rewritten with a line longer than everything before it put together", "marker");
        await _seen.SeenAsync("marker");

        Assert.Equal(["before-1", "before-2", "before-3", "after-1", "rewritten with a line longer than everything before it put together", "marker"],
            _seen.Texts);
    }

    [Fact]
    public async Task File_Glob_PicksUpNewFilesAndSkipsGzip()
    {
        Append("a.log", "a-1");
        await using var server = await StartAsync("*.log*");
        await _seen.SeenAsync("a-1");

        await using (var gz = new GZipStream(File.Create(_logs.File("old.log.2.gz")), CompressionLevel.Fastest))
            await gz.WriteAsync(Encoding.UTF8.GetBytes("compressed-1\ncompressed-2\n"));
        Append("b.log", "b-1", "b-2");
        await _seen.SeenAsync("b-2");
        Append("a.log", "marker");
        await _seen.SeenAsync("marker");

        Assert.Equal(["a-1", "b-1", "b-2", "marker"], _seen.Texts);
        Assert.Equal([_logs.File("a.log"), _logs.File("b.log"), _logs.File("b.log"), _logs.File("a.log")], _seen.Lines.Select(l => l.Labels["file"]));
    }

    [Fact]
    public async Task File_PartialLine_HeldUntilItsNewline()
    {
        Append("app.log", "whole");
        await using var server = await StartAsync("app.log");
        await _seen.SeenAsync("whole");

        File.AppendAllText(_logs.File("app.log"), "half of a li");
        File.AppendAllText(_logs.File("app.log"), "ne\r\nnext\n");
        await _seen.SeenAsync("next");

        Assert.Equal(["whole", "half of a line", "next"], _seen.Texts);
    }

    [Fact]
    public async Task File_Restart_ResumesFromTheCheckpointWithoutLossOrRepeat()
    {
        Append("app.log", "run1-1", "run1-2");
        var server = await StartAsync("app.log");
        try
        {
            await _seen.SeenAsync("run1-2");
            File.AppendAllText(_logs.File("app.log"), "run1-par");
            await server.EventuallyAsync("/api/v1/logs/sources", s => s[0].GetProperty("checkpointedLines").GetInt64() == 2);
            await server.RestartAsync();
            File.AppendAllText(_logs.File("app.log"), "tial\nrun2-1\n");
            await _seen.SeenAsync("run2-1");
            var sources = await server.EventuallyAsync("/api/v1/logs/sources", s => s[0].GetProperty("checkpointedLines").GetInt64() == 4);

            Assert.Equal(["run1-1", "run1-2", "run1-partial", "run2-1"], _seen.Texts);
            Assert.Equal("api", sources[0].GetProperty("name").GetString());
            Assert.Equal("file", sources[0].GetProperty("kind").GetString());
            Assert.Equal(2, sources[0].GetProperty("lines").GetInt64()); // since this start
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    public void Dispose() => _logs.Dispose();
}
