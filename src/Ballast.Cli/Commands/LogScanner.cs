using System.Runtime.CompilerServices;
using System.Text;
using Ballast.Core.Config;
using Ballast.Core.Logs;
using Ballast.Core.Logs.Parsing;
using Ballast.Core.Logs.Patterns;
using Ballast.Core.Logs.Rules;

namespace Ballast.Cli.Commands;

/// <summary>A rule event found by a scan, with where in the file its lines are.</summary>
/// <param name="File">The file scanned.</param>
/// <param name="Event">What the rule engine reported.</param>
/// <param name="LineNumbers">The 1-based line number of each of the event's lines, in the same order.</param>
internal sealed record ScanEvent(string File, LogRuleEvent Event, IReadOnlyList<long> LineNumbers);

/// <summary>
/// Runs log rules over one file offline, on the file's own times: the rule engine's clock is the time of the latest
/// line read, so waits and windows fire at the log time they would have fired at live. Lines are judged in UTF-8 by
/// every rule pattern that can (<see cref="LogPattern.TryMatchUtf8"/>); a line no pattern can match is never decoded,
/// except one every <see cref="SampleEvery"/> lines whose time moves the clock on between matches.
/// </summary>
internal sealed class LogScanner
{
    /// <summary>How often a line that matches nothing is still decoded, for its time.</summary>
    public const int SampleEvery = 1024;

    private const int BufferSize = 1 << 20;
    private readonly IReadOnlyList<LogRuleConfig> _rules;
    private readonly LogPattern[] _patterns;
    private readonly bool _everyLine;

    /// <param name="rules">The rules, their sources already cleared or set to <paramref name="source"/>.</param>
    /// <param name="source">The source name the file's lines carry.</param>
    public LogScanner(IReadOnlyList<LogRuleConfig> rules, string source)
    {
        _rules = rules;
        Source = source;
        var patterns = new List<LogPattern>();
        foreach (var rule in rules)
        {
            var texts = rule switch
            {
                ThresholdRuleConfig t => [t.Match],
                SequenceRuleConfig s => [s.First, s.Then],
                AbsenceRuleConfig a => new[] { a.Match },
                _ => [null],
            };
            foreach (var text in texts)
            {
                // An absence rule without a pattern counts every line, and a rule with labels needs them read.
                if (text is null || rule.Labels.Count > 0) _everyLine = true;
                else if (LogPattern.TryParse(text, rule.PatternSyntax, out var pattern, out _)) patterns.Add(pattern);
            }
        }
        _patterns = [.. patterns];
    }

    public string Source { get; }

    /// <summary>
    /// Scans <paramref name="path"/>, reporting each event to <paramref name="report"/> as it is found and the bytes
    /// read so far to <paramref name="progress"/>; returns how many lines were read. After the last line the clock is
    /// moved on by <paramref name="runOn"/>, so waits that would have run out while the file stayed quiet fire.
    /// </summary>
    public long Scan(string path, TimeSpan runOn, Action<ScanEvent> report, Action<long>? progress, CancellationToken ct)
    {
        var numbers = new ConditionalWeakTable<LogLine, StrongBox<long>>();
        var clock = new ScanClock(new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero));
        var listener = new Listener(e => report(new ScanEvent(path, e, [.. e.Lines.Select(l => numbers.TryGetValue(l, out var n) ? n.Value : 0)])));
        var engine = new LogRuleEngine(_rules, clock, listener);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["file"] = path };
        var started = false;

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new byte[BufferSize];
        int filled = 0;
        long lineNumber = 0, sinceSample = 0, read = 0;
        // The line before, when it was skipped: a line without a time of its own (a message under ASP.NET Core's
        // header line, a stack frame) takes the time of the line before it, so that one is read first.
        var previous = new byte[4096];
        var previousLength = -1;
        var previousStart = -1;
        var tail = new byte[8192];
        var tailLength = 0;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var n = stream.Read(buffer, filled, buffer.Length - filled);
            read += n;
            var end = filled + n;
            var start = 0;
            int nl;
            while ((nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
            {
                Line(buffer.AsSpan(start, nl), start);
                start += nl + 1;
            }
            // The last line may lack its newline; a line longer than the buffer is read in pieces.
            if (n == 0 || (start == 0 && end == buffer.Length))
            {
                if (end > start) Line(buffer.AsSpan(start, end - start), -1);
                start = end;
                if (n == 0)
                {
                    LastTimes([.. tail.AsSpan(0, tailLength), .. buffer.AsSpan(0, end)]);
                    break;
                }
            }
            if (previousStart >= 0)
            {
                previousLength = Math.Min(previous.Length, previousLength);
                buffer.AsSpan(previousStart, previousLength).CopyTo(previous);
                previousStart = -1;
            }
            tailLength = Math.Min(tail.Length, start);
            buffer.AsSpan(start - tailLength, tailLength).CopyTo(tail);
            buffer.AsSpan(start, end - start).CopyTo(buffer);
            filled = end - start;
            progress?.Invoke(read);
        }
        progress?.Invoke(read);
        clock.MoveTo(clock.GetUtcNow() + runOn);
        engine.Advance();
        return lineNumber;

        // The file's last lines may have been skipped: their times still move the clock to where the file ends.
        void LastTimes(byte[] tail)
        {
            var from = tail.Length;
            for (var i = 0; i < 8 && from > 0; i++) from = tail.AsSpan(0, Math.Max(0, from - 1)).LastIndexOf((byte)'\n') + 1;
            var last = tail.AsSpan(from).TrimEnd((byte)'\n');
            foreach (var line in last.Split((byte)'\n')) Read(last[line], 0, observe: false);
        }

        void Line(ReadOnlySpan<byte> line, int at)
        {
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            lineNumber++;
            if (Wanted(line))
            {
                if (previousLength >= 0)
                    Read(previousStart >= 0 ? buffer.AsSpan(previousStart, previousLength) : previous.AsSpan(0, previousLength), lineNumber - 1, observe: false);
                Read(line, lineNumber, observe: true);
            }
            else if (++sinceSample >= SampleEvery || !started) Read(line, lineNumber, observe: false);
            else
            {
                (previousStart, previousLength) = at >= 0 ? (at, line.Length) : (-1, -1);
                return;
            }
            (previousStart, previousLength) = (-1, -1);
        }

        void Read(ReadOnlySpan<byte> bytes, long number, bool observe)
        {
            sinceSample = 0;
            var text = Encoding.UTF8.GetString(bytes);
            var line = LogTimes.Parse(Source, text, clock.GetUtcNow(), labels);
            started = true;
            clock.MoveTo(line.Time);
            if (!observe)
            {
                engine.Advance();
                return;
            }
            numbers.AddOrUpdate(line, new StrongBox<long>(number));
            engine.Observe(line);
        }
    }

    // Whether some rule could match: a pattern that cannot judge UTF-8 asks for the line decoded.
    private bool Wanted(ReadOnlySpan<byte> line)
    {
        if (_everyLine) return true;
        foreach (var pattern in _patterns)
            if (!pattern.TryMatchUtf8(line, out var matched) || matched) return true;
        return false;
    }

    private sealed class Listener(Action<LogRuleEvent> report) : ILogRuleListener
    {
        public void OnRuleEvent(LogRuleEvent ruleEvent) => report(ruleEvent);
    }

    /// <summary>The scan's clock: the time of the latest line read, never going back.</summary>
    private sealed class ScanClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        private bool _moved;

        public void MoveTo(DateTimeOffset time)
        {
            // Before the first line the file's modification time stands in; the first line's own time replaces it.
            if (!_moved || time > _now) _now = time;
            _moved = true;
        }

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
