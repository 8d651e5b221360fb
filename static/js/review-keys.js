/*
 * Scoring from the keyboard (selection/templates/selection/review.html). With the
 * focus on one of a criterion's scores (a <section data-score-keys>), the keys 1
 * to 4 (or the rubric's levels) choose that level, as clicking it would. Typing in
 * a comment box is left alone. Without this file the radio buttons work as they
 * always do; the hint saying so is shown only when the keys work.
 */
(function () {
  "use strict";

  function levelFor(section, key) {
    var inputs = section.querySelectorAll("input[type='radio']");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].value === key) {
        return inputs[i];
      }
    }
    return null;
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !/^[0-9]$/.test(event.key)) {
      return;
    }
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "radio") {
      return;
    }
    var section = target.closest("[data-score-keys]");
    var input = section && levelFor(section, event.key);
    if (!input) {
      return;
    }
    event.preventDefault();
    input.focus();
    if (!input.checked) {
      input.click();
    }
  }

  function start() {
    var sections = document.querySelectorAll("[data-score-keys]");
    if (!sections.length) {
      return;
    }
    sections.forEach(function (section) {
      section.addEventListener("keydown", onKey);
    });
    document.querySelectorAll("[data-score-keys-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
