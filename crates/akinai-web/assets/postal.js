// akinai 郵便番号から住所入力 (first-party, address book only: the checkout runs no script).
// Typing a seven-digit postal code fills prefecture, city and town from /postal-code/{code};
// the 「住所を自動入力」 button does the same without leaving the page. Without script the
// button submits the form and the server fills it in. The messages come from the button.
(function () {
  "use strict";
  var button = document.querySelector("[data-postal-autofill]");
  if (!button || !button.form || !window.fetch) { return; }
  var form = button.form;
  function field(name) { return form.querySelector("[name=" + name + "]"); }
  var code = field("postal_code"), pref = field("prefecture"), city = field("city"),
    line1 = field("line1"), status = document.getElementById("postal-status");
  var asked = "", filledTown = "";
  function say(text) { if (status) { status.textContent = text; } }
  function digits() {
    return code.value.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/[^0-9]/g, "");
  }
  function same(places, key) {
    return places.every(function (p) { return p[key] === places[0][key]; });
  }
  function show(places) {
    var first = places[0];
    if (same(places, "prefecture_code")) {
      pref.value = String(first.prefecture_code);
      if (same(places, "city")) { city.value = first.city; }
    }
    if (places.length === 1) {
      if (line1.value === "" || line1.value === filledTown) {
        line1.value = first.town;
        filledTown = first.town;
      }
      say(button.getAttribute("data-filled"));
      return;
    }
    var towns = places.map(function (p) { return p.prefecture + p.city + p.town; });
    say(button.getAttribute("data-several").replace("{towns}", towns.join("、")));
  }
  function fill(typed) {
    var d = digits();
    if (d.length !== 7) {
      if (!typed) { say(button.getAttribute("data-malformed")); }
      return;
    }
    if (typed && d === asked) { return; }
    asked = d;
    fetch("/postal-code/" + d, { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) { say(button.getAttribute("data-unknown")); }
        return r.ok ? r.json() : null;
      })
      .then(function (answer) {
        if (answer && answer.places && answer.places.length) { show(answer.places); }
      })
      .catch(function () { /* offline: the button still submits the form */ });
  }
  code.addEventListener("input", function () { fill(true); });
  button.addEventListener("click", function (event) {
    event.preventDefault();
    fill(false);
  });
})();
