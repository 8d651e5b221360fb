/*
 * Live figures on a page: the section asks its data-url (a small JSON endpoint)
 * every data-interval milliseconds and hands each answer to `update`, until
 * `update` returns true (finished). A blip (a restart, the network) is retried a
 * few times, more slowly; then the section's [data-reload-hint] is shown. The
 * page is correct without this file: reloading it shows the latest figures.
 * Used by the email wave's progress (wave-progress.js) and the release of
 * decisions (release-progress.js), which both show their figures through
 * `portalShowProgress`.
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

  var numberFormat = new Intl.NumberFormat("en-GB");

  // A <progress> bar (`bar`) and its sentence (`sentence`, "12 of 40 emails done.")
  // inside the section, set to `done` of `total`.
  window.portalShowProgress = function (section, bar, sentence, data, done, words) {
    var progress = section.querySelector(bar);
    if (progress) {
      progress.max = data.total > 0 ? data.total : 1;
      progress.value = done;
      progress.textContent = data.percent + "%";
    }
    var text = section.querySelector(sentence);
    if (text) {
      text.textContent = numberFormat.format(done) + " of " + numberFormat.format(data.total) + " " + words + ".";
    }
  };
})();
