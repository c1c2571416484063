// The service worker that lets a grid worker's phone keep working where the signal is poor.
// It serves the field pages (the day's list, the due list, patrol days, a place and its
// inspection form) from the phone when the network is gone, and the styles and scripts always.
// It never answers for a POST: records made offline wait in the page's own queue (field.js)
// and are sent by the page, so nothing is acknowledged that the server has not stored.
"use strict";
var VERSION = "__VERSION__";
var STATIC = "fq-static-" + VERSION;
// Shared with field.js, which fills it with the inspection forms of the places due.
var PAGES = "fq-pages";
var SHELL = ["/static/app.css", "/static/app.js", "/static/field.js", "/static/icon-192.png"];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(STATIC).then(function (c) { return c.addAll(SHELL); }).then(function () {
    // The day's page too, if the one installing is logged in (a redirect to the login page is
    // not kept).
    return fetch("/field", { credentials: "same-origin" }).then(function (r) {
      if (r.ok && !r.redirected) return caches.open(PAGES).then(function (c) { return c.put("/field", r); });
    }).catch(function () {});
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf("fq-static-") === 0 && k !== STATIC;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

// The pages worth having in the field; everything else (cases, admin, reports) needs the
// network and is not kept on the phone.
function fieldPage(url) {
  var p = url.pathname;
  return p === "/field" || p === "/patrols" || p === "/workbench" ||
    (p === "/places" && url.searchParams.get("view") === "due") ||
    /^\/places\/\d+(\/inspect)?$/.test(p) ||
    // A place's own code, scanned at its door: kept by field.js as the checked-in form.
    /^\/m\/p[0-9a-f]+$/.test(p);
}

function offlinePage() {
  var html = '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>离线 · 枫桥</title>' +
    '<link rel="stylesheet" href="/static/app.css"></head><body><main class="narrow">' +
    '<h1>当前没有网络</h1><p>这个页面没有保存在手机上，联网后再打开。</p>' +
    '<p>已保存的检查表和待上传的检查记录在 <a href="/field">今日外勤</a>。</p></main></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(caches.match(req).then(function (hit) {
      return hit || fetch(req).then(function (r) {
        if (r.ok) { var copy = r.clone(); caches.open(STATIC).then(function (c) { c.put(req, copy); }); }
        return r;
      });
    }));
    return;
  }
  if (req.mode !== "navigate") return;
  var keep = fieldPage(url);
  e.respondWith(fetch(req).then(function (r) {
    // Network first: a page read online is the freshest; a login page is never kept.
    if (keep && r.ok && !r.redirected) {
      var copy = r.clone();
      caches.open(PAGES).then(function (c) { c.put(url.pathname + url.search, copy); });
    }
    return r;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) {
      // The day page after a record was kept (`/field?saved=…`) is the day page.
      return c.match(url.pathname + url.search).then(function (hit) {
        return hit || (url.pathname === "/field" ? c.match("/field") : null);
      }).then(function (hit) {
        return hit || offlinePage();
      });
    });
  }));
});
