"""A real SMTP server for Ballast's tests: aiosmtpd on 127.0.0.1, storing every message in a Maildir.

Usage: /usr/bin/python3 scripts/smtp_server.py --port PORT --maildir DIR [--tls CERT KEY] [--auth USER:PASSWORD]
--tls offers STARTTLS and requires it; --auth requires AUTH (PLAIN or LOGIN, only after STARTTLS when --tls is given).
Prints "ready" once it accepts connections, and runs until SIGTERM.
"""
import argparse
import os
import signal
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth")
    args = parser.parse_args()

    kwargs = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls[0], args.tls[1])
        kwargs.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticate(server, session, envelope, mechanism, data):
            ok = isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password
            # handled=False: aiosmtpd answers 535 itself (its default, handled=True, would leave the client waiting)
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.tls))

    for sub in ("tmp", "new", "cur"):  # Maildir refuses a folder that exists without them
        os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)
    controller = Controller(Mailbox(args.maildir), hostname="127.0.0.1", port=args.port, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
