/* KIM-Lotse service worker (scope /): the shell and the offers a person saved stay
   readable offline. Pages come from the network first; only when it fails do saved
   copies answer. Staff, API and referral pages are never touched or cached. */
"use strict";
const SHELL = "lotse-shell-v2";
const BOOK = "lotse-book";  // the Personal Book's pages (app/static/book.js)
const SAVED = "lotse-saved";
const ASSETS = ["/static/app.css", "/static/lotse.js", "/static/vendor/htmx.min.js",
  "/static/icons/icon.svg", "/static/icons/icon-192.png", "/offline", "/saved"];
const PRIVATE = /^\/(staff|api|referral)(\/|$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("lotse-shell-") && k !== SHELL)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function fromCache(request) {
  const url = new URL(request.url);
  const saved = await caches.open(SAVED);
  const shell = await caches.open(SHELL);
  const book = await caches.open(BOOK);
  const loose = { ignoreSearch: true, ignoreVary: true };
  return (await saved.match(request, { ignoreVary: true }))
    // an offer saved in another language is better than none; a list must match exactly
    || (!url.pathname.startsWith("/list") && await saved.match(request, loose))
    || (await book.match(request, { ignoreVary: true }))
    || (url.pathname.startsWith("/book") && await book.match(request, loose))
    || (await shell.match(request, loose))
    || undefined;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin
      || PRIVATE.test(url.pathname)) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(async () => (await fromCache(request))
      || (await caches.open(SHELL)).match("/offline", { ignoreSearch: true })));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(fetch(request).catch(async () => (await fromCache(request))
      || Response.error()));
  }
});
