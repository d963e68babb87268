/* Tablet mode: a swipe to the right goes up one level, like tapping the breadcrumb's last link.
   Swipes that start on the map (which pans), in a list (which scrolls sideways) or in a dialog are
   left alone; so are mostly vertical ones (page scrolling). No time limit: a slow hand is a hand. */
(function () {
  "use strict";
  var MIN_DX = 90;         // px to the right
  var IGNORE = window.plotInternals.mapSelector
    + ", .js-plotly-plot, .data-grid, .modal, .offcanvas, input, textarea, .dash-dropdown";
  var start = null;

  function upLink() {
    var links = document.querySelectorAll(".crumb-wrap .breadcrumb-item a");
    return links.length ? links[links.length - 1] : null;
  }

  document.addEventListener("touchstart", function (ev) {
    if (ev.touches.length !== 1 || (ev.target.closest && ev.target.closest(IGNORE))) {
      start = null;
      return;
    }
    var t = ev.touches[0];
    start = {x: t.clientX, y: t.clientY};
  }, {passive: true});

  document.addEventListener("touchend", function (ev) {
    if (!start || ev.changedTouches.length !== 1) { start = null; return; }
    var t = ev.changedTouches[0];
    var dx = t.clientX - start.x, dy = Math.abs(t.clientY - start.y);
    start = null;
    if (dx < MIN_DX || dy > dx / 2) { return; }
    var link = upLink();
    if (link) { link.click(); }
  }, {passive: true});

  document.addEventListener("touchcancel", function () { start = null; }, {passive: true});

  /* The briefing's 批示 buttons: one listener for all of them puts the tapped item in the PICK store
     (layouts/briefing.py); the server opens the dialog after checking the item is the caller's. */
  var picks = 0;
  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("#briefing-body .instruct-button");
    var dc = window.dash_clientside;
    if (!button || !dc || !dc.set_props) { return; }
    picks += 1;
    dc.set_props("briefing-pick", {data: {kind: button.getAttribute("data-kind"),
                                          id: button.getAttribute("data-id"), n: picks}});
  });
})();
