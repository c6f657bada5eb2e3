// Counts the characters of each field that says its limit (data-limit), as one types: "123 / 500".
// Optional: without it the page says the limit, and the service refuses what is too long, keeping what was typed.
(function () {
  "use strict";
  function count(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var typed = Array.from(field.value.replace(/\r\n/g, "\n").trim()).length;  // characters, as the service counts them
    var out = document.getElementById(field.id + "-count");
    if (!out) {
      out = document.createElement("small");
      out.id = field.id + "-count";
      out.className = "help count";
      out.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", out);
    }
    out.textContent = typed + " / " + limit;
    out.classList.toggle("over", typed > limit);
  }
  document.querySelectorAll("[data-limit]").forEach(function (field) {
    field.addEventListener("input", function () { count(field); });
    count(field);
  });
})();
