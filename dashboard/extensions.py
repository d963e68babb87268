"""Flask extensions created unbound and bound late by create_app."""

from flask_socketio import SocketIO

socketio = SocketIO()
