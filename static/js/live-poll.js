/*
 * Live figures on a page: the section asks its data-url (a small JSON endpoint)
 * every data-interval milliseconds and hands each answer to `update`, until
 * `update` returns true (finished). A blip (a restart, the network) is retried a
 * few times, more slowly; then the section's [data-reload-hint] is shown. The
 * page is correct without this file: reloading it shows the latest figures.
 * Used by the email wave's progress (wave-progress.js) and the release of
 * decisions (release-progress.js).
 */
(function () {
  "use strict";

  window.portalWatch = function (section, update) {
    var url = section.getAttribute("data-url");
    var interval = parseInt(section.getAttribute("data-interval"), 10) || 2000;
    var hint = section.querySelector("[data-reload-hint]");
    if (hint) {
      hint.hidden = true;
    }
    var failures = 0;

    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (!update(data)) {
            window.setTimeout(poll, interval);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures <= 5) {
            window.setTimeout(poll, interval * (failures + 1));
          } else if (hint) {
            hint.hidden = false;
          }
        });
    }

    window.setTimeout(poll, interval);
  };
})();
