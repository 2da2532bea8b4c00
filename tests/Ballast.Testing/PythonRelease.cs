namespace Ballast.Testing;

/// <summary>
/// Process releases written as small Python HTTP services: a server on <c>$PORT</c> that answers every GET as the
/// test's <c>answer(path)</c> says, and, when the test gives one, a contract printed for
/// <c>--ballast-contract</c>. Like a real release it knows only its environment (BALLAST_RELEASE, BALLAST_COMMIT...).
/// </summary>
public static class PythonRelease
{
    /// <summary>
    /// A release whose /version reports what its environment tells it (release, commit, and the fingerprint of a
    /// contract with no variables), "ok" on any other path, and a contract for the service named by <c>$SERVICE</c>
    /// (default "slow").
    /// </summary>
    public static readonly string Versioned = Script("""
        def answer(path):
            if path != "/version":
                return b"ok"
            return json.dumps({"release": release, "commit": os.environ.get("BALLAST_COMMIT"),
                               "envFingerprint": hashlib.sha256(b"").hexdigest()}).encode()
        """, contract: """{"service": os.environ.get("SERVICE", "slow"), "env": {}, "endpoints": {"ready": "/health", "version": "/version"}}""");

    /// <param name="answer">
    /// Python defining <c>answer(path)</c>, which returns the answer to a GET of path: its body (bytes, status 200), or
    /// a tuple (status, headers, body).
    /// </param>
    /// <param name="contract">A Python expression for the contract printed for <c>--ballast-contract</c>; none when null.</param>
    public static string Script(string answer, string? contract = null)
    {
        var contractAnswer = contract is null ? "" : $"if \"--ballast-contract\" in sys.argv:\n    print(json.dumps({contract}))\n    sys.exit(0)\n";
        return $$"""
        import hashlib, json, os, sys, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        from urllib.parse import urlparse, parse_qs

        release = os.environ.get("BALLAST_RELEASE", "")
        {{contractAnswer}}
        {{answer}}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                reply = answer(self.path)
                status, headers, body = reply if isinstance(reply, tuple) else (200, {}, reply)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """;
    }
}
