/* A graph is purged only once its draw has finished, and a map is drawn again only once it has
 * loaded.
 *
 * dcc.Graph purges its div when it unmounts (a drill, a language switch). A Plotly draw can still be
 * on its way there: axis labels and the map make `react` and a resize's relayout asynchronous, and
 * the rest of the draw then runs on a purged div and throws ("reading '_rangeSliderData'" of the
 * missing _fullLayout) inside a promise nobody handles. So every draw started through Plotly's API
 * (react, newPlot, relayout, restyle, update, Plots.resize) is counted on its div until its promise
 * settles, and a purge waits for the count to reach zero, at most 5 s: a map whose style never
 * loads still gives its WebGL context back.
 *
 * Plotly builds a map's MapLibre object at once and adds the traces' sources when its style has
 * loaded; a second draw in between (a live refresh, a resize, a drill's figure) finds the map
 * built and adds its sources straight away, which MapLibre refuses: "Style is not done loading",
 * and that draw's traces are missing. So a draw that starts while the div's map is still loading,
 * or not built yet by a draw still under way, waits for the draw before it; and once a map is
 * built, its subplot's own data writes wait for the style too (07_plot_internals.js
 * deferUntilStyle), for the redraws Plotly times itself. Plotly is loaded lazily by
 * dash-core-components, so this patches it when it appears. */
(function () {
  "use strict";
  var MAX_WAIT = 5000;

  function div(gd) { return typeof gd === "string" ? document.getElementById(gd) : gd; }

  /* The div's map (or the one the draw brings: react's and newPlot's figure, either form) is not
   * ready for data: not built yet, or its style not loaded (07_plot_internals.js reads it). */
  function mapLoading(el, args) {
    var PI = window.plotInternals, map = PI && PI.mapOf(el);
    if (map) { return !PI.styleLoaded(map); }
    var fig = args[1], layout = fig && !Array.isArray(fig) && fig.layout ? fig.layout : args[2];
    return !!((layout && layout.map) || (el && el.layout && el.layout.map));
  }

  function guardMap(el) {
    var PI = window.plotInternals;
    if (PI && el) { PI.deferUntilStyle(el); }
  }

  function counted(owner, name) {
    var fn = owner[name];
    if (typeof fn !== "function" || fn.counted) { return; }
    var wrapped = function (gd) {
      var self = this, args = arguments, el = div(gd);
      var call = function () { var r = fn.apply(self, args); guardMap(el); return r; };
      var before = el && el.__drawing > 0 && mapLoading(el, args) ? el.__lastDraw : null;
      var result = before ? before.then(call, call) : call();
      if (el && result && typeof result.then === "function") {
        el.__drawing = (el.__drawing || 0) + 1;
        el.__lastDraw = result;
        var done = function () { el.__drawing -= 1; guardMap(el); };
        result.then(done, done);
      }
      return result;
    };
    wrapped.counted = true;
    owner[name] = wrapped;
  }

  function patch(P) {
    if (!P || !P.purge || P.purge.guarded) { return; }
    ["react", "newPlot", "relayout", "restyle", "update"].forEach(function (n) { counted(P, n); });
    if (P.Plots) { counted(P.Plots, "resize"); }
    var purge = P.purge;
    var guarded = function (gd) {
      var el = div(gd);
      if (!el || !el.__drawing) { return purge.apply(P, arguments); }
      var since = Date.now();
      (function later() {
        if (el.__drawing > 0 && Date.now() - since < MAX_WAIT) { setTimeout(later, 30); return; }
        purge.call(P, el);
      })();
      return el;
    };
    guarded.guarded = true;
    P.purge = guarded;
  }

  if (window.Plotly) { patch(window.Plotly); return; }
  var timer = setInterval(function () {
    if (window.Plotly) { clearInterval(timer); patch(window.Plotly); }
  }, 20);
})();
