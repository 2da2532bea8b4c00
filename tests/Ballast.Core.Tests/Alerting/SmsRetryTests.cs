using Ballast.Core.Alerting;
using Ballast.Core.Config;
using Ballast.Storage;
using Ballast.Storage.Alerting;
using Ballast.Storage.Monitoring;
using Ballast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Ballast.Core.Tests.Alerting;

/// <summary>
/// SMS channels send one request per recipient: when one is refused, the retry (after a restart too) texts only that
/// one. Each channel's local receiver checks nothing but what its service would see.
/// </summary>
public sealed class SmsRetryTests : IAsyncLifetime
{
    private readonly List<AlertingServices> _servers = [];
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);
    private static readonly string[] Recipients = ["+15552223333", "+15554445555", "+15556667777"];
    private readonly FakeTimeProvider _time = new(T0);
    private readonly TempDirectory _dir = new();
    private TestReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await TestReceiver.StartAsync();
    }

    private string Channel(string type) => type switch
    {
        "twilio" => $"{{ type: twilio, account_sid: AC123, auth_token: t0ken, from: '+15550001111', to: [{string.Join(", ", Recipients.Select(r => $"'{r}'"))}], api_url: '{_receiver.Url("/")}' }}",
        "sns" => $"{{ type: sns, region: eu-west-1, access_key_id: AKIDEXAMPLE, secret_access_key: s3cret, to: [{string.Join(", ", Recipients.Select(r => $"'{r}'"))}], api_url: '{_receiver.Url("/")}' }}",
        _ => $"{{ type: sms_webhook, url: '{_receiver.Url("/sms")}', to: [{string.Join(", ", Recipients.Select(r => $"'{r}'"))}] }}",
    };

    /// <summary>A dispatcher over the database file, as a freshly started server would have it.</summary>
    private async Task<(NotificationDispatcher Dispatcher, SqlNotificationStore Store)> StartAsync(string type)
    {
        var dialect = new SqliteDialect(_dir.File("ballast.db"));
        await new SchemaMigrator(dialect).MigrateAsync();
        var store = new SqlNotificationStore(dialect);
        var server = new AlertingServices(store, _time);
        _servers.Add(server);
        var dispatcher = server.Dispatcher;
        dispatcher.Configure(ConfigLoader.Parse($"channels:\n  sms: {Channel(type)}\n", "ballast.yaml").Require());
        return (dispatcher, store);
    }

    private static async Task<Notification> AttemptAsync(NotificationDispatcher dispatcher, SqlNotificationStore store, DateTimeOffset now)
    {
        foreach (var n in await store.DueAsync(now, 10)) await dispatcher.SendAsync(n, CancellationToken.None);
        return Assert.Single(await store.ListAsync());
    }

    private int Texts(string number) => _receiver.Requests.Count(r => r.Body.Contains(number[2..], StringComparison.Ordinal));

    [Theory]
    [InlineData("twilio")]
    [InlineData("sns")]
    [InlineData("sms_webhook")]
    public async Task OneRecipientRefusedOnce_RetryAfterRestart_TextsOnlyThatOne(string type)
    {
        var (dispatcher, store) = await StartAsync(type);
        var item = new AlertItem("i1", "api", "http", Severity.Critical, "[STATUS] == 200 failed: got 503", T0, T0, null, 2, null);
        await store.AddAsync([new Notification("n1", "sms", new AlertMessage(NotificationKind.Firing, [item], "http://127.0.0.1:7700/", T0), "i1",
            NotificationStatus.Pending, 0, T0, T0)]);
        _receiver.Answer(200);
        _receiver.Answer(500, "busy");
        _receiver.Answer(200);

        var first = await AttemptAsync(dispatcher, store, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromMinutes(1));
        (dispatcher, store) = await StartAsync(type);
        var second = await AttemptAsync(dispatcher, store, _time.GetUtcNow());
        _time.Advance(TimeSpan.FromHours(1));
        await AttemptAsync(dispatcher, store, _time.GetUtcNow());

        Assert.Equal((NotificationStatus.Pending, 1), (first.Status, first.Attempts));
        Assert.Equal("+15554445555: 500 Internal Server Error: busy", first.LastError);
        Assert.Equal([Recipients[0], Recipients[2]], first.Accepted);
        Assert.Equal((NotificationStatus.Delivered, 2), (second.Status, second.Attempts));
        Assert.Equal([1, 2, 1], Recipients.Select(Texts));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers) server.Dispose();
        await _receiver.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
