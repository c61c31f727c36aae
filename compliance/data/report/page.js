/* compliance HTML report: filters the tables marked data-searchable by the text typed in
   #search. The query can come from the address: report.html#q=gpl filters on load, and typing
   keeps the address in step so that a filtered view can be shared. */
(function () {
  "use strict";
  var input = document.getElementById("search");
  var counter = document.getElementById("search-count");
  if (!input) { return; }
  var rows = Array.prototype.slice.call(
    document.querySelectorAll("table[data-searchable] tbody[data-row]"));
  var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });

  function queryFromHash() {
    var parts = window.location.hash.replace(/^#/, "").split("&");
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf("=");
      if (eq > 0 && parts[i].slice(0, eq) === "q") {
        try { return decodeURIComponent(parts[i].slice(eq + 1).replace(/\+/g, " ")); }
        catch (e) { return parts[i].slice(eq + 1); }
      }
    }
    return "";
  }

  function apply(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row, i) {
      var hit = words.every(function (w) { return texts[i].indexOf(w) !== -1; });
      row.hidden = !hit;
      if (hit) { shown++; }
    });
    document.body.setAttribute("data-query", query);
    if (counter) {
      counter.textContent = (counter.getAttribute("data-template") || "{shown}/{total}")
        .replace("{shown}", String(shown)).replace("{total}", String(rows.length));
      counter.setAttribute("data-shown", String(shown));
    }
  }

  input.addEventListener("input", function () {
    apply(input.value);
    var hash = input.value ? "#q=" + encodeURIComponent(input.value) : " ";
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", hash === " " ? window.location.pathname : hash);
    }
  });
  window.addEventListener("hashchange", function () {
    input.value = queryFromHash();
    apply(input.value);
  });
  input.value = queryFromHash();
  apply(input.value);
}());
