/*
 * Q Portal enhancements. Every page works without this file; it only makes things
 * nicer. No dependencies, no inline handlers (the CSP forbids them).
 *
 * 1. Error summary: focus moves to it when the page loads, so keyboard and screen
 *    reader users meet it first; its links move focus to the field and scroll the
 *    field's label (or legend) into view, not just the bare input.
 * 2. Word counter: <textarea data-word-limit="300"> gets a counter below it,
 *    "You have 12 words remaining" / "You have 3 words too many". The server still
 *    checks the limit, so no-JS users get an error message instead.
 */
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();

    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) {
        return;
      }
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (!input) {
        return;
      }
      event.preventDefault();
      var fieldset = input.closest("fieldset");
      var legend = fieldset && fieldset.querySelector("legend");
      var label = legend || document.querySelector("label[for='" + input.id + "']");
      (label || input).scrollIntoView();
      input.focus({ preventScroll: true });
    });
  }

  // The server's rule (applications/validators.py): a word is a run of non-space
  // characters with at least one letter or digit, so a lone dash is not a word.
  function countWords(text) {
    var words = text.match(/\S*[\p{L}\p{N}]\S*/gu);
    return words ? words.length : 0;
  }

  function counterText(remaining) {
    if (remaining >= 0) {
      return "You have " + remaining + (remaining === 1 ? " word" : " words") + " remaining";
    }
    var over = -remaining;
    return "You have " + over + (over === 1 ? " word" : " words") + " too many";
  }

  function enhanceWordLimit(textarea, index) {
    var limit = parseInt(textarea.getAttribute("data-word-limit"), 10);
    if (!limit || limit < 1) {
      return;
    }
    var base = textarea.id || "textarea-" + index;
    // What sighted users see, updated on every key...
    var counter = document.createElement("div");
    counter.id = base + "-word-count";
    counter.className = "word-count";
    counter.setAttribute("aria-hidden", "true");
    // ...and what screen readers hear, when typing pauses rather than after every key.
    var status = document.createElement("div");
    status.id = base + "-word-count-status";
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    // Filled before it joins the page, so nothing is announced on load.
    status.textContent = counterText(limit - countWords(textarea.value));
    textarea.insertAdjacentElement("afterend", status);
    textarea.insertAdjacentElement("afterend", counter);

    var describedBy = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", describedBy ? describedBy + " " + status.id : status.id);

    var timer = null;
    function remaining() {
      return limit - countWords(textarea.value);
    }
    function show() {
      var left = remaining();
      counter.textContent = counterText(left);
      counter.classList.toggle("word-count--over", left < 0);
      textarea.classList.toggle("word-count-over", left < 0);
    }
    function announce() {
      status.textContent = counterText(remaining());
    }

    textarea.addEventListener("input", function () {
      show();
      window.clearTimeout(timer);
      timer = window.setTimeout(announce, 1000);
    });
    show();
  }

  function init() {
    document.documentElement.classList.add("js-enabled");
    focusErrorSummary();
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-word-limit]"), enhanceWordLimit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
