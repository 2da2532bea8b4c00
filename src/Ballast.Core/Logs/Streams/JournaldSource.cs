using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Ballast.Core.Config;
using CliWrap;
using Microsoft.Extensions.Logging;

namespace Ballast.Core.Logs.Streams;

/// <summary>
/// Follows a systemd unit's journal: runs <c>journalctl -o json -f -u UNIT</c> and hands each entry's <c>MESSAGE</c>
/// on with its time (<c>__REALTIME_TIMESTAMP</c>), and labels unit, pid, priority and host. Each batch carries the
/// last entry's <c>__CURSOR</c> as its checkpoint, and a run starts <c>--after-cursor</c> it, so a restart (of Ballast
/// or of journalctl) neither loses nor repeats an entry. When journalctl exits, <see cref="RunAsync"/> throws, and the
/// <see cref="Supervision.LoopSupervisor"/> running it starts it again after its backoff.
/// </summary>
public sealed partial class JournaldSource(string name, JournaldStreamConfig config, ILogIngest ingest, ILogger log,
    IReadOnlyDictionary<string, string?>? environment = null)
{
    /// <summary>The most entries handed over in one batch.</summary>
    public const int MaxBatch = 512;

    /// <summary>The checkpoint key of the stream, e.g. <c>journald:api:api.service</c>.</summary>
    public string CheckpointKey => $"journald:{name}:{config.Unit}";

    /// <summary>The arguments of a run resuming after <paramref name="cursor"/>, or from now when there is none.</summary>
    public static IReadOnlyList<string> Arguments(string unit, string? cursor) =>
        cursor is null ? ["-o", "json", "-f", "-u", unit, "--lines=0"] : ["-o", "json", "-f", "-u", unit, "--after-cursor", cursor];

    /// <summary>One run of journalctl, until it exits (an exception: the supervisor restarts it) or the token stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cursor = (await ingest.LoadCheckpointAsync(CheckpointKey, cancellationToken))?.Position;
        var lines = Channel.CreateBounded<string>(new BoundedChannelOptions(4 * MaxBatch) { SingleReader = true, SingleWriter = true });
        var stderr = new StringBuilder();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var command = Cli.Wrap(config.Command)
            .WithArguments(Arguments(config.Unit, cursor))
            .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
            .WithValidation(CommandResultValidation.None)
            // Waiting to write holds journalctl back while ingest is slow, rather than holding its output in memory.
            | (PipeTarget.Create(async (stream, token) =>
            {
                using var reader = new StreamReader(stream, Encoding.UTF8);
                while (await reader.ReadLineAsync(token) is { } line) await lines.Writer.WriteAsync(line, token);
            }), PipeTarget.ToStringBuilder(stderr));
        LogStarted(log, name, config.Unit, cursor ?? "now");
        var run = RunChildAsync(command, lines.Writer, stop.Token);
        try
        {
            await ReadAsync(lines.Reader, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
        cancellationToken.ThrowIfCancellationRequested();
        var exit = await run;
        throw new JournaldExitedException($"{config.Command} for {config.Unit} exited with code {exit}"
                                          + (stderr.Length > 0 ? $": {stderr.ToString().Trim()}" : ""));
    }

    private static async Task<int> RunChildAsync(Command command, ChannelWriter<string> lines, CancellationToken cancellationToken)
    {
        try
        {
            return (await command.ExecuteAsync(cancellationToken)).ExitCode;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        finally
        {
            lines.TryComplete();
        }
    }

    private async Task ReadAsync(ChannelReader<string> reader, CancellationToken cancellationToken)
    {
        var batch = new List<LogLine>(MaxBatch);
        while (await reader.WaitToReadAsync(cancellationToken))
        {
            string? cursor = null;
            while (batch.Count < MaxBatch && reader.TryRead(out var json))
                if (JournalEntry.TryRead(json, name, config.Unit, out var line, out var entryCursor, out var problem))
                {
                    batch.Add(line);
                    cursor = entryCursor ?? cursor;
                }
                else LogUnreadable(log, name, problem);
            if (batch.Count == 0) continue;
            await ingest.IngestAsync(batch.ToArray(), cursor is null ? null : new LogCheckpoint(CheckpointKey, cursor), cancellationToken);
            batch.Clear();
        }
    }

    [LoggerMessage(EventId = Diagnostics.LogEvents.LogStreams.JournaldStarted, Level = LogLevel.Information,
        Message = "log stream {Source}: following the journal of {Unit} from {Cursor}")]
    private static partial void LogStarted(ILogger logger, string source, string unit, string cursor);

    [LoggerMessage(EventId = Diagnostics.LogEvents.LogStreams.JournaldUnreadable, Level = LogLevel.Warning,
        Message = "log stream {Source}: skipped a journal entry: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string source, string problem);
}

/// <summary>journalctl ended, which it does not on its own while following: the journal or the unit is gone, or it was killed.</summary>
public sealed class JournaldExitedException(string message) : Exception(message);
