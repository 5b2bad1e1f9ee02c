// The 打印 button of a printed document (templates/logistics/_print_base.html); no inline script.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-action='print']").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
