// Optional: "Copy" and "Print" buttons on a sheet to hand over (without them: select the text, or print the page).
(function () {
  "use strict";
  document.querySelectorAll("[data-handover]").forEach(function (sheet) {
    var text = sheet.querySelector("textarea");
    var row = document.createElement("p");
    row.className = "no-print";
    [["copy", function () {
      text.select();
      (navigator.clipboard ? navigator.clipboard.writeText(text.value) : Promise.reject()).catch(function () {
        document.execCommand("copy");
      });
    }], ["print", function () { window.print(); }]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = sheet.getAttribute("data-" + pair[0]) || pair[0];
      button.addEventListener("click", pair[1]);
      row.appendChild(button);
      row.appendChild(document.createTextNode(" "));
    });
    sheet.appendChild(row);
  });
})();
