/* Duty desk paging: while an unacknowledged alert of severity 3 or 4 is in the desk's queue, a
 * repeating tone, the tab title counting them ("(3) 值班台") and a system notification when the tab
 * is hidden. One function (`recompute`) decides, from the queue grid's rows and the latest state
 * the feed reported for each alert; it runs on the grid's `modelUpdated` (first render, rows moved
 * by 26_duty.js, an action's refreshed rows) and on each feed:alerts event. The event path matters
 * for stopping: an acknowledgement's event stops the paging the moment it reaches the socket,
 * without waiting for the Dash round trip that moves the row (a few hundred ms on a busy machine).
 *
 * The control (#duty-paging, layouts/duty_roster.py) carries the threshold and the words; its one
 * click is the gesture browsers require before audio, and it asks for notifications too. The choice
 * is kept per desk in localStorage. State for tests and screens: #duty-root[data-paging] (count),
 * #duty-root[data-tone] ("ringing" | "idle" | "off"), window.dutyPaging.state.
 */
(function () {
  "use strict";
  var RING_EVERY_MS = 2500;
  var P = {grid: null, socket: null, latest: {}, severe: {}, count: 0, audio: null, ring: null, beeps: 0,
           notes: {}, baseTitle: null, title: null};

  function control() { return document.getElementById("duty-paging"); }
  function root() { return document.getElementById("duty-root"); }
  function storeKey() { var c = control(); return "duty-paging:" + (c ? c.dataset.desk : ""); }
  function enabled() {
    try { return window.localStorage.getItem(storeKey()) === "on"; } catch { return false; }
  }

  function audioContext() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    P.audio = P.audio || new Ctx();
    if (P.audio.state === "suspended") { P.audio.resume(); }
    return P.audio;
  }

  /* Two short 880 Hz beeps made with the Web Audio API (no audio file to ship). */
  function tone() {
    P.beeps += 1;
    try {
      var ctx = audioContext();
      if (!ctx) { return; }
      var t = ctx.currentTime;
      [0, 0.22].forEach(function (offset) {
        var osc = ctx.createOscillator(), gain = ctx.createGain();
        osc.type = "sine";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, t + offset);
        gain.gain.exponentialRampToValueAtTime(0.3, t + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + offset + 0.18);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t + offset);
        osc.stop(t + offset + 0.2);
      });
    } catch { /* no audio device: the title, the pulse and the notification remain */ }
  }

  function hidden() { return document.visibilityState === "hidden"; }
  function mayNotify() { return "Notification" in window && window.Notification.permission === "granted"; }

  function notify(id, row) {
    var c = control();
    if (!c || P.notes[id] || !hidden() || !mayNotify()) { return; }
    try {
      var note = new window.Notification(c.dataset.notify.replace("{id}", id),
                                         {body: row.title || "", tag: "duty-alert-" + id, requireInteraction: true});
      note.onclick = function () { window.focus(); };
      P.notes[id] = note;
    } catch { /* notifications unavailable: the title and the tone remain */ }
  }

  function closeNote(id) {
    var note = P.notes[id];
    delete P.notes[id];
    if (note) { try { note.close(); } catch { /* already gone */ } }
  }

  function applyTitle() {
    var c = control();
    if (!c) { return; }
    var want = (P.count ? "(" + P.count + ") " : "") + c.dataset.title;
    if (document.title !== want) {
      if (P.baseTitle === null) { P.baseTitle = document.title; }
      document.title = want;
    }
    P.title = want;
  }

  function applyTone() {
    var on = enabled(), ringing = on && P.count > 0, r = root(), c = control();
    if (ringing && !P.ring) {
      tone();
      P.ring = setInterval(tone, RING_EVERY_MS);
    } else if (!ringing && P.ring) {
      clearInterval(P.ring);
      P.ring = null;
    }
    if (r) {
      r.dataset.tone = ringing ? "ringing" : on ? "idle" : "off";
      r.dataset.paging = String(P.count);
      r.classList.toggle("duty-paging-on", P.count > 0);
    }
    var button = c && c.querySelector("button");
    if (button) {
      button.textContent = on ? c.dataset.off : c.dataset.on;
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  /* The one update path: the queue's rows → which severe alerts page → title, tone, notifications. */
  function recompute() {
    var c = control(), grid = P.grid;
    if (!c || !grid) { return; }
    var threshold = Number(c.dataset.severity) || 3, now = {};
    grid.forEachNode(function (node) {
      var d = node.data, last = d && P.latest[String(d.id)];
      // A newer event than the row (an acknowledgement on its way into the grid) wins.
      if (d && d.state === "open" && d.severity >= threshold && (!last || last.state === "open")) {
        now[String(d.id)] = d;
      }
    });
    Object.keys(P.severe).forEach(function (id) { if (!(id in now)) { closeNote(id); } });
    P.severe = now;
    P.count = Object.keys(now).length;
    Object.keys(now).forEach(function (id) { notify(id, now[id]); });
    applyTitle();
    applyTone();
  }

  /* Each feed:alerts event records the alert's newest state (stream-id order), then recomputes. */
  function onFeed(ev) {
    if (!ev || ev.stream !== "alerts" || !ev.data || ev.data.id === null || ev.data.id === undefined) { return; }
    var key = String(ev.data.id), seen = P.latest[key], cmp = window.gridLive.cmpId;
    if (seen && cmp(ev.id, seen.id) <= 0) { return; }
    P.latest[key] = {id: ev.id, state: ev.data.state};
    recompute();
  }

  function stop() {
    Object.keys(P.notes).forEach(closeNote);
    P.severe = {};
    P.count = 0;
    if (P.ring) { clearInterval(P.ring); P.ring = null; }
    if (P.baseTitle !== null) { document.title = P.baseTitle; P.baseTitle = null; }
    P.grid = null;
    P.latest = {};
  }

  /* The queue grid is re-created when the desk re-renders (a language switch): follow it. */
  setInterval(function () {
    if (!root()) { if (P.grid || P.count) { stop(); } return; }
    var sock = window.gridLive && window.gridLive.state.socket;
    if (sock && sock !== P.socket) {
      P.socket = sock;
      sock.on("feed", onFeed);
    }
    var grid = null;
    try { grid = document.getElementById("duty-queue") ? window.dash_ag_grid.getApi("duty-queue") : null; }
    catch { grid = null; }
    if (grid && grid !== P.grid) {
      P.grid = grid;
      grid.addEventListener("modelUpdated", recompute);
      recompute();
    } else if (P.grid && P.title !== null && document.title !== P.title) {
      applyTitle();  // the router set the page's title after we did
    }
  }, 200);

  document.addEventListener("visibilitychange", function () {
    if (hidden()) { recompute(); return; }
    Object.keys(P.notes).forEach(closeNote);  // the officer is looking at the desk again
  });

  /* The control: on asks for audio and notifications (this click is the gesture both need). */
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("#duty-paging-toggle");
    if (!button) {
      if (enabled() && P.audio && P.audio.state === "suspended") { P.audio.resume(); }
      return;
    }
    var on = !enabled();
    try { window.localStorage.setItem(storeKey(), on ? "on" : "off"); } catch { /* private mode */ }
    if (on) {
      audioContext();
      if ("Notification" in window && window.Notification.permission === "default") {
        window.Notification.requestPermission();
      }
    }
    applyTone();
  });

  window.dutyPaging = {state: P, recompute: recompute};
})();
