using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;

namespace Ballast.Server.Logs;

/// <summary>
/// Follows the files a <c>logs.sources</c> entry's glob matches. Files are tracked by identity (device and inode), not
/// by name: a file renamed away by rotation stays open and is read to its end before it is let go, a new file at the
/// old name is a new file from offset 0, and a file that shrank (copytruncate) or whose first bytes changed is read
/// again from 0. Only complete lines are handed on; a partial last line waits for its newline (a rotated file's last
/// partial line is handed when the file is let go). Each batch goes to the hub with a checkpoint under the file's
/// identity: the offset after the batch and a hash of the file's first bytes, which tells a reused inode from the file
/// that was checkpointed. Polls every <see cref="LogSourceConfig.PollInterval"/>; file system events only wake it sooner.
/// </summary>
internal sealed partial class FileLogSource(LogSourceConfig config, ILogIngest ingest, TimeProvider time, ILogger log) : IDisposable
{
    /// <summary>Lines per batch handed to the hub (and so per checkpoint write).</summary>
    public const int BatchLines = 1000;

    /// <summary>A line longer than this is handed in pieces rather than held forever.</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>How many of a file's first bytes tell it from another that got the same inode.</summary>
    private const int FingerprintBytes = 256;

    /// <summary>Polls a rotated file must stay unchanged before it is let go (the writer may not have reopened yet).</summary>
    private const int IdlePollsBeforeRelease = 2;

