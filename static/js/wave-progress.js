/*
 * Live progress of an email wave. The wave page shows a <progress> bar and the
 * counts, correct when the page loads (reloading updates them without this file).
 * With JavaScript (and live-poll.js), the section marked data-wave-progress
 * data-live updates the bar, the counts and the status from its data-url, until
 * the wave is sent or cancelled.
 *
 * Screen readers hear the status sentence (role="status") only when the status
 * changes (sending, paused, finished), not the figures at every poll.
 */
(function () {
  "use strict";

  var numberFormat = new Intl.NumberFormat("en-GB");

  var SUMMARIES = {
    scheduled: "Waiting for its time to come.",
    sending: "Sending.",
    paused: "Paused.",
    sent: "Finished: every email is done.",
    cancelled: "Cancelled."
  };

  function update(section, data) {
    window.portalShowProgress(section, "[data-wave-bar]", "[data-wave-done]", data, data.done, "emails done");
    ["waiting", "sent", "failed", "suppressed", "cancelled"].forEach(function (name) {
      var cell = section.querySelector("[data-count='" + name + "']");
      if (cell) {
        cell.textContent = numberFormat.format(data[name]);
      }
    });
    // The live region changes only with the status, so it is announced only then.
    var summary = section.querySelector("[data-wave-summary]");
    if (summary && summary.getAttribute("data-status") !== data.status) {
      summary.setAttribute("data-status", data.status);
      summary.textContent = SUMMARIES[data.status] || data.status_label;
    }
    var tag = document.querySelector("[data-wave-status-tag]");
    if (tag) {
      tag.textContent = data.status_label;
    }
    updateControls(data);
  }

  // Every control on the page follows the status it shows: a finished wave offers
  // nothing to pause, unschedule or cancel, and a scheduled wave's time and text
  // can no longer be changed once sending has started.
  function updateControls(data) {
    var actions = data.actions || [];
    document.querySelectorAll("[data-wave-action]").forEach(function (form) {
      form.hidden = actions.indexOf(form.getAttribute("data-wave-action")) === -1;
    });
    var panel = document.querySelector("[data-wave-actions]");
    if (panel) {
      panel.hidden = actions.length === 0;
    }
    document.querySelectorAll("[data-wave-controls-for]").forEach(function (block) {
      var statuses = block.getAttribute("data-wave-controls-for").split(" ");
      block.hidden = statuses.indexOf(data.status) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-wave-progress][data-live]").forEach(function (section) {
      window.portalWatch(section, function (data) {
        update(section, data);
        if (data.finished) {
          section.removeAttribute("data-live");
        }
        return data.finished;
      });
    });
  });
})();
