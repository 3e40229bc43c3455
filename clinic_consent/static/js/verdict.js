/* The live verdict: a form with data-verdict-preview="<url>" sends its fields (with the CSRF
   token) to that URL as the user types or picks, and the answer (HTML of the verdict, or of
   what is wrong) replaces the content of #verdict-panel. Without JavaScript the form still
   submits and the recording's page shows the verdict. The preview stores nothing. */
(function () {
  "use strict";

  var DELAY_MS = 250;

  function livePreview(form, panel) {
    var url = form.getAttribute("data-verdict-preview");
    var timer = null;
    var latest = 0;

    function refresh() {
      var asked = ++latest;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      })
        .then(function (response) {
          if (!response.ok) { throw new Error("preview " + response.status); }
          return response.text();
        })
        .then(function (html) {
          if (asked === latest) { panel.innerHTML = html; }  // an older answer never wins
        })
        .catch(function () { /* keep the last verdict shown; saving still checks everything */ });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  // Show only the part of the plan form that fits who records (both show without JS), and
  // pick a recorder of the fitting role: a client records a client's recording, staff a
  // clinician's.
  function sectionsByMaker(form) {
    var madeBy = form.querySelector("[name=made_by]");
    var recorder = form.querySelector("[name=recorder]");
    if (!madeBy) { return; }
    function showSections() {
      form.querySelectorAll("[data-for-made-by]").forEach(function (section) {
        section.classList.toggle("hidden", section.getAttribute("data-for-made-by") !== madeBy.value);
      });
    }
    function fitRecorder() {
      if (!recorder) { return; }
      var role = madeBy.value === "clinician" ? "staff" : "client";
      var chosen = recorder.options[recorder.selectedIndex];
      if (chosen && chosen.getAttribute("data-role") === role) { return; }
      var fitting = recorder.querySelector('option[data-role="' + role + '"]');
      if (fitting) { recorder.value = fitting.value; }
    }
    // Registered before the preview's own listener, so the preview sees the fitted recorder.
    madeBy.addEventListener("change", function () { fitRecorder(); showSections(); });
    showSections();
  }

  var panel = document.getElementById("verdict-panel");
  document.querySelectorAll("form[data-verdict-preview]").forEach(function (form) {
    sectionsByMaker(form);
    if (panel) { livePreview(form, panel); }
  });
})();
