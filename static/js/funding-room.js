/*
 * The room screen at a live vote: turnout (and totals, when the call shows
 * them) refreshed every few seconds from the room's JSON. Without this file the
 * page refreshes itself (a <noscript> refresh) and shows the same figures.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-room]");
  if (!section || !window.portalWatch) {
    return;
  }
  window.portalWatch(section, function (data) {
    ["status", "voted", "eligible", "percent", "votes"].forEach(function (name) {
      var field = section.querySelector('[data-field="' + name + '"]');
      if (field) {
        field.textContent = data[name];
      }
    });
    var list = section.querySelector("[data-totals]");
    if (list && data.totals) {
      list.replaceChildren.apply(
        list,
        data.totals.map(function (row) {
          var item = document.createElement("li");
          item.textContent = row.title + ": " + row.votes;
          return item;
        })
      );
    }
    return false;
  });
})();
