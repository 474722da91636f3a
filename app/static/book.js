/* KIM-Lotse Personal Book: a record the newcomer holds on the phone only (localStorage,
   key "lotse-book"); the server never receives it. Pre-check results with their date,
   referral references, appointments from the case manager's messages (picked up from
   the status page's data-lotse-appointment markup), saved offers, the Sprachpass and a
   document checklist; a German counter view, print, moving to a new phone with a text
   code or a QR code (made here by qr.js; the book travels in the URL's #fragment, which
   browsers never send to a server), deleting at once. The book's pages are kept in the
   "lotse-book" cache so that they open offline. No inline code (CSP). */
(function () {
  "use strict";
  var KEY = "lotse-book";
  var CACHE = "lotse-book";
  var LISTS = ["prechecks", "referrals", "appointments", "offers", "languages", "documents"];

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  function empty() {
    var b = { version: 1 };
    LISTS.forEach(function (k) { b[k] = []; });
    return b;
  }
  function valid(b) {
    if (!b || b.version !== 1 || !Array.isArray(b.prechecks)) { return null; }
    LISTS.forEach(function (k) { if (!Array.isArray(b[k])) { b[k] = []; } });
    b.offers = b.offers.filter(function (o) { return o && /^\/(offer|list)\b/.test(o.url || ""); });
    return b;
  }
  function load() {
    try { return valid(JSON.parse(localStorage.getItem(KEY) || "null")) || empty(); } catch (e) { return empty(); }
  }
  function store(b) { localStorage.setItem(KEY, JSON.stringify(b)); }
  function isEmpty(b) { return LISTS.every(function (k) { return !b[k].length; }); }
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
        "/static/book.css", "/static/qr.js"]);
    }).catch(function () {});
  }
  function status(text) {
    document.querySelectorAll("[data-book-status]").forEach(function (s) { s.textContent = text; });
  }
  function codes(p) { return p.date + JSON.stringify(p.paths.map(function (x) { return [x.path, x.outcome]; })); }
  function same(a, b) { return codes(a) === codes(b); }

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

  /* The status page's appointments (format v1 of app/messages): kept, updated by id. */
  function saveAppointments(box) {
    var b = load();
    var found = 0;
    document.querySelectorAll("[data-lotse-appointment]").forEach(function (art) {
      var a;
      try { a = JSON.parse(art.getAttribute("data-lotse-appointment")); } catch (e) { return; }
      if (!a || a.v !== 1 || a.type !== "appointment" || !a.id || !/^\d{4}-\d\d-\d\d$/.test(a.date)) { return; }
      var entry = { id: String(a.id), date: a.date, time: String(a.time || ""), place: String(a.place || ""),
        bring: Array.isArray(a.bring) ? a.bring.map(String) : [], note: String(a.note || ""),
        team: art.getAttribute("data-lotse-team") || "", reference: box.dataset.reference || "" };
      b.appointments = b.appointments.filter(function (x) { return x.id !== entry.id; });
      b.appointments.push(entry);
      found++;
    });
    if (!found) { return; }
    store(b);
    keepOffline();
    box.hidden = false;
  }

  /* Saved offers: the pages kept by "Save on this phone" (lotse.js), plus those taken over. */
  function savedOffers() {
    var kept = load().offers;
    if (!("caches" in window)) { return Promise.resolve(kept); }
    return caches.open("lotse-saved").then(function (c) {
      return c.keys().then(function (reqs) {
        reqs = reqs.filter(function (r) { return /^\/(offer|list)\b/.test(new URL(r.url).pathname); });
        return Promise.all(reqs.map(function (r) {
          return c.match(r).then(function (res) { return res.text(); }).then(function (html) {
            var h1 = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
            var u = new URL(r.url);
            return { url: u.pathname + u.search, title: h1 ? h1.textContent.trim() : u.pathname };
          });
        }));
      });
    }).then(function (cached) {
      var urls = cached.map(function (o) { return o.url; });
      return cached.concat(kept.filter(function (o) { return urls.indexOf(o.url) < 0; }));
    }).catch(function () { return kept; });
  }

  function day(iso, lang) {
    var d = new Date(iso + "T12:00:00");
    if (isNaN(d.getTime())) { return iso; }
    try {
      return d.toLocaleDateString(lang, { weekday: "short", year: "numeric", month: "2-digit", day: "2-digit" });
    } catch (e) { return iso; }
  }

  function renderBook(root) {
    var b = load();
    var counter = root.hasAttribute("data-counter");
    var lang = root.getAttribute("lang") || document.documentElement.lang || "de";
    var docsDe = counter ? JSON.parse(root.dataset.documentsDe || "{}") : {};
    var bring = JSON.parse(root.dataset.bring || "{}");
    var paths = JSON.parse(root.dataset.paths || "{}");  // in the page's language (German at the counter)
    var outcomes = JSON.parse(root.dataset.outcomes || "{}");
    function list(name, items, text, removable, lines) {
      var ul = root.querySelector('[data-book-list="' + name + '"]');
      if (!ul) { return; }
      ul.textContent = "";
      if (!items.length) { ul.appendChild(el("li", root.dataset.empty)); return; }
      items.forEach(function (item) {
        var li = el("li", "", counter || lines ? {} : { dir: "auto" });
        var t = text(item);
        if (t && t.nodeType) { li.appendChild(t); } else { li.textContent = t; }
        if (lines) { li.className = "book-lines"; }
        if (!counter && removable !== false) {
          var rm = el("button", root.dataset.remove, { type: "button", "class": "link" });
          rm.addEventListener("click", function () {
            var now = load();
            var i = now[name].indexOf(now[name].filter(function (x) { return JSON.stringify(x) === JSON.stringify(item); })[0]);
            if (i >= 0) { now[name].splice(i, 1); store(now); }
            renderBook(root);
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(rm);
        }
        ul.appendChild(li);
      });
    }
    list("prechecks", b.prechecks, function (p) {
      return p.date + ": " + p.paths.map(function (x) {
        return (paths[x.path] || (counter ? x.name_de : x.name)) + " – "
          + (outcomes[x.outcome] || (counter ? x.outcome_de : x.outcome_text));
      }).join("; ");
    });
    list("referrals", b.referrals, function (r) { return r.date + ": " + r.reference + " (" + r.kommune + ")"; });
    var appts = b.appointments.slice().sort(function (x, y) {
      return (x.date + x.time).localeCompare(y.date + y.time);
    });
    list("appointments", appts, function (a) {
      // one line each: when, where, with whom, what to bring; typed German text isolated
      var box = document.createDocumentFragment();
      function line(parts) {
        var span = el("span", "", { "class": "book-line" });
        parts.forEach(function (p) {
          span.appendChild(typeof p === "string" ? document.createTextNode(p)
            : el(p.strong ? "strong" : "bdi", p.text, p.de ? { lang: "de" } : {}));
        });
        box.appendChild(span);
      }
      line([{ text: day(a.date, lang) + ", " + a.time + (counter ? " Uhr" : ""), strong: true }]);
      line([{ text: a.place, de: true }]);
      var withWhom = (root.dataset.with || "{team}").split("{team}");
      var who = [withWhom[0], { text: a.team || "", de: true }, withWhom[1] || ""];
      if (a.reference) { who.push(" (" + root.dataset.referenceLabel + " ", { text: a.reference }, ")"); }
      line(who);
      var things = a.bring.map(function (c) { return bring[c] || c; });
      if (things.length || a.note) {
        var parts = [root.dataset.bringLabel + ": " + things.join(", ")];
        if (a.note) { parts.push(things.length ? ", " : "", { text: a.note, de: true }); }
        line(parts);
      }
      return box;
    }, true, true);
    list("languages", b.languages, function (l) {
      return l.date + ": " + l.name + " (" + l.level + ")" + (l.certificate ? " ✓ " + root.dataset.certificate : "");
    });
    list("documents", b.documents, function (code) { return docsDe[code] || code; });
    root.querySelectorAll("[data-book-documents] input").forEach(function (box) {
      box.checked = b.documents.indexOf(box.value) >= 0;
    });
    if (root.querySelector('[data-book-list="offers"]')) {
      savedOffers().then(function (offers) {
        list("offers", offers, function (o) {
          if (counter) { return o.title; }
          var a = el("a", o.title, { href: o.url, dir: "auto" });
          return a;
        }, false);
      });
    }
  }

  function toBase64(bytes) {
    var bin = "";
    bytes.forEach(function (x) { bin += String.fromCharCode(x); });
    return btoa(bin);
  }
  function fromBase64(text) {
    var bin = atob(text);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return bytes;
  }
  function through(stream, bytes) {
    return new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer()
      .then(function (buf) { return new Uint8Array(buf); });
  }
  /* The whole book with the saved offers: LOTSE1 = base64 of the JSON (the text code);
     LOTSE2 = base64url of the deflated JSON (shorter, for the QR code). */
  function exported() {
    return savedOffers().then(function (offers) {
      var b = load();
      b.offers = offers;
      return new TextEncoder().encode(JSON.stringify(b));
    });
  }
  /* For the QR code: the pre-check texts are left out (the book's pages name paths and
     outcomes from their codes in their own language), then the JSON is deflated. */
  function compact(bytes) {
    var b = JSON.parse(new TextDecoder().decode(bytes));
    b.prechecks.forEach(function (p) {
      p.paths = p.paths.map(function (x) { return { path: x.path, outcome: x.outcome, documents: x.documents }; });
    });
    bytes = new TextEncoder().encode(JSON.stringify(b));
    if (!("CompressionStream" in window)) { return Promise.resolve("LOTSE1:" + toBase64(bytes)); }
    return through(new CompressionStream("deflate-raw"), bytes).then(function (z) {
      return "LOTSE2:" + toBase64(z).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    });
  }
  function readCode(text) {
    text = text.trim();
    return Promise.resolve().then(function () {
      if (text.indexOf("LOTSE1:") === 0) { return fromBase64(text.slice(7)); }
      if (text.indexOf("LOTSE2:") === 0) {
        var b64 = text.slice(7).replace(/-/g, "+").replace(/_/g, "/");
        return through(new DecompressionStream("deflate-raw"), fromBase64(b64 + "===".slice((b64.length + 3) % 4)));
      }
      throw new Error("prefix");
    }).then(function (bytes) {
      var b = valid(JSON.parse(new TextDecoder().decode(bytes)));
      if (!b) { throw new Error("shape"); }
      return b;
    });
  }

  function showQr(root, box, code) {
    box.textContent = "";
    var url = location.origin + "/book?lang=" + (document.documentElement.lang || "de") + "#" + code;
    var qr = window.LotseQR && window.LotseQR.encode(url);
    if (!qr) { box.appendChild(el("p", root.dataset.qrTooBig)); box.hidden = false; return; }
    var fig = el("figure", "", { "class": "book-qr", "data-payload": url, "data-version": qr.version,
      "data-ecc": qr.ecc, "data-mask": qr.mask });
    fig.appendChild(window.LotseQR.svg(qr, root.dataset.qrLabel));
    fig.appendChild(el("figcaption", root.dataset.qrHint));
    box.appendChild(fig);
    box.hidden = false;
  }

  function takeOver(root, text) {
    return readCode(text).then(function (b) {
      if (!isEmpty(load()) && !window.confirm(root.dataset.confirmReplace)) { return false; }
      store(b); renderBook(root); status(root.dataset.imported);
      return true;
    }, function () { status(root.dataset.badCode); return false; });
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
    var qrBox = root.querySelector("[data-book-qr]");
    if (exp) {
      exp.addEventListener("click", function () {
        exported().then(function (bytes) {
          code.value = "LOTSE1:" + toBase64(bytes);
          code.select();
          return qrBox ? compact(bytes).then(function (c) { showQr(root, qrBox, c); }) : null;
        });
      });
    }
    var imp = root.querySelector("[data-book-import]");
    if (imp) {
      imp.addEventListener("click", function () { takeOver(root, code.value); });
    }
    var del = root.querySelector("[data-book-delete]");
    if (del) {
      del.addEventListener("click", function () {
        if (!window.confirm(root.dataset.confirmDelete)) { return; }
        localStorage.removeItem(KEY);
        if ("caches" in window) { caches.delete(CACHE); }
        if (qrBox) { qrBox.textContent = ""; qrBox.hidden = true; }
        if (code) { code.value = ""; }
        renderBook(root); status(root.dataset.deleted);
      });
    }
    // opened from a QR code: the book is in the fragment (never sent to the server). It is
    // put into the code field and taken over only when the person taps the button, so that
    // a link from somebody else cannot put entries into the book unseen.
    function fromLink() {
      var hash = decodeURIComponent(location.hash.slice(1));
      if (code && imp && /^LOTSE[12]:/.test(hash)) {
        history.replaceState(null, "", location.pathname + location.search);
        code.value = hash;
        status(root.dataset.fromQr);
        imp.scrollIntoView({ block: "center" });
        imp.focus();
      }
    }
    fromLink();
    window.addEventListener("hashchange", fromLink);  // the book's page was open already
    renderBook(root);
    keepOffline();
  }

  ready(function () {
    if (!("localStorage" in window)) { return; }
    document.querySelectorAll("[data-book-save]").forEach(saveResult);
    document.querySelectorAll("[data-book-referral]").forEach(saveReferral);
    document.querySelectorAll("[data-book-appointments]").forEach(saveAppointments);
    document.querySelectorAll("[data-book]").forEach(wire);
  });
}());
