"""Flask extensions created unbound and bound late by create_app."""

from urllib.parse import parse_qs, urlparse

from flask_socketio import SocketIO

socketio = SocketIO()


def socketio_channel(redis_url: str | None) -> str:
    """The Socket.IO message-queue channel for a Redis URL.

    Redis pub/sub channels ignore the database number, so two deployments (or test runs) on one
    Redis server would hear each other's emits; the channel therefore names the database.
    """
    parsed = urlparse(redis_url or "")
    db = parsed.path.strip("/") or parse_qs(parsed.query).get("db", ["0"])[0]
    return f"dashboard-socketio:{db}"
