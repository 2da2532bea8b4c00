using System.Net.Sockets;
using System.Text;
using Ballast.Core.Config;

namespace Ballast.Core.Monitoring.Probes;

/// <summary><c>type: tcp</c>: connect; when <c>send</c> or <c>expect</c> is set, talk and keep what the peer says as the body.</summary>
public sealed class TcpProbe(TimeProvider time) : Probe<TcpMonitorConfig>
{
    private const int MaxAnswerBytes = 64 * 1024;

    public override string Type => "tcp";

    protected override async Task<Observation> ProbeAsync(TcpMonitorConfig monitor, CancellationToken cancellationToken)
    {
        var (host, port) = HostPort.Parse(monitor.Target);
        var endpoint = Connections.Endpoint(host, port);
        var timings = new ProbeTimings();
        var start = time.GetTimestamp();
        Socket? socket = null;
        var answer = new StringBuilder();
        try
        {
            socket = await Connections.ConnectAsync(host, port, timings, time, cancellationToken);
            if (monitor.Send is not null || monitor.Expect is not null)
            {
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                if (monitor.Send is not null) await stream.WriteAsync(Encoding.UTF8.GetBytes(monitor.Send), cancellationToken);
                var buffer = new byte[4096];
                var decoder = Encoding.UTF8.GetDecoder();
                var chars = new char[buffer.Length];
                while (answer.Length < MaxAnswerBytes)
                {
                    var read = await stream.ReadAsync(buffer, cancellationToken);
                    if (read == 0) break;
                    if (timings.FirstByte is null) timings.FirstByte = time.GetElapsedTime(start);
                    var n = decoder.GetChars(buffer, 0, read, chars, 0);
                    answer.Append(chars, 0, n);
                    if (monitor.Expect is null || answer.ToString().Contains(monitor.Expect, StringComparison.Ordinal)) break;
                }
            }
            timings.Total = time.GetElapsedTime(start);
            return new Observation { Connected = true, Body = answer.ToString(), ResponseTime = timings.Total, Timings = timings };
        }
        catch (OperationCanceledException) when (socket is not null && cancellationToken.IsCancellationRequested)
        {
            // Connected, but the expected answer never came: judge what did come.
            timings.Total = time.GetElapsedTime(start);
            return new Observation { Connected = true, Body = answer.ToString(), ResponseTime = timings.Total, Timings = timings };
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            timings.Total = time.GetElapsedTime(start);
            return Observation.NoAnswer(NetworkErrors.Describe(e, endpoint, monitor.Timeout, e is OperationCanceledException), timings, timings.Total);
        }
        finally
        {
            socket?.Dispose();
        }
    }
}
