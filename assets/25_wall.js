/* Wall mode (layouts/wall.py): clock, connection mark, freshness marks, tour, midnight roll-over,
 * scheduled soft reload and the critical-alert banner, all in the browser.
 *
 * The view's own socket (20_live.js) follows the unit on screen; the banner needs every critical
 * alert under the wall's unit whatever the tour shows, so a second socket subscribes to that unit
 * and keeps its own last alert id (replay after an outage brings the acks it missed).
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var PI = window.plotInternals;  // the map's element and Plotly's internals (07_plot_internals.js)
  // Seconds without a move before a feed counts as lagging (red at three times), unless ?stale=.
  var STALE = {positions: 60, incidents: 300, supervision: 900};
  var W = {conf: null, view: null, tour: [], step: 0, stepAt: 0, started: 0, day: null, timer: null,
           seen: {}, hooked: null, rendered: null, renderedAt: 0, alerts: {}, gone: {}, asock: null,
           lastAlert: null, aready: false, history: [], abuffer: [], refreshN: 0, reloadAt: 0,
           bannerId: null, bannerAt: 0, bannerCycle: 0, bannerLog: [], blankSince: 0};
  /* The words come from the server with the view's subscription (callbacks/view.py live_names), in
   * the view's language; until the first view is drawn the wall shows none rather than guess. */
  function names() {
    var sub = window.gridLive && window.gridLive.state.sub;
    return (sub && sub.names) || {};
  }

  function pad(n) { return ("0" + n).slice(-2); }
  function local(ms) { return new Date(ms + 8 * 3600 * 1000); }  // Asia/Shanghai is UTC+8 all year
  function localDay(ms) { var d = local(ms); return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); }
  function lang() {
    var sub = window.gridLive && window.gridLive.state.sub;
    // The view's language once it is rendered, else the wall's own (?lang=, else the remembered one):
    // the banner's words, title and place must all be in the language the server spells the place in.
    return (sub && sub.lang) || W.lang || "zh";
  }
  function cmpId(a, b) { return window.gridLive ? window.gridLive.cmpId(a, b) : 0; }
  function kindOf(code) { return /-g\d+$/.test(code) ? "grid" : "unit"; }
  function scale() { return Math.min(window.innerWidth / 1920, window.innerHeight / 1080); }
  function setProps(id, props) { if (dc.set_props) { dc.set_props(id, props); } }

  function show(code) {
    W.history.push(code);
    if (W.history.length > 50) { W.history.shift(); }  // a wall runs for weeks
    W.view = {code: code, kind: kindOf(code), query: {}, scale: scale(), day: localDay(Date.now()), lang: W.lang};
    setProps("view", {data: W.view});
  }

  function clock(now) {
    var el = document.getElementById("wall-clock");
    if (!el) { return; }
    var d = local(now), c = names().clock;
    el.querySelector(".wall-time").textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    el.querySelector(".wall-date").textContent = !c ? "" : c.date.replace("{y}", d.getUTCFullYear())
      .replace("{mo}", d.getUTCMonth() + 1).replace("{mon}", c.months[d.getUTCMonth()])
      .replace("{d}", d.getUTCDate()).replace("{w}", c.week[d.getUTCDay()]);
  }

  function connection() {
    var el = document.getElementById("wall-conn");
    var live = window.gridLive && window.gridLive.state;
    if (!el || !live) { return; }
    var state = live.state || "connecting";
    var labels = (live.sub && live.sub.names && live.sub.names.status) || {};
    el.setAttribute("data-state", state);
    el.className = "wall-conn status-" + state;
    el.querySelector(".wall-conn-text").textContent = labels[state] || "";  // words come with the view
  }

  /* Hook the view's socket (it is replaced only on a reload) to time each feed's newest move. */
  function hook() {
    var sock = window.gridLive && window.gridLive.state.socket;
    if (!sock || W.hooked === sock) { return; }
    W.hooked = sock;
    sock.on("feed", function (ev) { W.seen[ev.stream] = Date.now(); });
    sock.on("positions", function (ev) { if (!ev.snapshot) { W.seen.positions = Date.now(); } });
    sock.on("pulse", function () { W.seen.positions = Date.now(); });  // positions flow (a wide map gets no dots)
  }

  /* The panels of the unit view a wall shows, and the feeds that move each one. */
  var PANELS = {map: "positions incidents", kpis: "incidents", states: "incidents", supervision: "supervision",
                ticker: "incidents", overdue: "supervision", children: "incidents", staff: "positions",
                incidents: "incidents"};

  function freshness(now) {
    var body = document.querySelector(".wall-body .view");
    if (body !== W.rendered) {  // a render is a refresh, and a tour stop lasts from its render on
      W.rendered = body; W.renderedAt = now; W.stepAt = Math.max(W.stepAt, now);
    }
    var words = names().wall || {}, custom = W.conf && W.conf.stale;
    Object.keys(PANELS).forEach(function (key) {
      var panel = document.querySelector(".wall-body .area-" + key);
      if (!panel) { return; }
      var best = 2;
      PANELS[key].split(" ").forEach(function (feed) {
        var limit = (custom || STALE[feed] || 300) * 1000;
        var age = now - Math.max(W.seen[feed] || 0, W.renderedAt);
        best = Math.min(best, age < limit ? 0 : (age < 3 * limit ? 1 : 2));
      });
      var level = ["ok", "amber", "red"][best];
      // Attributes only: React owns these elements' children. The mark is drawn by CSS.
      var label = key === "kpis" ? panel : panel.querySelector(".panel-head");
      panel.setAttribute("data-wall-panel", key);
      if (words[level] && (panel.getAttribute("data-fresh") !== level ||
                           label.getAttribute("data-fresh-text") !== words[level])) {
        panel.setAttribute("data-fresh", level);
        label.setAttribute("data-fresh-text", words[level]);
      }
    });
  }

  function tour(now) {
    var pos = document.getElementById("wall-tour-pos");
    var n = W.tour.length, secs = W.conf ? W.conf.tour : 0;
    if (pos) {
      pos.textContent = n > 1 && secs > 0 ? (W.step + 1) + " / " + n : "";
      pos.setAttribute("data-step", String(W.step));
      pos.setAttribute("data-code", W.view ? W.view.code : "");
    }
    if (n > 1 && secs > 0 && now - W.stepAt >= secs * 1000) {
      W.step = (W.step + 1) % n;
      W.stepAt = now;
      show(W.tour[W.step]);
    }
  }

  function rollover(now) {
    var day = localDay(now);
    if (W.day && day !== W.day && W.view) { show(W.view.code); }  // "today" is a new day
    W.day = day;
  }

  /* A soft reload of the wall's own URL, only once the server answers it (never onto an error page). */
  function softReload() {
    fetch(window.location.href, {cache: "no-store", credentials: "same-origin"}).then(function (r) {
      if (r.ok) { window.location.reload(); }
    }).catch(function () { /* still down: the caller tries again later */ });
  }

  function reload(now) {
    if (!W.reloadAt || now < W.reloadAt) { return; }
    W.reloadAt = now + 60 * 1000;
    softReload();
  }

  /* A wall whose body is still empty BLANK_S after it asked for its view (the server's answer was
   * lost or failed: a restart or a dropped connection at that moment) reloads itself, as the
   * scheduled reload does, and tries again every BLANK_S: an unattended wall never stays blank. */
  var BLANK_S = 45;
  function watchBlank(now) {
    var body = document.querySelector(".wall-body");
    if (!W.view || !body || body.children.length) { W.blankSince = 0; return; }
    if (!W.blankSince) { W.blankSince = now; return; }
    if (now - W.blankSince < BLANK_S * 1000) { return; }
    W.blankSince = now;
    if (window.console) { window.console.warn("wall: no view " + BLANK_S + " s after asking for it; reloading"); }
    softReload();
  }

  /* ---- critical alerts ---- */
  function applyAlert(ev) {
    if (cmpId(ev.id, W.lastAlert) <= 0) { return; }
    W.lastAlert = ev.id;
    var a = ev.data || {};
    if (a.state === "open" && a.severity >= 4) {
      delete W.gone[a.id];
      if (!W.alerts[a.id]) { W.bannerId = a.id; W.bannerAt = Date.now(); }  // a new one is shown at once
      W.alerts[a.id] = Object.assign({}, W.alerts[a.id] || {}, a);
      W.refreshN += 1;
      setProps("wall-alerts-refresh", {data: W.refreshN});  // the server spells out the place
    } else if (W.alerts[a.id] || a.severity >= 4) {
      W.gone[a.id] = true;
      delete W.alerts[a.id];
    }
    banner();
    flash();
  }

  function alertSocket() {
    if (W.asock || typeof window.io === "undefined" || !W.conf) { return; }
    var s = W.asock = window.io({forceNew: true, transports: ["websocket", "polling"],
                                 reconnectionDelayMax: 5000});  /* the wall session's cookie */
    s.on("connect", function () {
      W.aready = false; W.abuffer = [];
      s.emit("subscribe", {unit: W.conf.home, last: {incidents: null, supervision: null, alerts: W.lastAlert}});
    });
    s.on("feed", function (ev) {
      if (ev.stream !== "alerts") { return; }
      if (W.aready) { applyAlert(ev); } else { W.abuffer.push(ev); }
    });
    s.on("resumed", function (msg) {
      if (msg && msg.unit && msg.unit !== W.conf.home) { return; }
      W.aready = true;
      W.abuffer.sort(function (a, b) { return cmpId(a.id, b.id); }).forEach(applyAlert);
      W.abuffer = [];
      var head = msg && msg.last ? msg.last.alerts : null;
      if (head && cmpId(head, W.lastAlert) > 0) { W.lastAlert = head; }
      if (msg && msg.resynced) { W.refreshN += 1; setProps("wall-alerts-refresh", {data: W.refreshN}); }
    });
    s.on("disconnect", function () { W.aready = false; });
  }

  /* One open critical alert at a time, newest first, each for ?rotate= seconds; a new one is shown at
   * once. "2/5" says how many there are, so every one is seen within one cycle. */
  function banner(now) {
    var el = document.getElementById("wall-banner");
    if (!el) { return; }
    now = now || Date.now();
    var list = Object.keys(W.alerts).map(function (k) { return W.alerts[k]; });
    list.sort(function (a, b) { return (b.last_at || "").localeCompare(a.last_at || "") || b.id - a.id; });
    if (!list.length) { el.hidden = true; el.textContent = ""; el.removeAttribute("data-alert"); return; }
    var words = names().wall;
    if (!words) { return; }  // tick() calls again once the view's words are in
    var ids = list.map(function (a) { return a.id; });
    var at = ids.indexOf(W.bannerId);
    if (at < 0) {  // the first, or the one shown was acknowledged: start from the newest
      at = 0; W.bannerAt = now;
    } else if (list.length > 1 && now - W.bannerAt >= ((W.conf && W.conf.rotate) || 8) * 1000) {
      at = (at + 1) % list.length; W.bannerAt = now;
      if (at === 0) { W.bannerCycle += 1; }
    }
    if (W.bannerId !== ids[at]) {  // what was shown, in which turn: the wall's own record (tests read it)
      W.bannerLog.push([W.bannerCycle, ids[at]]);
      if (W.bannerLog.length > 500) { W.bannerLog.shift(); }
    }
    W.bannerId = ids[at];
    var a = list[at], l = lang();
    var title = (l === "en" && a.title_en) ? a.title_en : a.title;
    var t = a.last_at ? local(new Date(a.last_at).getTime()) : null;
    var parts = [words.critical, title, a.place || "", t ? pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) : ""];
    var text = parts.filter(Boolean).join("  ·  "), pos = list.length > 1 ? (at + 1) + " / " + list.length : "";
    if (el.getAttribute("data-text") !== text + pos) {
      el.textContent = "";
      if (pos) {
        var span = document.createElement("span");
        span.className = "wall-banner-pos";
        span.textContent = pos;
        el.appendChild(span);
      }
      el.appendChild(document.createTextNode(text));
      el.setAttribute("data-text", text + pos);
    }
    el.setAttribute("data-alert", String(a.id));
    el.setAttribute("data-count", String(list.length));
    el.setAttribute("data-cycle", String(W.bannerCycle));
    el.hidden = false;
  }

  /* A pulsing ring over each critical alert's location when it lies in the unit on screen. */
  function flash() {
    var layer = document.getElementById("wall-flash-layer");
    if (!layer) { return; }
    var gd = PI.mapGraph();
    var map = window.plotInternals.mapOf(gd);
    var html = [];
    if (map && W.view) {
      var r = map.getCanvas().getBoundingClientRect();
      Object.keys(W.alerts).forEach(function (k) {
        var a = W.alerts[k];
        if (a.lat == null || a.lon == null || (a.units || []).indexOf(W.view.code) < 0) { return; }
        var p = map.project([a.lon, a.lat]);
        if (p.x < 0 || p.y < 0 || p.x > r.width || p.y > r.height) { return; }
        html.push('<span class="wall-flash" data-alert="' + Number(a.id) + '" style="left:' + (r.left + p.x) +
                  "px;top:" + (r.top + p.y) + 'px"></span>');
      });
    }
    var next = html.join("");
    if (layer.getAttribute("data-html") !== next) { layer.innerHTML = next; layer.setAttribute("data-html", next); }
  }

  function tick() {
    var now = Date.now();
    clock(now); hook(); connection(); freshness(now); tour(now); rollover(now); reload(now); watchBlank(now);
    flash();
    banner(now);
    if (window.gridWallCharts) { window.gridWallCharts.scale(Math.max(1, scale())); }
    if (window.gridWallLists) { window.gridWallLists.tick(now, (W.conf && W.conf.rotate) || 8); }
  }

  dc.wall = {
    start: function (conf, stored) {
      if (!conf) { return dc.no_update; }
      W.conf = conf;
      // ?lang= wins over the stored choice and becomes it (the view's callbacks read the store).
      W.lang = conf.lang || stored || "zh";
      if (conf.lang && conf.lang !== stored) { setProps("shell-lang", {data: conf.lang}); }
      W.started = W.stepAt = Date.now();
      W.reloadAt = conf.reload > 0 ? W.started + conf.reload * 3600 * 1000 : 0;
      if (!W.timer) { W.timer = setInterval(tick, 1000); }
      alertSocket();
      W.view = {code: conf.home, kind: kindOf(conf.home), query: {}, scale: scale(), day: localDay(Date.now()),
                lang: W.lang};
      W.history.push(conf.home);
      setProps("view", {data: W.view});
      return "";
    },
    setTour: function (stops) {
      W.tour = stops || [];
      W.step = Math.max(0, W.tour.indexOf(W.view ? W.view.code : ""));
      W.stepAt = Date.now();
      return "";
    },
    setAlerts: function (rows) {
      var fresh = {};
      (rows || []).forEach(function (a) { if (!W.gone[a.id]) { fresh[a.id] = a; } });
      W.alerts = fresh;
      banner();
      return "";
    }
  };
  window.gridWall = W;
})();
