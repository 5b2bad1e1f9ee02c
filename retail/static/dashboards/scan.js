// Scan-to-pick: the scanner types into the code input and presses Enter. Keep the focus there,
// except while the user is in the quantity box or the pack form.
(function () {
  "use strict";
  document.body.classList.add("scan");
  function focusScan() {
    var active = document.activeElement;
    if (active && (active.id === "scan-quantity" || active.closest(".pack-box"))) return;
    document.getElementById("scan-code").focus();
  }
  document.addEventListener("click", function () { setTimeout(focusScan, 0); });
  document.getElementById("scan-code").addEventListener("blur", function () { setTimeout(focusScan, 0); });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id !== "scan-form") return;
    var form = event.detail.elt;
    form.querySelector("[name=code]").value = "";
    form.querySelector("[name=quantity]").value = "1";
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    var pack = document.querySelector(".pack-box button");
    if (pack) { pack.focus(); } else { document.getElementById("scan-code").focus(); }
  });
})();
