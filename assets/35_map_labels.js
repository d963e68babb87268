/* Region names on the map (the `labels` trace of layouts/figures_map.py) get a dark halo, so they
 * read over bright markers too. Plotly exposes no text halo for map traces; MapLibre has one, set
 * here on the trace's symbol layer once per drawn map (Plotly keeps paint keys it does not own).
 */
(function () {
  "use strict";

  function haloOnce() {
    var gd = document.querySelector("#unit-map .js-plotly-plot");
    var sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    var map = sub && sub.map, pal = window.dash_clientside && window.dash_clientside.gridLive &&
      window.dash_clientside.gridLive.palette;
    if (!map || !map.style || !map.style._loaded || !gd.data || !pal || !pal.halo) { return; }
    for (var i = 0; i < gd.data.length; i++) {
      var full = gd._fullData[i], gl = full && full._glTrace;
      if (gd.data[i].meta !== "labels" || !gl || !map.getLayer(gl.layerIds.symbol)) { continue; }
      if (map.getPaintProperty(gl.layerIds.symbol, "text-halo-width")) { return; }
      map.setPaintProperty(gl.layerIds.symbol, "text-halo-color", pal.halo);
      map.setPaintProperty(gl.layerIds.symbol, "text-halo-width", 1.8);
      return;
    }
  }

  window.setInterval(function () { try { haloOnce(); } catch { /* a map being rebuilt */ } }, 700);
})();
