// The live pledge wall: polls the wall's JSON every few seconds and adds new
// pledges without reloading; offers a full-screen button. Without JavaScript
// the page still shows the pledges and a Refresh link.
(function () {
  "use strict";
  var POLL_MS = 4000;

  function entryElement(entry) {
    var item = document.createElement("li");
    item.className = "events-wall__pledge events-wall__pledge--new";
    item.setAttribute("data-pledge-id", String(entry.id));
    var text = document.createElement("p");
    text.className = "events-wall__text";
    text.textContent = entry.text;
    item.appendChild(text);
    if (entry.name) {
      var who = document.createElement("p");
      who.className = "events-wall__who";
      who.textContent = entry.organisation ? entry.name + ", " + entry.organisation : entry.name;
      item.appendChild(who);
    }
    return item;
  }

  function start(wall) {
    var list = wall.querySelector("[data-wall-list]");
    var empty = wall.querySelector("[data-wall-empty]");
    var url = wall.getAttribute("data-wall-url");

    function render(entries) {
      var wanted = {};
      entries.forEach(function (entry) { wanted[String(entry.id)] = true; });
      // Pledges hidden by the organisers leave the wall.
      Array.prototype.slice.call(list.children).forEach(function (item) {
        if (!wanted[item.getAttribute("data-pledge-id")]) { list.removeChild(item); }
      });
      entries.forEach(function (entry) {
        if (!list.querySelector('[data-pledge-id="' + entry.id + '"]')) {
          list.appendChild(entryElement(entry));
        }
      });
      empty.hidden = entries.length > 0;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) { if (body) { render(body.pledges); } })
        .catch(function () { /* the next poll tries again */ })
        .then(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);

    var button = wall.querySelector("[data-wall-fullscreen]");
    if (button && document.fullscreenEnabled) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (document.fullscreenElement) { document.exitFullscreen(); } else { wall.requestFullscreen(); }
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var wall = document.getElementById("pledge-wall");
    if (wall) { start(wall); }
  });
})();
