using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Ballast.Core.Logs;
using Ballast.Core.Security;
using Ballast.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;

namespace Ballast.Server.Tests;

/// <summary>
/// POST /loki/api/v1/push with the payloads Loki documents: JSON (plain and gzip'd) and snappy-compressed protobuf,
/// the protobuf built field by field from push.proto's wire numbers with Google's own protobuf runtime, so the
/// server's reader (protobuf-net) is checked against an independent encoder.
/// </summary>
public sealed class LokiPushTests
{
    private const string Push = "/loki/api/v1/push";

    // 2019-10-11T18:23:58Z, the timestamp of Loki's own curl example.
    private static readonly DateTimeOffset Example = DateTimeOffset.FromUnixTimeSeconds(1570818238);

    private static async Task<(ServerHarness Server, RecordingLogIngest Ingest)> StartAsync(string loki = "")
    {
        var ingest = new RecordingLogIngest();
        var sections = loki.Length == 0 ? "" : $"logs:\n  loki:\n{loki}";
        var server = await ServerHarness.StartAsync("  []", sections: sections, configureServices: s => s.AddSingleton<ILogIngest>(ingest));
        return (server, ingest);
    }

    [Fact]
    public async Task Push_DocumentedJson_LinesReachIngestWithLabelsTimeAndMetadata()
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;
        const string body = """
            {"streams": [{"stream": {"job": "api", "replica": "2"},
              "values": [["1570818238000000000", "Starting Nest application"],
                         ["1570818238000000123", "Listening on port 3697\n", {"trace_id": "0242ac120002", "replica": "shadowed"}]]}]}
            """;