    private readonly Dictionary<FileIdentity, TrackedFile> _files = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly string _folder = Path.GetDirectoryName(Path.GetFullPath(config.File!))!;
    private readonly string _pattern = Path.GetFileName(config.File!);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var watcher = Watch();
        Task? woken = null;
        while (true)
        {
            await PollAsync(cancellationToken);
            woken ??= _wake.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(Task.Delay(config.PollInterval, time, cancellationToken), woken);
            cancellationToken.ThrowIfCancellationRequested();
            if (woken.IsCompleted)
            {
                _wake.Reader.TryRead(out _);
                woken = null;
            }
        }
    }

    /// <summary>One look at the folder: new files opened, every tracked file read to its end, rotated ones let go.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var current = new HashSet<FileIdentity>();
        foreach (var path in Matching())
        {
            if (FileIdentity.Of(path) is not { } id) continue; // gone between the listing and the look
            current.Add(id);
            if (_files.TryGetValue(id, out var known)) known.Path = path;
            else if (await OpenAsync(path, id, cancellationToken) is { } opened) _files[id] = opened;
        }
        // Files that left the glob (renamed by rotation, deleted) hold the older lines: they are read first.
        foreach (var file in _files.Values.Where(f => !current.Contains(f.Id)).ToArray())
        {
            var read = await ReadAsync(file, cancellationToken);
            file.IdlePolls = read ? 0 : file.IdlePolls + 1;
            if (file.IdlePolls >= IdlePollsBeforeRelease)
            {
                await FlushPartialAsync(file, cancellationToken);
                Log.FileGone(log, config.Name, file.Path);
                _files.Remove(file.Id);
                file.Dispose();
            }
        }
        foreach (var file in _files.Values.Where(f => current.Contains(f.Id)).OrderBy(f => f.Path, StringComparer.Ordinal).ToArray())
            await ReadAsync(file, cancellationToken);
    }

    private IEnumerable<string> Matching()
    {
        if (!Directory.Exists(_folder)) return [];
        return Directory.EnumerateFiles(_folder, _pattern, new EnumerationOptions { MatchCasing = MatchCasing.CaseSensitive, MatchType = MatchType.Simple })
            .Where(p => !p.EndsWith(".gz", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    private async Task<TrackedFile?> OpenAsync(string path, FileIdentity id, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.FileUnreadable(log, config.Name, path, e.Message);
            return null;
        }
        if (FileIdentity.Of(stream.SafeFileHandle, path) != id)
        {
            // Replaced between the look and the open: the next poll sees the new file under its own identity.
            await stream.DisposeAsync();
            return null;
        }
        var file = new TrackedFile(id, path, stream, $"file:{config.Name}:{id}");
        if (await ingest.LoadCheckpointAsync(file.Key, cancellationToken) is { } checkpoint
            && Position.TryParse(checkpoint.Position, out var position)
            && position.Offset <= stream.Length
            && Fingerprint(stream, position.FingerprintLength) == position.Fingerprint)
        {
            file.Offset = position.Offset;
            (file.FingerprintLength, file.Fingerprint) = (position.FingerprintLength, position.Fingerprint);
        }
        Log.FileOpened(log, config.Name, path, file.Offset);
        return file;
    }

    /// <summary>Reads <paramref name="file"/> from its offset to its end; true when it changed since the last look.</summary>
    private async Task<bool> ReadAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        var stream = file.Stream;
        var length = stream.Length;
        var changed = length != file.SeenLength;
        if (length < file.Offset || (file.FingerprintLength > 0 && length != file.SeenLength && Fingerprint(stream, file.FingerprintLength) != file.Fingerprint))
        {
            Log.FileTruncated(log, config.Name, file.Path, file.Offset, length);
            file.Offset = 0;
            file.FingerprintLength = 0;
        }
        file.SeenLength = length;
        if (length == file.Offset || !changed) return changed;
        if (file.FingerprintLength < FingerprintBytes && length > file.FingerprintLength)
        {
            file.FingerprintLength = (int)Math.Min(FingerprintBytes, length);
            file.Fingerprint = Fingerprint(stream, file.FingerprintLength);
        }

        var buffer = file.Buffer;
        var lines = new List<LogLine>(BatchLines);
        var start = file.Offset; // the first byte of the line being collected
        var pending = 0; // bytes of that line in the buffer
        stream.Position = file.Offset;
        while (true)
        {
            if (pending == buffer.Length)
            {
                // A line as long as the buffer is handed in pieces: a file without newlines cannot hold memory forever.
                lines.Add(Line(file, buffer.AsSpan(0, pending)));
                start += pending;
                pending = 0;
            }
            var read = await stream.ReadAsync(buffer.AsMemory(pending), cancellationToken);
            if (read == 0) break;
            var scan = pending;
            pending += read;
            int newline;
            var consumed = 0;
            while ((newline = buffer.AsSpan(scan, pending - scan).IndexOf((byte)'\n')) >= 0)
            {
                var end = scan + newline;
                lines.Add(Line(file, buffer.AsSpan(consumed, end - consumed)));
                consumed = scan = end + 1;
                if (lines.Count == BatchLines)
                {
                    await HandAsync(file, lines, start + consumed, cancellationToken);
                    lines.Clear();
                }
            }
            start += consumed;
            buffer.AsSpan(consumed, pending - consumed).CopyTo(buffer);
            pending -= consumed;
        }
        if (lines.Count > 0) await HandAsync(file, lines, start, cancellationToken);
        return changed;
    }

    private async Task FlushPartialAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        var rest = file.Stream.Length - file.Offset;
        if (rest <= 0 || rest > MaxLineBytes) return;
        var bytes = new byte[rest];
        file.Stream.Position = file.Offset;
        await file.Stream.ReadExactlyAsync(bytes, cancellationToken);
        await HandAsync(file, [Line(file, bytes)], file.Offset + rest, cancellationToken);
    }

    private async Task HandAsync(TrackedFile file, List<LogLine> lines, long offset, CancellationToken cancellationToken)
    {
        var position = new Position(offset, file.FingerprintLength, file.Fingerprint);
        await ingest.IngestAsync(lines.ToArray(), new LogCheckpoint(file.Key, position.ToString()), cancellationToken);
        file.Offset = offset;
    }

    private LogLine Line(TrackedFile file, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        var labels = new Dictionary<string, string>(config.Labels, StringComparer.Ordinal) { ["file"] = file.Path };
        return LogTimes.Parse(config.Name, Encoding.UTF8.GetString(bytes), time.GetUtcNow(), labels);
    }

    private static string Fingerprint(FileStream stream, int length)
    {
        if (length == 0) return "";
        var bytes = new byte[length];
        stream.Position = 0;
        var read = stream.ReadAtLeast(bytes, length, throwOnEndOfStream: false);
        return read < length ? "short" : Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8));
    }

    private FileSystemWatcher? Watch()
    {
        try
        {
            if (!Directory.Exists(_folder)) return null;
            var watcher = new FileSystemWatcher(_folder, _pattern) { NotifyFilter = NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.LastWrite };
            FileSystemEventHandler wake = (_, _) => _wake.Writer.TryWrite(true);
            watcher.Changed += wake;
            watcher.Created += wake;
            watcher.Renamed += (_, _) => _wake.Writer.TryWrite(true);
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            return null; // out of inotify watches, say: polling alone still finds everything
        }
    }

    public void Dispose()
    {
        foreach (var file in _files.Values) file.Dispose();
        _files.Clear();
    }

    private sealed class TrackedFile(FileIdentity id, string path, FileStream stream, string key) : IDisposable
    {
        public FileIdentity Id { get; } = id;
        public string Path { get; set; } = path;
        public FileStream Stream { get; } = stream;
        public string Key { get; } = key;
        public byte[] Buffer { get; } = new byte[MaxLineBytes];
        public long Offset { get; set; }
        public long SeenLength { get; set; } = -1;
        public int FingerprintLength { get; set; }
        public string Fingerprint { get; set; } = "";
        public int IdlePolls { get; set; }

        public void Dispose() => Stream.Dispose();
    }

    /// <summary>A file checkpoint's position: <c>OFFSET:FINGERPRINT_LENGTH:FINGERPRINT</c>.</summary>
    private readonly record struct Position(long Offset, int FingerprintLength, string Fingerprint)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Offset}:{FingerprintLength}:{Fingerprint}");

        public static bool TryParse(string text, out Position position)
        {
            position = default;
            var parts = text.Split(':', 3);
            if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length)) return false;
            position = new Position(offset, length, parts[2]);
            return true;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Core.Diagnostics.LogEvents.LogSources.FileOpened, LogLevel.Information, "Log source {Source} follows {Path} from offset {Offset}")]
        public static partial void FileOpened(ILogger logger, string source, string path, long offset);

        [LoggerMessage(Core.Diagnostics.LogEvents.LogSources.FileTruncated, LogLevel.Information, "Log source {Source}: {Path} was truncated or replaced in place (offset {Offset}, now {Length} bytes); reading it from the start")]
        public static partial void FileTruncated(ILogger logger, string source, string path, long offset, long length);

        [LoggerMessage(Core.Diagnostics.LogEvents.LogSources.FileGone, LogLevel.Information, "Log source {Source} read rotated {Path} to its end and let it go")]
        public static partial void FileGone(ILogger logger, string source, string path);

        [LoggerMessage(Core.Diagnostics.LogEvents.LogSources.FileUnreadable, LogLevel.Warning, "Log source {Source} cannot read {Path}: {Error}")]
        public static partial void FileUnreadable(ILogger logger, string source, string path, string error);
    }
}
