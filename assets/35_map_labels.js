/* Region names on the map (the `labels` trace of layouts/figures_map.py) get a dark halo, so they
 * read over bright markers too. Plotly exposes no text halo for map traces; MapLibre has one, set
 * here on the trace's symbol layer once per drawn map (Plotly keeps paint keys it does not own).
 * The names also show without MapLibre's fade-in, and the map's sources keep what they hold when
 * a redraw hands them the same (07_plot_internals.js `noFade`, `keepEqualData`).
 */
(function () {
  "use strict";

  function haloOnce() {
    var PI = window.plotInternals, gd = PI.mapGraph(), map = PI.mapOf(gd), pal = window.dash_clientside && window.dash_clientside.gridLive &&
      window.dash_clientside.gridLive.palette;
    if (!PI.styleLoaded(map) || !PI.drawn(gd)) { return; }
    PI.noFade(map);
    PI.keepEqualData(gd);
    if (!pal || !pal.halo) { return; }
    for (var i = 0; i < gd.data.length; i++) {
      var layer = gd.data[i].meta === PI.traces.labels ? PI.symbolLayer(gd, i) : null;
      if (!layer) { continue; }
      if (map.getPaintProperty(layer, "text-halo-width")) { return; }
      map.setPaintProperty(layer, "text-halo-color", pal.halo);
      map.setPaintProperty(layer, "text-halo-width", 1.8);
      return;
    }
  }

  window.setInterval(function () {
    try { haloOnce(); } catch (e) { window.plotInternals.report("region label halo", e); }
  }, 700);
})();
