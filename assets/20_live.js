/* Live glue: Socket.IO events → Dash stores → partial updates (docs/contracts.md, "Socket.IO").
 *
 * The socket lives here, not in a Dash callback. On `subscribe` the server replays what we missed
 * and then says `resumed`; until then live events are buffered. Each stream's last applied id is
 * kept, so every event is applied once and in order. Events reach Dash through set_props on small
 * stores; the client-side callbacks below turn them into Patch objects (figures) and row
 * transactions (lists). Nothing here polls the server.
 */
(function () {
  "use strict";
  var PI = window.plotInternals;  // the map's element and Plotly's internals (07_plot_internals.js)
  var STREAMS = window.gridContract.replayed;  // from the server (callbacks/app.py browser_contract)
  var REFRESH_SPACING_MS = 2000;  // the counts' server refreshes under a stream of events (markDirty)
  function noneSeen() { var out = {}; STREAMS.forEach(function (s) { out[s] = null; }); return out; }
  var S = {
    socket: null, sub: null, last: noneSeen(), lastPos: null,
    ready: false, buffer: [], state: "connecting", newest: Date.now(), everConnected: false,
    feedBatch: [], feedTimer: null, dirtyTimer: null, dirtyN: 0, posBatch: {}, posId: null, posTimer: null,
    resync: false, seq: 0
  };

  function cmpId(a, b) {
    if (!a && !b) { return 0; }
    if (!a) { return -1; }
    if (!b) { return 1; }
    var x = a.split("-").map(Number), y = b.split("-").map(Number);
    return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
  }

  /* Every store but live-state belongs to a view (a unit, a grid or a wall: they hold the view body).
   * Pages without one (the duty desk) share the socket but not those stores, and Dash's set_props
   * throws on an id missing from the layout ("reading 'length'"), so their events stop here. */
  function setProps(id, props) {
    var dc = window.dash_clientside;
    if (!dc || !dc.set_props) { return; }
    if (id !== "live-state" && document.getElementById("view-body") === null) { return; }
    dc.set_props(id, props);
  }

  function publishState(state) {
    if (state) { S.state = state; }
    setProps("live-state", {data: {state: S.state, newest: S.newest}});
  }

  /* The wait before an action that may run at most once every `spacing` ms: `soon` after a quiet
   * spell, else when the spacing since the last run is up (bursts coalesce into one run). */
  function throttled(lastAt, soon, spacing) {
    return Math.max(soon, lastAt + spacing - Date.now());
  }

  /* A drill's new map is on its way or drawing (30_clientside.js): live updates wait for it. */
  function mapAwaited() {
    var dc = window.dash_clientside;
    return !!(dc && dc.gridLive && dc.gridLive.mapAwaited && dc.gridLive.mapAwaited());
  }

  /* Any view's map not drawn yet, a cold load's too (30_clientside.js viewReady). */
  function viewUndrawn() {
    var dc = window.dash_clientside;
    return !!(dc && dc.gridLive && dc.gridLive.viewUndrawn && dc.gridLive.viewUndrawn());
  }

  function markDirty(resync) {
    S.resync = S.resync || !!resync;
    if (S.dirtyTimer) { return; }
    // One server refresh of the counts 300 ms after a change, and at most every 2 s under a steady
    // stream of events. Each refresh redraws the map, the bars and the lists: every 700 ms, at 20x
    // Putian the city view's main thread was busy 81 % of the time, and its ticker rows waited
    // behind the redraws (Chrome trace, bench.screens 2026-12-05). Rows and markers do not wait
    // for a refresh: they are drawn from the events themselves.
    S.dirtyTimer = setTimeout(function fire() {
      // Not before the view's map is drawn: the server would send the whole map, its tiles and
      // lists again (a refresh is a patch only for a drawn view, callbacks/unit.py _live_patch),
      // and a cold load drew the city twice (bench.screens --trace, 2026-12-05).
      if (mapAwaited() || viewUndrawn()) { S.dirtyTimer = setTimeout(fire, 200); return; }
      S.dirtyTimer = null;
      S.dirtyAt = Date.now();
      S.dirtyN += 1;
      setProps("live-dirty", {data: {n: S.dirtyN, resync: S.resync}});
      S.resync = false;
    }, throttled(S.dirtyAt || 0, 300, REFRESH_SPACING_MS));
  }

  function gridApi(id) {
    try { return window.dash_ag_grid && document.getElementById(id) ? window.dash_ag_grid.getApi(id) : null; }
    catch { return null; }
  }

  /* AG Grid throws (error #4) on an update or a removal of a row it does not hold, e.g. a
   * supervision item closing or climbing that was never in the list: those are left out, and a
   * new row the grid already holds is an update. */
  function transaction(t, api) {
    if (!t || t === window.dash_clientside.no_update) { return null; }
    var held = function (r) { return !!api.getRowNode(String(r.id)); };
    var fresh = function (r) { return !held(r); };
    return {add: (t.add || []).filter(fresh), update: (t.update || []).filter(held).concat((t.add || []).filter(held)),
            remove: (t.remove || []).filter(held), addIndex: t.addIndex};
  }

  /* New rows go straight into the lists' grids: a Dash round of callbacks can queue behind a
   * server refresh or a map redraw, and a duty officer reads the ticker first. */
  function applyListsNow(batch) {
    var dc = window.dash_clientside, ticker = gridApi("unit-ticker"), overdue = gridApi("unit-overdue-list");
    if (!S.sub || !S.sub.live || !dc || !dc.gridLive || !ticker || !overdue) { return false; }
    var rows = [];
    ticker.forEachNode(function (node) { if (node.data) { rows.push(node.data); } });
    var out = dc.gridLive.applyFeed(batch, null, S.sub, rows);
    var t = transaction(out[1], ticker), o = transaction(out[2], overdue);
    // AG Grid draws its rows through React, which would schedule the commit behind the next
    // frames (60-90 ms on a busy map page, bench.screens); flushSync puts the rows in the page now.
    var RD = window.ReactDOM, now = RD && RD.flushSync ? RD.flushSync : function (f) { f(); };
    now(function () {
      if (t) { ticker.applyTransaction(t); }
      if (o) { overdue.applyTransaction(o); }
    });
    return true;
  }

  function flushFeed() {
    S.feedTimer = null;
    if (!S.feedBatch.length) { return; }
    S.seq += 1;
    var batch = {seq: S.seq, events: S.feedBatch};
    S.feedBatch = [];
    if (!applyListsNow(batch)) { setProps("live-feed", {data: batch}); }
    // The map redraw can take a few hundred milliseconds on a software-rendered wall: the rows
    // above went in first; the map follows after the next frame.
    requeueMap(batch.events, 20);
  }

  /* A redraw between a finger's (or mouse's) hover and its tap swallows the tap: Plotly forgets
   * what was under the pointer. So map updates wait while the pointer is moving on the map. */
  S.pointerAt = 0;
  ["pointermove", "pointerdown", "pointerup"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      if (e.target && e.target.closest && e.target.closest(PI.mapSelector)) { S.pointerAt = Date.now(); }
    }, true);
  });
  function pointerOnMap() { return Date.now() - S.pointerAt < 700; }

  /* Events for the map wait in order until the map is ready for them (see 30_clientside.js). Each
   * map update redraws every layer, so under a stream of events they go at most every 400 ms. */
  function requeueMap(events, delay) {
    S.mapBacklog = (S.mapBacklog || []).concat(events);
    if (S.mapTimer) { return; }
    S.mapTimer = setTimeout(function () {
      S.mapTimer = null;
      if (pointerOnMap() || mapAwaited()) { requeueMap([], 200); return; }
      var events = S.mapBacklog, dc = window.dash_clientside;
      S.mapBacklog = [];
      if (!events.length) { return; }
      S.mapAt = Date.now();
      // Straight into the map's sources when it can (30_clientside.js); else through Dash.
      if (dc && dc.gridLive && dc.gridLive.applyFeedMapNow(events, S.sub)) { return; }
      S.seq += 1;
      setProps("live-feed-map", {data: {seq: S.seq, events: events}});
    }, throttled(S.mapAt || 0, delay, 400));
  }

  /* Positions the map could not take yet: newer ones already waiting win. */
  function requeuePositions(list) {
    list.forEach(function (p) { if (!S.posBatch[p.staff]) { S.posBatch[p.staff] = p; } });
    if (!S.posTimer) { S.posTimer = setTimeout(flushPositions, 300); }
  }

  function applyFeed(ev) {
    if (STREAMS.indexOf(ev.stream) < 0 || cmpId(ev.id, S.last[ev.stream]) <= 0) { return; }
    S.last[ev.stream] = ev.id;
    S.newest = Date.now();
    if (ev.stream === "alerts") { return; }  // the duty desk's business
    S.feedBatch.push(ev);
    // Events of one socket message (a replay's burst) land in one batch, applied before the task
    // ends: a timer let a frame of map drawing (tens of ms without a GPU) go first.
    if (!S.feedTimer) { S.feedTimer = true; queueMicrotask(flushFeed); }
    if (S.sub && S.sub.live) { markDirty(false); }
  }

  function flushPositions() {
    S.posTimer = null;
    if (pointerOnMap() || mapAwaited()) { S.posTimer = setTimeout(flushPositions, 200); return; }
    var list = Object.keys(S.posBatch).map(function (k) { return S.posBatch[k]; });
    S.posBatch = {};
    if (!list.length) { return; }
    var dc = window.dash_clientside;
    if (dc && dc.gridLive && dc.gridLive.movePositionsNow(list)) { return; }
    setProps("live-positions", {data: {id: S.posId, positions: list}});
  }

  function applyPositions(ev) {
    // The view was drawn from the same latest positions a moment ago: a snapshot matters only
    // after a reconnect, when the screen may have missed moves, and for a map a drill drew from a
    // document fetched earlier (31_drill.js).
    if (ev.snapshot && !S.reconnected && S.snapshotFor !== (S.sub && S.sub.unit)) { S.lastPos = ev.id; return; }
    if (cmpId(ev.id, S.lastPos) <= 0) { return; }
    S.lastPos = ev.id;
    S.posId = ev.id;
    S.newest = Date.now();
    if (!drawsPeople()) { return; }  // subscribed without positions: a stray from before
    (ev.positions || []).forEach(function (p) { S.posBatch[p.staff] = p; });
    if (!S.posTimer) { S.posTimer = setTimeout(flushPositions, 250); }
  }

  /* Positions flow (the fan-out's beat, once a second): the screen's data is live. Wide maps count
   * staff per town (sub.aggregate, from the server) and are sent no positions: their counts (map
   * discs and KPI tiles) refresh from the server at most every 15 s while the beat goes on. */
  function onPulse() {
    if (!S.ready) { return; }
    S.newest = Date.now();
    if (S.sub && S.sub.aggregate && S.sub.live && Date.now() - (S.staffAt || 0) > 15000) {
      S.staffAt = Date.now();
      markDirty(false);
    }
  }

  /* A unit's or a grid's map (sub.aggregate false, callbacks/view.py); the city's and districts'
   * maps count people per town, and the duty desk and the briefing have no map. */
  function drawsPeople() { return !!S.sub && S.sub.aggregate === false; }

  function onFeed(ev) { if (!S.ready) { S.buffer.push(["feed", ev]); } else { applyFeed(ev); } }
  function onPositions(ev) { if (!S.ready) { S.buffer.push(["positions", ev]); } else { applyPositions(ev); } }

  function onResumed(msg) {
    if (!S.sub || (msg && msg.unit && msg.unit !== S.sub.unit)) { return; }
    S.ready = true;
    var buffered = S.buffer;
    S.buffer = [];
    // Replayed and live events interleave while a screen resumes: apply each stream in id order,
    // or a live event applied first would make the older replayed ones look already seen.
    var feeds = buffered.filter(function (item) { return item[0] === "feed"; });
    feeds.sort(function (a, b) { return cmpId(a[1].id, b[1].id); });
    feeds.forEach(function (item) { applyFeed(item[1]); });
    buffered.forEach(function (item) { if (item[0] !== "feed") { applyPositions(item[1]); } });
    // The server's heads: anything up to them is in our snapshot or was just replayed.
    STREAMS.forEach(function (name) {
      var head = msg && msg.last ? msg.last[name] : null;
      if (head && cmpId(head, S.last[name]) > 0) { S.last[name] = head; }
    });
    if (msg && msg.resynced) {
      publishState("resynced");
      markDirty(true);
    } else {
      publishState("connected");
    }
  }

  function subscribe() {
    if (!S.socket || !S.socket.connected || !S.sub) { return; }
    S.ready = false;
    S.buffer = [];
    // A wide map draws no people, nor does a page without a map: their sockets join no positions
    // room (93 KB/s at 1x on the city's view).
    S.socket.emit("subscribe", {unit: S.sub.unit, last: S.last, positions: drawsPeople()});
  }

  /* A wall opens its URL with ?token= once: the server swaps the token for a session cookie and
     sends the page on without it, so every screen's socket rides on its session cookie. */
  function connect() {
    if (S.socket || typeof window.io === "undefined") { return; }
    S.socket = window.io({transports: ["websocket", "polling"], reconnectionDelayMax: 5000});
    S.socket.on("refused", function () { publishState("refused"); });
    /* The server ended this socket: its token was revoked, its account disabled or changed.
       Reload, so the page's own gate says why (the log-in page, or a refused wall). */
    S.socket.on("revoked", function () {
      publishState("refused");
      window.setTimeout(function () { window.location.reload(); }, 3000);
    });
    S.socket.on("connect", function () { S.everConnected = true; subscribe(); });
    S.socket.on("disconnect", function () {
      S.ready = false;
      S.reconnected = true;
      publishState("reconnecting");
    });
    S.socket.io.on("reconnect_attempt", function () { publishState("reconnecting"); });
    S.socket.on("connect_error", function (err) {
      publishState(err && err.data ? "refused" : (S.everConnected ? "reconnecting" : "connecting"));
    });
    S.socket.on("feed", onFeed);
    S.socket.on("positions", onPositions);
    S.socket.on("pulse", onPulse);
    S.socket.on("resumed", onResumed);
  }

  /* A new view: its snapshot was just read from the database, so replay starts from now. */
  function setView(sub) {
    var changed = !S.sub || !sub || S.sub.unit !== sub.unit;
    S.sub = sub;
    if (!sub) { return; }
    if (changed) {
      S.reconnected = false;
      S.last = noneSeen();
      S.lastPos = null;
      S.newest = Date.now();
      S.mapBacklog = [];
      S.posBatch = {};
      S.staffAt = Date.now();  // its staff counts were read with the snapshot: the next in 15 s
    }
    connect();
    if (changed) { subscribe(); }
  }

  /* Plotly finishes a map update asynchronously; when the view changes in between, the update
   * lands on a map that was just removed and rejects with this TypeError from getMapLayers.
   * Nothing is lost (the map is gone), so that one rejection is not reported as an error. */
  window.addEventListener("unhandledrejection", function (event) {
    var err = event.reason;
    if (err instanceof TypeError && /reading 'layers'/.test(err.message) &&
        /getMapLayers/.test(err.stack || "")) {
      event.preventDefault();
    }
  });

  window.gridLive = {state: S, setView: setView, cmpId: cmpId,
                     wantSnapshot: function (unit) { S.snapshotFor = unit; },
                     retryMap: function (events) { requeueMap(events, 300); }, retryPositions: requeuePositions};
})();
