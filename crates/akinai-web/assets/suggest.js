// akinai search suggestions (first-party). As the shopper types, fills the search box's
// <datalist> with up to eight product names from /search/suggest; picking one puts it in the box
// and the form searches for it. Names are set as option values, never as markup. Without script
// the box is a plain search form. Not loaded on checkout pages, which run no script (CCSG-V-3).
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  var list = input && document.getElementById(input.getAttribute("list"));
  if (!input || !list || !window.fetch) { return; }
  var timer = null, asked = "";
  function show(names) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }
  function ask() {
    var q = input.value.trim();
    if (q === asked) { return; }
    asked = q;
    if (q === "") { show([]); return; }
    fetch(input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(q),
      { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (answer && answer.names && input.value.trim() === q) { show(answer.names); }
      })
      .catch(function () { /* offline: the box still searches */ });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });
})();
