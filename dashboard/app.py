"""The application factory: one Flask server carrying the API, Socket.IO and the Dash views."""

from __future__ import annotations

from flask import Flask, jsonify

from callbacks import app as views
from dashboard import api
from dashboard.auth import guard as auth_guard
from dashboard.auth import login as auth
from dashboard.auth import proxies as auth_proxies
from dashboard.core.config import Settings, load_settings
from dashboard.core.extensions import socketio, socketio_channel
from dashboard.core.services import Services
from dashboard.ops import health
from dashboard.realtime import sockets as realtime
from dashboard.realtime.queue import client_manager


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the web application for the given settings (the environment's when omitted)."""
    settings = settings or load_settings()
    services = services or Services.build(settings)
    server = Flask(__name__, static_folder=None)
    server.config.update(
        SECRET_KEY=settings.resolved_secret_key(),
        TESTING=settings.testing,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    server.json.ensure_ascii = False
    server.extensions["dashboard"] = services

    for part in (health, api, realtime, auth, views):  # each: init_app(server, services)
        part.init_app(server, services)
    auth_guard.init_app(server)
    # The Redis message queue, with what a dropped subscription missed filled from the streams.
    socketio.init_app(server, client_manager=client_manager(settings.redis_url,
                                                            socketio_channel(settings.redis_url)),
                      async_mode=settings.async_mode,
                      # None = same origin only; [] would switch the Origin check off and let any
                      # site open a socket with a logged-in user's cookie.
                      cors_allowed_origins=None, json=None)
    # Outermost, so the API, the screens and Socket.IO all see the same client address and scheme.
    server.wsgi_app = auth_proxies.wrap(server.wsgi_app, settings.trusted_proxies)

    @server.errorhandler(404)
    def not_found(_err):
        return jsonify(error="not found", field=None), 404

    return server


def services_of(server: Flask) -> Services:
    """The Services bound to this Flask app."""
    return server.extensions["dashboard"]
