/* KIM-Lotse: small enhancements; every page works without them.
   Print and share buttons on sheets, the service worker, "Save on this phone" and the
   list of saved offers (Cache API: saved pages stay on the phone, the server never
   learns about them). No eval, no inline code: the CSP forbids both. */
(function () {
  "use strict";
  var SAVED = "lotse-saved";
  var OFFLINE_OK = "serviceWorker" in navigator && "caches" in window;

  function each(sel, fn) { document.querySelectorAll(sel).forEach(fn); }
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function saveButton(b) {
    var url = location.pathname + location.search;
    var status = document.querySelector("[data-save-status]");
    var lang = document.documentElement.lang;
    b.hidden = false;
    caches.open(SAVED).then(function (c) { return c.match(url); }).then(function (hit) {
      if (hit && status) { status.textContent = b.dataset.already; }
    });
    b.addEventListener("click", function () {
      caches.open(SAVED).then(function (c) {
        // the page itself, and the saved list and offline page in this language
        return c.add(url).then(function () {
          return c.addAll(["/saved?lang=" + lang, "/offline?lang=" + lang]).catch(function () {});
        });
      }).then(function () {
        if (status) { status.textContent = b.dataset.done; }
      }, function () {
        if (status) { status.textContent = b.dataset.failed; }
      });
    });
  }

  function savedList(box) {
    caches.open(SAVED).then(function (c) {
      return c.keys().then(function (requests) {
        requests = requests.filter(function (r) { return /^\/(offer|list)\b/.test(new URL(r.url).pathname); });
        return Promise.all(requests.map(function (r) {
          return c.match(r).then(function (res) { return res.text(); }).then(function (html) { return [r, html]; });
        }));
      }).then(function (entries) {
        box.textContent = "";
        if (!entries.length) { box.appendChild(el("p", box.dataset.empty)); return; }
        var list = el("ul", "", "saved-list");
        entries.forEach(function (entry) {
          var doc = new DOMParser().parseFromString(entry[1], "text/html");  // inert: no scripts
          var h1 = doc.querySelector("h1");
          var u = new URL(entry[0].url);
          var a = el("a", h1 ? h1.textContent.trim() : u.pathname);
          a.href = u.pathname + u.search;
          if (doc.documentElement.lang) { a.lang = doc.documentElement.lang; a.dir = "auto"; }
          var remove = el("button", box.dataset.remove, "secondary");
          remove.type = "button";
          remove.setAttribute("aria-label", box.dataset.remove + ": " + a.textContent);
          remove.addEventListener("click", function () {
            c.delete(entry[0]).then(function () { li.remove(); });
          });
          var li = el("li");
          li.append(a, " ", remove);
          list.appendChild(li);
        });
        box.appendChild(list);
      });
    });
  }

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () {});
    });
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
    if (OFFLINE_OK) {
      each("[data-save]", saveButton);
      each("[data-saved]", savedList);
    }
  });
})();
