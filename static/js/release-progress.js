/*
 * Live progress of a release of decisions. The release page shows a <progress>
 * bar and the counts, correct when the page loads (reloading updates them
 * without this file). With JavaScript (and live-poll.js), the section marked
 * data-release-progress data-live updates the bar and the counts from its
 * data-url; when the release finishes it reloads the page once, so the summary
 * tables and the controls show the round as it now is.
 */
(function () {
  "use strict";

  function update(section, data) {
    window.portalShowProgress(
      section, "[data-release-bar]", "[data-release-done]", data, data.released, "decisions released"
    );
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-release-progress][data-live]").forEach(function (section) {
      window.portalWatch(section, function (data) {
        update(section, data);
        if (data.finished) {
          window.location.reload();
        }
        return data.finished;
      });
    });
  });
})();
