/*
 * Session timeout warning on application pages. The server signs a person out
 * after a period of inactivity (SESSION_COOKIE_AGE); two minutes before that, show
 * the warning and let them stay signed in without leaving the page (and without
 * losing what they are typing). Without JavaScript the warning never shows, and
 * answers posted after the session ended are kept through sign-in by the server.
 */
(function () {
  "use strict";

  var WARN_BEFORE_SECONDS = 120;

  function start(warning) {
    var timeout = parseInt(warning.getAttribute("data-session-timeout"), 10);
    if (!timeout || timeout <= WARN_BEFORE_SECONDS) {
      return;
    }
    var form = warning.querySelector("form");
    var button = form.querySelector("button");
    var timer = null;

    function schedule() {
      window.clearTimeout(timer);
      warning.hidden = true;
      timer = window.setTimeout(function () {
        warning.hidden = false;
        button.focus();
      }, (timeout - WARN_BEFORE_SECONDS) * 1000);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      }).then(function (response) {
        if (response.ok) {
          schedule();
        } else {
          form.submit();
        }
      });
    });

    schedule();
  }

  function preventDoubleSubmit() {
    document.querySelectorAll("[data-prevent-double-click]").forEach(function (button) {
      var form = button.form;
      if (!form) {
        return;
      }
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-submitted")) {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-submitted", "true");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var warning = document.querySelector("[data-session-timeout]");
    if (warning) {
      start(warning);
    }
    preventDoubleSubmit();
  });
})();
