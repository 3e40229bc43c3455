/* The print button of the waiting-room notice: shown only when JavaScript runs. */
(function () {
  "use strict";
  var button = document.getElementById("print-notice");
  if (!button) { return; }
  button.classList.remove("hidden");
  button.addEventListener("click", function () { window.print(); });
})();
