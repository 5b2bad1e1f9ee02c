// Small behaviours of the staff pages, bound by data attributes (the Content-Security-Policy allows
// no inline script or on*= handler):
//   data-print          a button that prints the page
//   data-autosubmit     a select that submits its form when changed
//   data-enter-next     an input where Enter moves to the same input of the next table row
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target.closest("input[data-enter-next]");
    if (!input || event.key !== "Enter") return;
    event.preventDefault();
    var next = input.closest("tr").nextElementSibling;
    var target = next && next.querySelector("input[data-enter-next]");
    if (target) target.focus();
  });
})();
