// Counts the characters of each field that says its limit (data-limit), as one types: "123 / 500", in the field's
// help (before the field: its error, when the page shows one, stays right after it).
// Optional: without it the page says the limit, and the service refuses what is too long, keeping what was typed.
(function () {
  "use strict";
  function count(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var typed = Array.from(field.value.replace(/\r\n/g, "\n").trim()).length;  // characters, as the service counts them
    var out = document.getElementById(field.id + "-count");
    if (!out) {
      var help = document.getElementById(field.id + "-help");
      if (!help) { return; }
      out = document.createElement("span");
      out.id = field.id + "-count";
      out.className = "count";
      out.setAttribute("aria-live", "polite");
      help.appendChild(document.createTextNode(" — "));
      help.appendChild(out);
    }
    out.textContent = typed + " / " + limit;
    out.classList.toggle("over", typed > limit);
  }
  document.querySelectorAll("[data-limit]").forEach(function (field) {
    field.addEventListener("input", function () { count(field); });
    count(field);
  });
})();
