using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ballast.Testing;

/// <summary>
/// What a server under test watches and tells: a target whose <c>/health</c> answers the <see cref="Status"/> the test
/// sets (200 until it fails it), and a webhook receiver that every alert goes to at once (<see cref="Alerting"/>).
/// </summary>
public sealed class TargetWithAlerts : IAsyncDisposable
{
    private readonly StrongBox<int> _status;

    private TargetWithAlerts(StrongBox<int> status, TestWebServer target, TestReceiver receiver)
    {
        _status = status;
        Target = target;
        Receiver = receiver;
    }

    /// <summary>The target's server.</summary>
    public TestWebServer Target { get; }

    /// <summary>Where the alerts arrive, at <c>/hooks</c>.</summary>
    public TestReceiver Receiver { get; }

    /// <summary>What <c>/health</c> answers: 503 fails a monitor of it, 200 brings it back.</summary>
    public int Status { get => Volatile.Read(ref _status.Value); set => Volatile.Write(ref _status.Value, value); }

    /// <summary>The target's <c>/health</c>.</summary>
    public Uri Health => Target.Url("/health");

    /// <summary>The <c>channels:</c> and <c>alerting:</c> sections: one webhook channel, <c>hooks</c>, for every alert, no grouping wait.</summary>
    public string Alerting => $$"""
        channels:
          hooks: { type: webhook, url: "{{Receiver.Url("/hooks")}}" }
        alerting:
          group_wait: 0s
          routes:
            - channels: [hooks]
        """;

    /// <param name="routes">More endpoints of the target, beside <c>/health</c>.</param>
    public static async Task<TargetWithAlerts> StartAsync(Action<WebApplication>? routes = null)
    {
        var status = new StrongBox<int>(200);
        var target = await TestWebServer.StartAsync(app =>
        {
            app.MapGet("/health", () => Results.StatusCode(Volatile.Read(ref status.Value)));
            routes?.Invoke(app);
        });
        try
        {
            return new TargetWithAlerts(status, target, await TestReceiver.StartAsync());
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await Target.DisposeAsync();
    }
}
