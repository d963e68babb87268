"""Live updates: the socket glue (assets/20_live.js) writes events into stores; these client-side
callbacks apply them as partial updates, in the browser, without a round trip. Counts that need
the database refresh through LIVE_DIRTY, which the server-side figure callbacks listen to."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State

from layouts import ids


def register(app: Dash) -> None:
    """Attach the client-side live callbacks."""
    app.clientside_callback(ClientsideFunction("gridLive", "subscribe"),
                            Output(ids.LIVE_STATE, "data", allow_duplicate=True),
                            Input(ids.LIVE_SUB, "data"), prevent_initial_call=True)
    # Lists first, the map second: a list row never waits behind a map redraw.
    app.clientside_callback(ClientsideFunction("gridLive", "applyFeedLists"),
                            Output(ids.TICKER, "rowTransaction"), Output(ids.OVERDUE_LIST, "rowTransaction"),
                            Input(ids.LIVE_FEED, "data"), State(ids.LIVE_SUB, "data"),
                            State(ids.TICKER, "rowData"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("gridLive", "applyFeedMap"),
                            Output(ids.MAP, "figure", allow_duplicate=True),
                            Input(ids.LIVE_FEED_MAP, "data"), State(ids.MAP, "figure"),
                            State(ids.LIVE_SUB, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("gridLive", "applyPositions"),
                            Output(ids.MAP, "figure", allow_duplicate=True),
                            Input(ids.LIVE_POSITIONS, "data"), State(ids.MAP, "figure"),
                            State(ids.LIVE_SUB, "data"), prevent_initial_call=True)
