"""One typed Settings object: explicit arguments > DASHBOARD_* environment > embedded defaults."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlparse

ENV_PREFIX = "DASHBOARD_"
DEFAULT_PORT = 8050
DEFAULT_HOST = "127.0.0.1"
# Socket.IO concurrency of the web process; gevent and eventlet need their packages installed.
ASYNC_MODES = ("threading", "gevent", "eventlet")
# What the audit key is derived for: a new context string would be a new key (and a new chain).
AUDIT_KEY_CONTEXT = b"dashboard audit chain v1"


class SettingsError(ValueError):
    """A configuration value is malformed; the message names the variable and the reason."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


@dataclass(frozen=True)
class Settings:
    """Everything the product needs to know about where it runs."""

    data_dir: Path = field(default_factory=lambda: Path("var"))
    database_url: str | None = None  # None: a SQLite file in data_dir
    redis_url: str | None = None  # None: start an embedded redis-server
    secret_key: str | None = None  # None: generated once and kept in data_dir
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    async_mode: str = "threading"
    map_tiles: str | None = None  # None: the map draws only our own boundaries, fully offline
    # Which peers' X-Forwarded-For and X-Forwarded-Proto are believed: a count of proxy hops, or
    # networks; None (the default) believes no one (dashboard.auth.proxies).
    trusted_proxies: int | tuple[IPv4Network | IPv6Network, ...] | None = None
    # Tunables that tests and benchmarks set explicitly; not part of the public env surface.
    stream_maxlen: int = 2_000_000
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def sqlite_path(self) -> Path:
        """Where the embedded SQLite database lives."""
        return self.data_dir / "dashboard.sqlite3"

    @property
    def effective_database_url(self) -> str:
        """The database URL in force (the embedded SQLite file when none was set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path.resolve()}"

    def with_(self, **changes) -> Settings:
        """A copy with some values replaced."""
        return replace(self, **changes)

    def resolved_secret_key(self) -> str:
        """The secret key: configured, or generated once and stored in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def audit_key(self) -> bytes:
        """The audit chain's HMAC key: derived from the secret key, never stored in the database
        (every process sharing the secret key computes the same one; see docs/security.md)."""
        return hmac.new(self.resolved_secret_key().encode(), AUDIT_KEY_CONTEXT, hashlib.sha256).digest()


def _database_url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme.split("+")[0] not in ("sqlite", "postgresql", "postgres"):
        raise SettingsError(name, f"expected a sqlite:// or postgresql:// URL, got {value!r}")
    if parsed.scheme.startswith("postgres"):
        if not parsed.hostname and "host=" not in parsed.query:
            raise SettingsError(name, f"PostgreSQL URL has no host: {value!r}")
        # psycopg 3 is the installed driver; plain postgresql:// would ask for psycopg2.
        if "+" not in parsed.scheme:
            value = "postgresql+psycopg" + value[len(parsed.scheme) :]
    return value


def _redis_url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(name, f"expected a redis://, rediss:// or unix:// URL, got {value!r}")
    if parsed.scheme != "unix" and not parsed.hostname:
        raise SettingsError(name, f"Redis URL has no host: {value!r}")
    try:
        parsed.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise SettingsError(name, f"bad port in {value!r}") from exc
    return value


def _port(name: str, value: str) -> int:
    try:
        port = int(value)
    except ValueError as exc:
        raise SettingsError(name, f"expected a port number, got {value!r}") from exc
    if not 1 <= port <= 65535:
        raise SettingsError(name, f"port must be 1-65535, got {port}")
    return port


def _secret(name: str, value: str) -> str:
    if len(value) < 16:
        raise SettingsError(name, "must be at least 16 characters")
    return value


def _host(name: str, value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise SettingsError(name, f"expected a host name or address, got {value!r}")
    return value


def _async_mode(name: str, value: str) -> str:
    if value not in ASYNC_MODES:
        raise SettingsError(name, f"expected one of {', '.join(ASYNC_MODES)}, got {value!r}")
    return value


def _map_tiles(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(name, f"expected an http(s):// tile URL template, got {value!r}")
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in value]
    if missing:
        raise SettingsError(name, f"tile URL template lacks {', '.join(missing)}: {value!r}")
    return value


def _trusted_proxies(name: str, value: str) -> int | tuple[IPv4Network | IPv6Network, ...]:
    """A count of proxy hops in front of the web process (1 for one nginx), or a comma-separated
    list of proxy addresses or networks."""
    if value.isdigit():
        count = int(value)
        if not 1 <= count <= 10:
            raise SettingsError(name, f"a count of proxy hops must be 1-10, got {value!r}")
        return count
    networks = []
    for part in value.split(","):
        try:
            networks.append(ip_network(part.strip(), strict=False))
        except ValueError as exc:
            raise SettingsError(name, f"expected a count of proxies or addresses/networks such as "
                                      f"10.0.0.0/8,::1, got {part.strip()!r}") from exc
    return tuple(networks)


def load_settings(environ: dict[str, str] | None = None, **explicit) -> Settings:
    """Build Settings from explicit values, then DASHBOARD_* variables, then defaults."""
    env = os.environ if environ is None else environ
    values: dict = {}
    parsers = {
        "DATABASE_URL": ("database_url", _database_url),
        "REDIS_URL": ("redis_url", _redis_url),
        "SECRET_KEY": ("secret_key", _secret),
        "DATA_DIR": ("data_dir", lambda n, v: Path(v)),
        "HOST": ("host", _host),
        "PORT": ("port", _port),
        "ASYNC_MODE": ("async_mode", _async_mode),
        "MAP_TILES": ("map_tiles", _map_tiles),
        "TRUSTED_PROXIES": ("trusted_proxies", _trusted_proxies),
    }
    for suffix, (attr, parse) in parsers.items():
        name = ENV_PREFIX + suffix
        raw = env.get(name)
        if raw is not None and raw.strip() != "":
            values[attr] = parse(name, raw.strip())
    values.update({k: v for k, v in explicit.items() if v is not None})
    return Settings(**values)
