"""The bare pages the screens benchmark compares the product with: Redis → Socket.IO → one Dash
div at /, and one map graph at /map/ (bench/screens_bare_map.py).

    DASHBOARD_REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python -m bench.screens_bare --port 8061

The same server kind as `serve` (Flask + Dash + Flask-SocketIO, threading mode on Werkzeug with
simple-websocket), listening on the same message-queue channel, so the fan-out's emits to
`unit:<code>` reach it exactly as they reach the product. A socket that emits `subscribe` joins
the room with no check and no replay; each `feed` event writes its incident id into `#last`
through Dash's set_props, and the page keeps, per incident id, the wall-clock time the div
changed and the event's stream id (for the benchmark to read).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

import dash
import socketio as sio_lib
from dash import html
from flask import Flask, Response
from flask_socketio import SocketIO, join_room

from bench.screens_bare_map import add_bare_map
from dashboard.core.extensions import socketio_channel
from dashboard.demo.places import CITY_CODE

ROOT = Path(__file__).resolve().parent.parent
GLUE = """
(function () {
  window.bareSeen = {};
  function start() {
    var box = document.getElementById("last");
    if (!box || !window.dash_clientside || !window.dash_clientside.set_props) {
      setTimeout(start, 50);
      return;
    }
    // When the div's text changes, note the time against the incident id the div now shows.
    new MutationObserver(function () {
      var id = box.textContent;
      if (id && window.bareSeen[id] && !window.bareSeen[id].t) { window.bareSeen[id].t = Date.now(); }
    }).observe(box, {childList: true, characterData: true, subtree: true});
    var socket = io({transports: ["websocket", "polling"]});
    socket.on("connect", function () {
      socket.emit("subscribe", {unit: "__CITY__"}, function () { window.bareReady = true; });
    });
    socket.on("feed", function (ev) {
      var id = ev && ev.data && ev.data.id;
      if (!id || ev.stream !== "incidents" || window.bareSeen[id]) { return; }
      window.bareSeen[id] = {sid: ev.id, t: 0};
      window.dash_clientside.set_props("last", {children: id});
    });
  }
  start();
})();
"""


def create_bare_app(redis_url: str) -> Flask:
    """The bare Flask + Dash + Socket.IO app."""
    server = Flask(__name__)
    server.config["SECRET_KEY"] = "bare-bench"
    socketio = SocketIO()
    manager = sio_lib.RedisManager(redis_url, channel=socketio_channel(redis_url))
    socketio.init_app(server, client_manager=manager,
                      async_mode="threading", cors_allowed_origins=None)
    server.extensions["bare_socketio"] = socketio

    @socketio.on("subscribe")
    def on_subscribe(msg):
        join_room(f"unit:{(msg or {}).get('unit', CITY_CODE)}")
        return {"ok": True}

    @socketio.on("connect")
    def on_connect(auth=None):
        return True

    @server.get("/bare/socket.io.js")
    def socket_js():
        return Response((ROOT / "assets" / "10_socket.io.min.js").read_text(), mimetype="text/javascript")

    @server.get("/bare/glue.js")
    def glue_js():
        return Response(GLUE.replace("__CITY__", CITY_CODE), mimetype="text/javascript")

    add_bare_map(server)
    app = dash.Dash(__name__, server=server, url_base_pathname="/", include_assets_files=False,
                    external_scripts=["/bare/socket.io.js", "/bare/glue.js"])
    app.layout = html.Div([html.H1("bare"), html.Div("", id="last")])
    return server


def main(argv: list[str] | None = None) -> int:
    """Serve the bare page until SIGTERM."""
    p = argparse.ArgumentParser(prog="python -m bench.screens_bare", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args(argv)
    redis_url = os.environ.get("DASHBOARD_REDIS_URL")
    if not redis_url:
        print("bench.screens_bare: set DASHBOARD_REDIS_URL", file=sys.stderr)
        return 2
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = create_bare_app(redis_url)
    socketio = server.extensions["bare_socketio"]
    socketio.server.manager_initialized = True
    socketio.server.manager.initialize()
    print(f"bare page on http://127.0.0.1:{args.port}", flush=True)
    socketio.run(server, host="127.0.0.1", port=args.port, use_reloader=False, allow_unsafe_werkzeug=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
