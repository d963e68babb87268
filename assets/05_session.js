/* Session hook (dashboard.auth.login): when the server answers a Dash request with 401 the session has
 * ended (expired, logged out elsewhere, password changed, account disabled, wall token revoked or
 * expired): the log-in page, and back to the same view afterwards. (A wall's token never stays in
 * its URL: the server swaps it for a session at first use.) Owned by the accounts code, separate from the screens.
 */
(function () {
  "use strict";
  if (!window.fetch || window.__sessionHook) { return; }
  window.__sessionHook = true;
  var leaving = false;
  var original = window.fetch.bind(window);

  function url(input) {
    return typeof input === "string" ? input : (input && input.url) || "";
  }

  window.fetch = function (input, init) {
    return original(input, init).then(function (response) {
      if (response.status === 401 && !leaving && url(input).indexOf("/_dash-") !== -1) {
        leaving = true;
        var here = window.location.pathname + window.location.search;
        window.location.assign("/login?next=" + encodeURIComponent(here));
      }
      return response;
    });
  };
})();
