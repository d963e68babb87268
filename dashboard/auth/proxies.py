"""Which forwarded headers are believed: with DASHBOARD_TRUSTED_PROXIES unset, none (the client
address is the connection's, the scheme is the connection's); with a count of proxy hops, Werkzeug's
ProxyFix takes that many hops of X-Forwarded-For and X-Forwarded-Proto; with networks, only a peer
inside them is believed, and X-Forwarded-For is walked from the right past every trusted hop.

Everything downstream (log-in throttling, the audit's addresses for API and screen actions alike,
the Secure cookie flag) reads `request.remote_addr` and `request.is_secure` after this."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from werkzeug.middleware.proxy_fix import ProxyFix

Networks = tuple[IPv4Network | IPv6Network, ...]


def _inside(value: str, networks: Networks) -> bool:
    try:
        address = ip_address(value)
    except ValueError:
        return False
    return any(address in net for net in networks)


class TrustedNetworks:
    """WSGI middleware: believe the forwarded headers only from peers inside `networks`."""

    def __init__(self, app, networks: Networks) -> None:
        self.app, self.networks = app, networks

    def __call__(self, environ, start_response):
        remote = environ.get("REMOTE_ADDR", "")
        if _inside(remote, self.networks):
            client = remote
            for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                hop = hop.strip()
                if not hop or not _valid(hop):
                    break
                client = hop
                if not _inside(hop, self.networks):
                    break
            environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)


def _valid(value: str) -> bool:
    try:
        ip_address(value)
    except ValueError:
        return False
    return True


def wrap(wsgi_app, trusted: int | Networks | None):
    """The WSGI app with the configured proxies believed (unchanged when none are)."""
    if not trusted:
        return wsgi_app
    if isinstance(trusted, int):
        return ProxyFix(wsgi_app, x_for=trusted, x_proto=trusted)
    return TrustedNetworks(wsgi_app, trusted)
