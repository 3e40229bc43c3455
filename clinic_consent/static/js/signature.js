/* The consent screen: a drawn signature (signature_pad) and the method choice.
   Without JavaScript the form still works for the paper and verbal methods. */
(function () {
  "use strict";

  var form = document.getElementById("consent-form");
  if (!form) {
    return;
  }
  var canvas = document.getElementById("signature-pad");
  var hidden = form.querySelector('input[name="signature"]');
  var area = document.getElementById("signature-area");
  var witness = document.getElementById("witness-field");
  var pad = null;

  function method() {
    var checked = form.querySelector('input[name="method"]:checked');
    return checked ? checked.value : "drawn_signature";
  }

  // The README's high-DPI recipe: size the bitmap to the CSS size times the pixel ratio and
  // scale the context; a resize wipes the bitmap, so redraw() puts the strokes back.
  function resizeCanvas() {
    if (!pad || canvas.offsetWidth === 0) {
      return; // hidden: sized when it is shown again
    }
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.redraw();
  }

  function showForMethod() {
    var chosen = method();
    if (area) {
      area.classList.toggle("hidden", chosen !== "drawn_signature");
    }
    if (witness) {
      witness.classList.toggle("hidden", chosen !== "verbal_witness");
    }
    resizeCanvas();
  }

  if (canvas && hidden && typeof window.SignaturePad === "function") {
    // Black on white: the image also goes onto the printed consent form.
    pad = new window.SignaturePad(canvas, {
      backgroundColor: "rgb(255, 255, 255)",
      penColor: "rgb(0, 0, 0)",
    });
    window.addEventListener("resize", resizeCanvas);
    resizeCanvas();
    if (hidden.value.indexOf("data:image/png;base64,") === 0 && canvas.offsetWidth > 0) {
      // Back after a form error: show the signature that was drawn.
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      pad.fromDataURL(hidden.value, {
        ratio: ratio,
        width: canvas.offsetWidth,
        height: canvas.offsetHeight,
      });
    }
    var clear = document.getElementById("signature-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        pad.clear();
        hidden.value = "";
      });
    }
  }

  form.querySelectorAll('input[name="method"]').forEach(function (radio) {
    radio.addEventListener("change", showForMethod);
  });
  showForMethod();

  form.addEventListener("submit", function () {
    if (!hidden || !pad) {
      return; // no drawing possible here: the server says what is missing
    }
    var drawn = method() === "drawn_signature" && !pad.isEmpty();
    hidden.value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
