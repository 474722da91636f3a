/* KIM-Lotse: small enhancements; every page works without them.
   Print and share buttons on sheets; the service worker and "Save on this phone". */
(function () {
  "use strict";
  function each(sel, fn) { document.querySelectorAll(sel).forEach(fn); }
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    each("[data-print]", function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
    if (navigator.share) {
      each("[data-share]", function (b) {
        b.hidden = false;
        b.addEventListener("click", function () {
          navigator.share({ title: b.dataset.title, url: b.dataset.url }).catch(function () {});
        });
      });
    }
  });
})();
