/*
 * Live progress of a release of decisions. The release page shows a <progress>
 * bar and the counts, correct when the page loads (reloading updates them
 * without this file). With JavaScript, the section marked data-release-progress
 * data-live asks its data-url every data-interval milliseconds and updates the
 * bar and the counts; when the release finishes it reloads the page once, so the
 * summary tables and the controls show the round as it now is.
 */
(function () {
  "use strict";

  var numberFormat = new Intl.NumberFormat("en-GB");

  function update(section, data) {
    var bar = section.querySelector("[data-release-bar]");
    if (bar) {
      bar.max = data.total > 0 ? data.total : 1;
      bar.value = data.released;
      bar.textContent = data.percent + "%";
    }
    var done = section.querySelector("[data-release-done]");
    if (done) {
      done.textContent =
        numberFormat.format(data.released) + " of " + numberFormat.format(data.total) + " decisions released.";
    }
  }

  function watch(section) {
    var url = section.getAttribute("data-url");
    var interval = parseInt(section.getAttribute("data-interval"), 10) || 1500;
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
          update(section, data);
          if (data.finished) {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, interval);
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
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-release-progress][data-live]").forEach(watch);
  });
})();
