/* Rectification Ledger: sort and filter long tables. Served from the site itself; no network. */
(function () {
  "use strict";
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ""; }
    return cell.getAttribute("data-sort") || cell.textContent.trim();
  }
  function compare(a, b) {
    // only whole numbers (and percentages) compare as numbers: "2023-08-31" and "2023-R2-001" are text
    var number = /^-?[\d.]+%?$/;
    if (number.test(a) && number.test(b)) { return parseFloat(a) - parseFloat(b); }
    return a.localeCompare(b, "zh");
  }
  function makeSortable(table) {
    var head = table.tHead;
    if (!head || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(head.rows[0].cells, function (th, index) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var c = compare(cellValue(r1, index), cellValue(r2, index));
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  }
  function wireFilter(input) {
    var box = input.parentNode, table = box.nextElementSibling;
    while (table && table.tagName !== "TABLE") { table = table.nextElementSibling; }
    if (!table) { return; }
    var selects = Array.prototype.slice.call(box.querySelectorAll("select.rl-filter-select"));
    function apply() {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var shown = !needle || row.textContent.toLowerCase().indexOf(needle) >= 0;
        selects.forEach(function (s) {
          if (s.value && row.getAttribute("data-" + s.getAttribute("data-key")) !== s.value) { shown = false; }
        });
        row.style.display = shown ? "" : "none";
      });
    }
    // a link such as rounds/2023-R2.html?warn=red opens the list already filtered (the overview's badges)
    var params = new URLSearchParams(window.location.search);
    selects.forEach(function (s) {
      var wanted = params.get(s.getAttribute("data-key"));
      if (wanted && Array.prototype.some.call(s.options, function (o) { return o.value === wanted; })) { s.value = wanted; }
      s.addEventListener("change", apply);
    });
    input.addEventListener("input", apply);
    apply();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.rl-sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("input.rl-filter-input"), wireFilter);
  }
  if (window.document$ && window.document$.subscribe) { window.document$.subscribe(init); }
  else if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
