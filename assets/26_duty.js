/* Duty desk live updates: feed:alerts events from the shared socket (20_live.js) → duty-feed
 * store → AG Grid row transactions on the queue and the acknowledged board (partial updates).
 *
 * The server puts the socket in the officer's own unit room only, so nothing from outside the
 * jurisdiction arrives here. Events of one alert are applied in stream-id order; an older one
 * (a replay crossing a live push) is dropped. Paging (tone, tab title, notifications) follows the
 * queue's rows: assets/28_duty_paging.js.
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var D = {attached: null, seen: {}, batch: [], timer: null, seq: 0};

  function cmpId(a, b) { return window.gridLive ? window.gridLive.cmpId(a, b) : 0; }
  function onDesk() { return document.getElementById("duty-root") !== null; }

  /* How long ago, in the words the server handed the column (layouts/duty.py, "age.*"). */
  function fmtAge(iso, dh, hm, mins, secs) {
    if (!iso || !secs) { return ""; }
    var words = {dh: dh, hm: hm, m: mins, s: secs};
    var s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    var m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
    var tmpl = d ? words.dh : h ? words.hm : m ? words.m : words.s;
    return tmpl.replace("{d}", d).replace("{h}", d ? h % 24 : h).replace("{m}", h ? m % 60 : m).replace("{s}", s);
  }
  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  fns.dutyAge = fmtAge;

  /* The desk's filters (kind, level, district) and views ("mine", "my desk"), set by `focus`;
   * the grids ask these for every row, the rows live events insert included. */
  D.filter = {};
  fns.dutyFiltering = function () {
    var f = D.filter;
    return !!(f.kind || f.level || f.district || (f.view && f.view !== "all"));
  };
  fns.dutyShown = function (row) {
    var f = D.filter;
    if (!row) { return false; }
    if (f.kind && row.kind !== f.kind) { return false; }
    if (f.level && row.level !== f.level) { return false; }
    if (f.district && row.district !== f.district) { return false; }
    if (f.view === "mine" && (f.me || []).indexOf(row.assigned_to) < 0) { return false; }
    if (f.view === "desk" && row.level !== f.myLevel) { return false; }
    return true;
  };

  function flush() {
    D.timer = null;
    if (!D.batch.length || !onDesk()) { D.batch = []; return; }
    D.seq += 1;
    dc.set_props("duty-feed", {data: {seq: D.seq, events: D.batch}});
    D.batch = [];
  }

  function onFeed(ev) {
    if (!ev || ev.stream !== "alerts" || !ev.data || !onDesk()) { return; }
    var key = String(ev.data.id);
    if (D.seen[key] && cmpId(ev.id, D.seen[key]) <= 0) { return; }
    D.seen[key] = ev.id;
    D.batch.push(ev);
    if (!D.timer) { D.timer = setTimeout(flush, 30); }
  }

  /* The socket is created by the live glue when the desk subscribes; listen to it alongside. */
  setInterval(function () {
    var sock = window.gridLive && window.gridLive.state.socket;
    if (sock && D.attached !== sock) {
      D.attached = sock;
      sock.on("feed", onFeed);
    }
  }, 200);

  function api(id) {
    try { return window.dash_ag_grid.getApi(id); } catch { return null; }
  }

  function has(gridApi, id) { return !!(gridApi && gridApi.getRowNode(String(id))); }

  function rowOf(d, sub, prev) {
    var n = sub.names || {}, en = sub.lang === "en", ack = d.ack && d.ack.action === "ack" ? d.ack : null;
    return {id: d.id, severity: d.severity,
            severity_label: (n.severities || {})[String(d.severity)] || String(d.severity),
            title: en ? (d.title_en || d.title) : d.title, kind: d.kind,
            kind_label: (n.kinds || {})[d.kind] || d.kind, group_key: d.group_key, count: d.count,
            state: d.state, level: d.level, level_label: (n.levels || {})[d.level] || d.level,
            level_rank: (n.ranks || {})[d.level] || 0,
            district: d.units && d.units.length > 1 ? d.units[1] : null,
            first_at: d.first_at, last_at: d.last_at, assigned_to: d.assigned_to || "",
            // The name comes with the assignment's event only; later events keep the row's.
            assigned_name: d.assigned_name || (prev && prev.assigned_to === (d.assigned_to || "") ?
                                               prev.assigned_name : d.assigned_to || ""),
            mine: !!d.assigned_to && d.assigned_to === sub.me,
            acked_by: ack ? (ack.on_behalf_of || ack.user) : (prev ? prev.acked_by : ""),
            acked_at: ack ? ack.at : (prev ? prev.acked_at : d.last_at)};
  }

  function updateCount() {
    setTimeout(function () {
      var q = api("duty-queue"), el = document.querySelector('[data-count="queue"]');
      if (q && el) { el.textContent = String(q.getDisplayedRowCount()); }
    }, 50);
  }

  dc.dutyDesk = {
    applyFeed: function (feed, sub) {
      var nu = dc.no_update;
      if (!feed || !feed.events || !sub || !sub.desk) { return [nu, nu]; }
      var qApi = api("duty-queue"), bApi = api("duty-board");
      // Where each alert is now, as the batch moves it: "queue", "board" or absent.
      var where = {}, prev = {};
      var tq = {add: [], update: [], remove: [], async: false}, tb = {add: [], update: [], remove: [], async: false};
      feed.events.forEach(function (ev) {
        var d = ev.data, key = String(d.id);
        if (!(key in where)) {
          where[key] = has(qApi, key) ? "queue" : has(bApi, key) ? "board" : null;
          var node = (bApi && bApi.getRowNode(key)) || (qApi && qApi.getRowNode(key));
          prev[key] = node ? node.data : null;
        }
        var want = d.state === "open" ? "queue" : d.state === "acked" ? "board" : null;
        var row = rowOf(d, sub, prev[key]);
        prev[key] = row;
        var from = where[key];
        if (from && from !== want) { (from === "queue" ? tq : tb).remove.push({id: d.id}); }
        if (want) { (want === "queue" ? tq : tb)[from === want ? "update" : "add"].push(row); }
        where[key] = want;
      });
      var any = function (t) { return t.add.length || t.update.length || t.remove.length; };
      updateCount();
      return [any(tq) ? tq : nu, any(tb) ? tb : nu];
    },

    /* The switch's `lang` is the language of its own label (the other one); while the desk is on
     * screen the new language is echoed into the page so the desk re-renders in it. */
    relang: function (lang) {
      if (onDesk()) { dc.set_props("duty-lang", {data: lang}); }
      return lang === "en" ? "zh" : "en";
    },

    focus: function (kind, level, district, view, me) {
      D.filter = {kind: kind || null, level: level || null, district: district || null, view: view || "all",
                  me: (me && me.me) || [], myLevel: me && me.level};
      ["duty-queue", "duty-board"].forEach(function (id) {
        var g = api(id);
        if (g) { g.onFilterChanged(); }
      });
      updateCount();
      return fns.dutyFiltering() ? "duty-filters duty-filtering" : "duty-filters";
    },

    tick: function () {
      ["duty-queue", "duty-board"].forEach(function (id) {
        var g = api(id);
        // "title" too: on a narrow list the age is also on the title cell's second line (29_duty_fit.js).
        if (g) { g.refreshCells({columns: ["age", "title"], force: true}); }
      });
      updateCount();
      return dc.no_update;
    }
  };

  window.dutyDesk = {state: D};
})();
