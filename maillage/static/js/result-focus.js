/* After « Rechercher » or « Calculer »: bring the result into view and move the focus to its
   heading, so that a screen reader reads it and a phone shows it (the form stays above or
   folded). The element carries data-result-focus and tabindex="-1". No inline script (CSP). */
(function () {
  "use strict";
  function focusResult() {
    var target = document.querySelector("[data-result-focus]");
    if (!target) return;
    // « Voir plus de résultats » opened as a link (#resultat-21): the browser shows that row
    if (location.hash && document.getElementById(location.hash.slice(1))) return;
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusResult);
  } else {
    focusResult();
  }
})();
