// Conventions: the "print the plan" button (no inline script, works with a strict CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-conventions-print]")) {
    window.print();
  }
});

// A form refused because someone else saved first (HTTP 409) comes back with what was typed and
// the French message: htmx swaps it in like any other answer instead of dropping it.
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr && event.detail.xhr.status === 409) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
