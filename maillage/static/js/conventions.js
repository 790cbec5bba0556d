// Conventions: the "print the plan" button (no inline script, works with a strict CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-conventions-print]")) {
    window.print();
  }
});