        using var answer = await server.Client.PostAsync(Push, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var lines = ingest.Lines;
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal("api", l.Source));
        Assert.Equal("Starting Nest application", lines[0].Text);
        Assert.Equal(Example, lines[0].Time);
        Assert.Equal("2", lines[0].Labels["replica"]);
        Assert.Equal("Listening on port 3697", lines[1].Text);
        Assert.Equal(Example.AddTicks(1), lines[1].Time); // 123 ns, kept to the tick (100 ns)
        Assert.Equal("0242ac120002", lines[1].Labels["trace_id"]);
        Assert.Equal("2", lines[1].Labels["replica"]); // a stream label wins over metadata of the same name
        Assert.Null(Assert.Single(ingest.Batches).Checkpoint);
    }

    [Fact]
    public async Task Push_SnappyProtobuf_LinesReachIngestPerSource()
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;
        var body = Snappier.Snappy.CompressToArray(PushRequest(
            Stream("{job=\"api\", host=\"web-1\", path=\"/var/log/\\\"api\\\".log\"}",
                Entry(1570818238, 5_000, "Starting Nest application", ("trace_id", "abc")),
                Entry(1570818239, 0, "Listening on port 3697")),
            Stream("{job=\"worker\"}", Entry(1570818240, 999_999_999, "job done"))));

        using var answer = await PostAsync(server.Client, body, "application/x-protobuf");

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        var lines = ingest.Lines;
        Assert.Equal(["api", "api", "worker"], lines.Select(l => l.Source));
        Assert.Equal(["Starting Nest application", "Listening on port 3697", "job done"], lines.Select(l => l.Text));
        Assert.Equal(Example.AddTicks(50), lines[0].Time);
        Assert.Equal(Example.AddSeconds(2).AddTicks(9_999_999), lines[2].Time);
        Assert.Equal("web-1", lines[0].Labels["host"]);
        Assert.Equal("/var/log/\"api\".log", lines[0].Labels["path"]);
        Assert.Equal("abc", lines[0].Labels["trace_id"]);
        Assert.False(lines[1].Labels.ContainsKey("trace_id"));
        Assert.Equal(2, ingest.Batches.Count); // one hand-over per source
    }

    [Fact]
    public async Task Push_GzipJson_IsInflated()
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;
        var json = """{"streams":[{"stream":{"job":"api"},"values":[["1570818238000000000","fizzbuzz"]]}]}"""u8.ToArray();
        using var packed = new MemoryStream();
        await using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(json);

        using var answer = await PostAsync(server.Client, packed.ToArray(), "application/json", "gzip");

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("fizzbuzz", Assert.Single(ingest.Lines).Text);
    }

    [Fact]
    public async Task Push_SourceLabelMapAndDefault_NameTheSource()
    {
        var (server, ingest) = await StartAsync("""
                source_label: service_name
                sources: { api-prod: api }
                default_source: unlabelled
            """);
        await using var _ = server;
        const string body = """
            {"streams":[{"stream":{"service_name":"api-prod"},"values":[["1","a"]]},
                        {"stream":{"service_name":"billing"},"values":[["2","b"]]},
                        {"stream":{"job":"api"},"values":[["3","c"]]}]}
            """;

        using var answer = await server.Client.PostAsync(Push, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal(["api:a", "billing:b", "unlabelled:c"], ingest.Lines.Select(l => $"{l.Source}:{l.Text}"));
    }

    [Fact]
    public async Task Push_TokenAsBearerOrBasicPassword_IsAcceptedWithTheResponderRole()
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;
        var shipper = await server.CreateTokenAsync("promtail", Role.Responder);
        var viewer = await server.CreateTokenAsync("wall", Role.Viewer);
        var body = """{"streams":[{"stream":{"job":"api"},"values":[["1570818238000000000","x"]]}]}""";

        using var bearer = server.NewClient(shipper);
        Assert.Equal(HttpStatusCode.NoContent, (await bearer.PostAsync(Push, Json(body))).StatusCode);
        // Promtail's clients: [{ basic_auth: { username: ballast, password: TOKEN } }]
        using var basic = server.NewClient();
        basic.DefaultRequestHeaders.Authorization = Basic("ballast", shipper);
        Assert.Equal(HttpStatusCode.NoContent, (await basic.PostAsync(Push, Json(body))).StatusCode);
        Assert.Equal(2, ingest.Lines.Count);

        using var small = server.NewClient(viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await small.PostAsync(Push, Json(body))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Stranger.PostAsync(Push, Json(body))).StatusCode);
        using var wrong = server.NewClient();
        wrong.DefaultRequestHeaders.Authorization = Basic("ballast", "blt_not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync(Push, Json(body))).StatusCode);
        // Basic is for shippers on the push route only: the rest of the API does not take it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/api/v1/monitors")).StatusCode);
        Assert.Equal(2, ingest.Lines.Count);
    }

    public static TheoryData<string, string, string?, string> Malformed()
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes);
        var goodProto = PushRequest(Stream("{job=\"api\"}", Entry(1, 0, "x")));
        return new()
        {
            { "application/json", B64("{\"streams\": [{\"stream\": {\"job\": \"api\"}, \"values\": [[\"1\", \"x\"]"u8.ToArray()), null, "the body is not JSON (line 1" },
            { "application/json", B64("not json"u8.ToArray()), null, "not JSON" },
            { "application/json", B64("{\"streams\":{}}"u8.ToArray()), null, "streams: expected an array" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"job\":\"api\"},\"values\":[[1570818238000000000,\"x\"]]}]}"u8.ToArray()), null,
                "streams[0].values[0][0]: expected the timestamp as a string" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"job\":\"api\"},\"values\":[[\"2019-10-11T18:23:58Z\",\"x\"]]}]}"u8.ToArray()), null,
                "is not a timestamp" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"job\":\"api\"},\"values\":[[\"-5\",\"x\"]]}]}"u8.ToArray()), null, "is not a timestamp" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"job\":\"api\"},\"values\":[[\"99999999999999999999\",\"x\"]]}]}"u8.ToArray()), null,
                "beyond the year 9999" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"job\":7},\"values\":[]}]}"u8.ToArray()), null, "streams[0].stream.job: expected a string" },
            { "application/json", B64("{\"streams\":[{\"stream\":{\"host\":\"a\"},\"values\":[[\"1\",\"x\"]]}]}"u8.ToArray()), null, "has no job label" },
            { "application/json", B64("not gzip"u8.ToArray()), "gzip", "not valid gzip" },
            { "application/x-protobuf", B64(goodProto), null, "not block-format Snappy" },
            { "application/x-protobuf", B64([0x05, 0x10, 0xff, 0xff, 0xff]), null, "not block-format Snappy" },
            { "application/x-protobuf", B64(Snappier.Snappy.CompressToArray([0x0a, 0x20, 0x0a, 0x05])), null, "not a Loki PushRequest" },
            { "application/x-protobuf", B64(Snappier.Snappy.CompressToArray(PushRequest(Stream("job=api", Entry(1, 0, "x"))))), null,
                "streams[0].labels: \"job=api\" is not a label set" },
            { "application/x-protobuf", B64(Snappier.Snappy.CompressToArray(PushRequest(Stream("{job=\"api\"}", Entry(-1, 0, "x"))))), null,
                "streams[0].entries[0].timestamp: -1 seconds is outside 1970..9999" },
            { "application/x-protobuf", B64(Snappier.Snappy.CompressToArray(PushRequest(Stream("{job=\"api\"}", Entry(1, 1_000_000_000, "x"))))), null,
                "nanos 1000000000 is outside" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Push_Malformed_Answers400SayingWhereAndServerKeepsServing(string contentType, string base64, string? encoding, string expected)
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;

        using var answer = await PostAsync(server.Client, Convert.FromBase64String(base64), contentType, encoding);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Empty(ingest.Lines);
        var good = Snappier.Snappy.CompressToArray(PushRequest(Stream("{job=\"api\"}", Entry(1570818238, 0, "still here"))));
        using var after = await PostAsync(server.Client, good, "application/x-protobuf");
        Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        Assert.Equal("still here", Assert.Single(ingest.Lines).Text);
    }

    [Fact]
    public async Task Push_OtherContentType_Answers415()
    {
        var (server, ingest) = await StartAsync();
        await using var _ = server;

        using var answer = await server.Client.PostAsync(Push, new StringContent("job=api x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.StatusCode);
        Assert.Empty(ingest.Lines);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body, string contentType, string? encoding = null)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (encoding is not null) content.Headers.ContentEncoding.Add(encoding);
        return client.PostAsync(Push, content);
    }

    // logproto.PushRequest { repeated StreamAdapter streams = 1; }
    private static byte[] PushRequest(params byte[][] streams) => Message(o =>
    {
        foreach (var stream in streams) Field(o, 1, stream);
    });

    // logproto.StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; }
    private static byte[] Stream(string labels, params byte[][] entries) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(labels);
        foreach (var entry in entries) Field(o, 2, entry);
    });

    // logproto.EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
    private static byte[] Entry(long seconds, int nanos, string line, params (string Name, string Value)[] metadata) => Message(o =>
    {
        Field(o, 1, new Timestamp { Seconds = seconds, Nanos = nanos }.ToByteArray());
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        o.WriteString(line);
        foreach (var (name, value) in metadata)
            Field(o, 3, Message(p =>
            {
                p.WriteTag(1, WireFormat.WireType.LengthDelimited);
                p.WriteString(name);
                p.WriteTag(2, WireFormat.WireType.LengthDelimited);
                p.WriteString(value);
            }));
    });

    private static void Field(CodedOutputStream output, int number, byte[] message)
    {
        output.WriteTag(number, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        write(output);
        output.Flush();
        return buffer.ToArray();
    }
}
