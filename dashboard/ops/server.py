"""serve: the web process (Flask + Dash + Socket.IO; threading mode with simple-websocket unless
DASHBOARD_ASYNC_MODE picks gevent or eventlet)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from dashboard.core.config import Settings, _host, _port
from dashboard.ops.worker import configure_logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of serve."""
    parser.add_argument("--host", help="address to listen on (default DASHBOARD_HOST or 127.0.0.1)")
    parser.add_argument("--port", help="port to listen on (default DASHBOARD_PORT or 8050)")
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request")


class _CloseFrameNoise(logging.Filter):
    """Drop Werkzeug's 400 for a browser's WebSocket close frame: once simple-websocket has ended a
    socket, the close frame still in flight is read as a (malformed) next HTTP request."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("code 400" in message and ("Bad request" in message or "Bad HTTP/0.9" in message))


def display_url(host: str, port: int) -> str:
    """The URL to print for people (a wildcard address is reached through loopback)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


# gevent and eventlet must patch the standard library before sockets, threads and locks are imported.
_PATCH = {"gevent": "from gevent import monkey\nmonkey.patch_all()",
          "eventlet": "import eventlet\neventlet.monkey_patch()"}
_PATCHED_ENV = "DASHBOARD_ASYNC_PATCHED"


def _restart_patched(mode: str) -> None:
    """The command line has imported those by now: replace this process (same pid) with one that
    patches first and then runs the same command."""
    boot = (_PATCH[mode] + "\nimport runpy, sys\nsys.argv[0] = 'dashboard'\n"
            "runpy.run_module('dashboard', run_name='__main__')")
    os.environ[_PATCHED_ENV] = mode
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", boot, *sys.argv[1:]])


def main(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGINT or SIGTERM."""
    if settings.async_mode != "threading" and os.environ.get(_PATCHED_ENV) != settings.async_mode:
        try:
            __import__(settings.async_mode)
        except ImportError:
            print(f"configuration error: DASHBOARD_ASYNC_MODE: {settings.async_mode} is not installed",
                  file=sys.stderr)
            return 2
        _restart_patched(settings.async_mode)
    from dashboard.app import create_app
    from dashboard.core.extensions import socketio
    from dashboard.ops.redis_server import ensure_redis
    from dashboard.realtime.sockets import start_message_queue

    try:
        host = _host("--host", args.host) if args.host is not None else settings.host
        port = _port("--port", args.port) if args.port is not None else settings.port
    except ValueError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    settings, embedded = ensure_redis(settings.with_(host=host, port=port))
    configure_logging()
    if not args.access_log:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        logging.getLogger("geventwebsocket.handler").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").addFilter(_CloseFrameNoise())
    # SIGTERM ends serve_forever like Ctrl-C does, so the finally below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = create_app(settings)
    start_message_queue()
    print(f"serving {display_url(host, port)}", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1") and settings.async_mode == "threading":
        print("note: Werkzeug's threaded server faces the network directly; put a TLS reverse proxy "
              "(sticky sessions, WebSocket upgrade) in front of it", flush=True)
    try:
        # Threading mode runs on Werkzeug's threaded server with simple-websocket (the contract in
        # docs/contracts.md); Flask-SocketIO refuses it outside a terminal unless told it is meant.
        socketio.run(app, host=host, port=port, use_reloader=False, allow_unsafe_werkzeug=True)
    except KeyboardInterrupt:
        pass
    finally:
        if embedded is not None:
            embedded.stop()
    return 0
