// akinai まとめて注文 (first-party): as the buyer types or pastes codes and quantities, the lines
// are checked on the server (/quick-order/preview, the same rules as 「内容を確認する」) and each
// product, price and stock — or why a line cannot go in — is shown below the box. Text is set as
// text, never as markup. Without script, 「内容を確認する」 shows the same on a new page.
(function () {
  "use strict";
  var box = document.getElementById("lines");
  var live = document.getElementById("quick-live");
  var summary = document.getElementById("quick-summary");
  if (!box || !live || !summary || !box.form || !window.fetch) { return; }
  var form = box.form, timer = null, asked = null;
  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
  }
  function head(table, names) {
    var tr = document.createElement("tr");
    names.forEach(function (n) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = n;
      tr.appendChild(th);
    });
    var thead = document.createElement("thead");
    thead.appendChild(tr);
    table.appendChild(thead);
  }
  function show(answer) {
    while (live.firstChild) { live.removeChild(live.firstChild); }
    summary.textContent = answer.summary;
    if (!answer.rows.length) { return; }
    var table = document.createElement("table");
    table.className = "quick";
    head(table, answer.columns);
    var body = document.createElement("tbody");
    answer.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.line, "num");
      cell(tr, r.code);
      cell(tr, r.product, r.error ? "error" : "");
      cell(tr, r.price, "num");
      cell(tr, r.quantity, "num");
      cell(tr, r.stock, "num");
      body.appendChild(tr);
    });
    table.appendChild(body);
    live.appendChild(table);
  }
  function check() {
    var text = box.value;
    if (text === asked) { return; }
    asked = text;
    if (text.trim() === "") {
      while (live.firstChild) { live.removeChild(live.firstChild); }
      summary.textContent = "";
      return;
    }
    var data = new URLSearchParams();
    data.set("csrf", form.querySelector("input[name=csrf]").value);
    data.set("lines", text);
    fetch("/quick-order/preview", {
      method: "POST",
      headers: { Accept: "application/json" },
      body: data
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer && box.value === text) { show(answer); } })
      .catch(function () { /* offline: 「内容を確認する」 still works */ });
  }
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
  if (box.value.trim() !== "") { check(); }
}());
