/* KIM-Lotse Personal Book: a record the newcomer holds on the phone only (localStorage,
   key "lotse-book"); the server never receives it. Pre-check results with their date,
   referral references, the Sprachpass and a document checklist; a German counter view,
   print, moving to a new phone with a text code, deleting at once. The book's pages are
   kept in the "lotse-book" cache so that they open offline. No inline code (CSP). */
(function () {
  "use strict";
  var KEY = "lotse-book";
  var CACHE = "lotse-book";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function empty() { return { version: 1, prechecks: [], referrals: [], languages: [], documents: [] }; }
  function load() {
    try {
      var b = JSON.parse(localStorage.getItem(KEY) || "null");
      return b && b.version === 1 ? b : empty();
    } catch (e) { return empty(); }
  }
  function store(b) { localStorage.setItem(KEY, JSON.stringify(b)); }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function keepOffline() {
    if (!("caches" in window)) { return; }
    var lang = document.documentElement.lang || "de";
    caches.open(CACHE).then(function (c) {
      return c.addAll(["/book?lang=" + lang, "/book/counter?lang=de", "/static/book.js",
        "/static/book.css"]);
    }).catch(function () {});
  }
  function status(text) {
    document.querySelectorAll("[data-book-status]").forEach(function (s) { s.textContent = text; });
  }
  function same(a, b) { return a.date === b.date && JSON.stringify(a.paths) === JSON.stringify(b.paths); }

  function saveResult(box) {
    var entry = JSON.parse(box.dataset.entry);
    function save() {
      var b = load();
      if (!b.prechecks.some(function (p) { return same(p, entry); })) { b.prechecks.push(entry); store(b); }
      keepOffline();
      status(box.dataset.done);
    }
    box.hidden = false;
    box.querySelector("button").addEventListener("click", save);
    document.querySelectorAll("[data-precheck-referral]").forEach(function (a) {
      a.addEventListener("click", save);
    });
  }

  function saveReferral(box) {
    var b = load();
    var ref = box.dataset.reference;
    if (!b.referrals.some(function (r) { return r.reference === ref; })) {
      b.referrals.push({ reference: ref, kommune: box.dataset.kommune,
        date: new Date().toISOString().slice(0, 10) });
      store(b);
    }
  }

  function renderBook(root) {
    var b = load();
    var counter = root.hasAttribute("data-counter");
    var docsDe = counter ? JSON.parse(root.dataset.documentsDe || "{}") : {};
    function list(name, items, text) {
      var ul = root.querySelector('[data-book-list="' + name + '"]');
      if (!ul) { return; }
      ul.textContent = "";
      if (!items.length) { ul.appendChild(el("li", root.dataset.empty)); return; }
      items.forEach(function (item, i) {
        var li = el("li", text(item));
        if (!counter && name !== "documents") {
          var rm = el("button", root.dataset.remove, { type: "button", "class": "link" });
          rm.addEventListener("click", function () {
            var now = load(); now[name].splice(i, 1); store(now); renderBook(root);
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(rm);
        }
        ul.appendChild(li);
      });
    }
    list("prechecks", b.prechecks, function (p) {
      return p.date + ": " + p.paths.map(function (x) {
        return counter ? x.name_de + " – " + x.outcome_de : x.name + " – " + x.outcome_text;
      }).join("; ");
    });
    list("referrals", b.referrals, function (r) { return r.date + ": " + r.reference + " (" + r.kommune + ")"; });
    list("languages", b.languages, function (l) {
      return l.date + ": " + l.name + " (" + l.level + ")" + (l.certificate ? " ✓" : "");
    });
    list("documents", b.documents, function (code) { return docsDe[code] || code; });
    root.querySelectorAll("[data-book-documents] input").forEach(function (box) {
      box.checked = b.documents.indexOf(box.value) >= 0;
    });
  }

  function wire(root) {
    root.querySelectorAll("[data-book-nojs]").forEach(function (p) { p.hidden = true; });
    ["[data-book-actions]", "[data-book-move]", "[data-book-delete-box]", "[data-book-documents]",
      "[data-book-add]", "[data-book-print]"].forEach(function (sel) {
      root.querySelectorAll(sel).forEach(function (e) { e.hidden = false; });
    });
    root.querySelectorAll("[data-book-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("[data-book-add]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var b = load();
        b.languages.push({ name: form.elements.name.value.slice(0, 80), level: form.elements.level.value,
          date: form.elements.date.value, certificate: form.elements.certificate.checked });
        store(b); form.reset(); renderBook(root);
      });
    });
    root.querySelectorAll("[data-book-documents] input").forEach(function (box) {
      box.addEventListener("change", function () {
        var b = load();
        b.documents = b.documents.filter(function (c) { return c !== box.value; });
        if (box.checked) { b.documents.push(box.value); }
        store(b);
      });
    });
    var code = root.querySelector("[data-book-code]");
    var exp = root.querySelector("[data-book-export]");
    if (exp) {
      exp.addEventListener("click", function () {
        var bytes = new TextEncoder().encode(JSON.stringify(load()));
        var bin = "";
        bytes.forEach(function (x) { bin += String.fromCharCode(x); });
        code.value = "LOTSE1:" + btoa(bin);
        code.select();
      });
    }
    var imp = root.querySelector("[data-book-import]");
    if (imp) {
      imp.addEventListener("click", function () {
        try {
          var text = code.value.trim();
          if (text.indexOf("LOTSE1:") !== 0) { throw new Error("prefix"); }
          var bin = atob(text.slice(7));
          var bytes = new Uint8Array(bin.length);
          for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
          var b = JSON.parse(new TextDecoder().decode(bytes));
          if (!b || b.version !== 1 || !Array.isArray(b.prechecks)) { throw new Error("shape"); }
          store(b); renderBook(root); status(root.dataset.imported);
        } catch (e) { status(root.dataset.badCode); }
      });
    }
    var del = root.querySelector("[data-book-delete]");
    if (del) {
      del.addEventListener("click", function () {
        if (!window.confirm(root.dataset.confirmDelete)) { return; }
        localStorage.removeItem(KEY);
        if ("caches" in window) { caches.delete(CACHE); }
        renderBook(root); status(root.dataset.deleted);
      });
    }
    renderBook(root);
    keepOffline();
  }

  ready(function () {
    if (!("localStorage" in window)) { return; }
    document.querySelectorAll("[data-book-save]").forEach(saveResult);
    document.querySelectorAll("[data-book-referral]").forEach(saveReferral);
    document.querySelectorAll("[data-book]").forEach(wire);
  });
}());
