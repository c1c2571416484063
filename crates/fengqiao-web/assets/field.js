// Inspections where the signal is poor. An inspection form is kept on the phone before it is
// sent (IndexedDB, photos included) and leaves the queue only when the server has answered
// that it stored it; the queue is sent when the network comes back, when a page opens, and
// every minute while anything waits. Each record carries its own key, so a record sent twice
// (the answer lost on the way back) is stored once. Without this file, or without a service
// worker, the pages work online as plain forms.
(function () {
  "use strict";
  var user = document.body.getAttribute("data-user");
  if (!user || !window.indexedDB || !window.fetch) return;
  var PAGES = "fq-pages";

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
  }

  // Leaving: the pages kept for the field go (another person may use this phone next);
  // records not yet sent stay, and are sent only under their own inspector's login.
  document.querySelectorAll("form[action='/logout']").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.caches || f.dataset.cleared) return;
      e.preventDefault();
      f.dataset.cleared = "1";
      caches.delete(PAGES).then(function () { f.submit(); }, function () { f.submit(); });
    });
  });

  // ---- the queue ----
  function db() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open("fengqiao-field", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore("outbox", { keyPath: "key" }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function tx(mode, work) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var t = d.transaction("outbox", mode);
        var out = work(t.objectStore("outbox"));
        t.oncomplete = function () { d.close(); ok(out && out.result); };
        t.onerror = t.onabort = function () { d.close(); fail(t.error); };
      });
    });
  }
  function put(rec) { return tx("readwrite", function (s) { s.put(rec); }); }
  function remove(key) { return tx("readwrite", function (s) { s.delete(key); }); }
  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).filter(function (r) { return r.user === user; })
        .sort(function (a, b) { return a.saved_at < b.saved_at ? -1 : 1; });
    });
  }

  function newKey() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return "phone-" + Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  // ---- sending ----
  var sending = null;
  function send() {
    if (sending) return sending;
    sending = all().then(function (rows) {
      var pending = rows.filter(function (r) { return r.state === "pending"; });
      if (!pending.length) return;
      return fetch("/field/token", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 401 || r.redirected) throw { login: true };
          if (!r.ok) throw { later: true };
          return r.json();
        }).then(function (t) {
          if (String(t.user) !== user) throw { login: true };
          return pending.reduce(function (p, rec) {
            return p.then(function () { return sendOne(rec, t.csrf); });
          }, Promise.resolve());
        });
    }).then(function () {
      status("");
    }, function (e) {
      if (e && e.login) status("登录已失效：请重新登录，待上传的记录登录后自动上传。");
      else status("暂时无法连接服务器：记录保存在手机上，联网后自动上传。");
    }).then(function () {
      sending = null;
      return render();
    });
    return sending;
  }

  function sendOne(rec, csrf) {
    var fd = new FormData();
    rec.fields.forEach(function (kv) { fd.append(kv[0], kv[0] === "_csrf" ? csrf : kv[1]); });
    rec.photos.forEach(function (p) { fd.append("photos", p.blob, p.name); });
    return fetch(rec.url, { method: "POST", body: fd, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        // A lapsed login answers with the login page: nothing was stored.
        if (r.redirected) throw { login: true };
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (r.ok && !body.status) throw { later: true };
          if (r.ok) {
            rec.state = body.conflict ? "conflict" : "sent";
            rec.message = body.conflict || "";
            rec.place_url = body.place_url;
            rec.sent_at = new Date().toISOString();
            rec.photos = [];
            return put(rec);
          }
          if (r.status >= 500 || r.status === 429) throw { later: true };
          // Refused as it stands (a wrong answer, no longer this person's grid): kept, with
          // the reason, for the inspector to see; never silently dropped.
          rec.state = "refused";
          rec.message = body.error || ("服务器拒绝了这条记录（" + r.status + "）");
          return put(rec);
        });
      });
  }

  function status(text) {
    document.querySelectorAll("[data-field-status]").forEach(function (el) {
      el.textContent = text;
      el.hidden = !text;
    });
  }

  // ---- the inspection form ----
  document.querySelectorAll("form[data-offline-inspection]").forEach(function (form) {
    var keyInput = form.querySelector("input[name=client_key]");
    // A form kept on the phone is opened many times: each opening is a new inspection.
    if (keyInput && !form.hasAttribute("data-kept")) keyInput.value = newKey();
    var when = form.querySelector("input[name=inspected_at]");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (form.dataset.saving) return;
      form.dataset.saving = "1";
      var fd = new FormData(form);
      // The time of the inspection is when it was made, not when it reached the server.
      if (when && !when.value) fd.set("inspected_at", new Date().toISOString());
      var rec = {
        key: fd.get("client_key") || newKey(),
        user: user,
        url: form.getAttribute("action"),
        place: form.getAttribute("data-place-name") || document.title,
        saved_at: new Date().toISOString(),
        state: "pending",
        fields: [],
        photos: []
      };
      fd.forEach(function (v, k) {
        if (typeof v === "string") rec.fields.push([k, v]);
        else if (v && v.size) rec.photos.push({ name: v.name, type: v.type, blob: v });
      });
      put(rec).then(function () {
        if (!navigator.onLine) return null;
        return fetch("/field/token", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok && !r.redirected ? r.json() : null; })
          .then(function (t) { return t && String(t.user) === user ? sendOne(rec, t.csrf).then(function () { return rec; }) : null; })
          .catch(function () { return null; });
      }).then(function (sent) {
        if (sent && sent.state === "sent") {
          location.href = sent.place_url;
        } else if (sent && sent.state === "refused") {
          // The inspector is still at the form: show why, let them correct and send again.
          remove(sent.key);
          again(form);
          showError(form, sent.message);
        } else {
          location.href = "/field?saved=" + encodeURIComponent(rec.key);
        }
      }, function () {
        again(form);
        showError(form, "无法在手机上保存这条记录（存储空间不足？）：请联网后直接提交。");
      });
    });
  });

  // The form may be sent again (app.js stops a second tap while the first is on its way).
  function again(form) {
    delete form.dataset.saving;
    delete form.dataset.sent;
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  }

  function showError(form, text) {
    var box = document.querySelector("[data-form-error]");
    if (!box) {
      box = document.createElement("p");
      box.className = "alert error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-form-error", "");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = text;
    box.scrollIntoView();
  }

  // ---- the day's page: what waits, what went, and the forms kept for offline ----
  var STATES = { pending: "待上传", sent: "已上传", conflict: "已上传，有冲突", refused: "被退回" };
  function render() {
    return all().then(function (rows) {
      var waiting = rows.filter(function (r) { return r.state === "pending"; }).length;
      document.querySelectorAll("[data-outbox-count]").forEach(function (el) {
        el.textContent = waiting ? String(waiting) : "";
        el.hidden = !waiting;
      });
      var list = document.getElementById("outbox");
      if (!list) return;
      list.textContent = "";
      var now = Date.now();
      rows.forEach(function (r) {
        // What went through cleanly is shown for a day, then forgotten.
        if (r.state === "sent" && now - Date.parse(r.sent_at) > 86400000) { remove(r.key); return; }
        var li = document.createElement("li");
        li.className = "outbox-" + r.state;
        li.setAttribute("data-state", r.state);
        var head = document.createElement("strong");
        head.textContent = r.place;
        li.appendChild(head);
        var badge = document.createElement("span");
        badge.className = "badge" + (r.state === "pending" ? "" : r.state === "sent" ? " green" : " red");
        badge.textContent = STATES[r.state];
        li.appendChild(document.createTextNode(" "));
        li.appendChild(badge);
        var meta = document.createElement("div");
        meta.className = "muted small";
        meta.textContent = "保存于 " + new Date(r.saved_at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false }) +
          (r.photos.length ? " · 照片 " + r.photos.length + " 张" : "");
        li.appendChild(meta);
        if (r.message) {
          var m = document.createElement("div");
          m.className = "note";
          m.textContent = r.message;
          li.appendChild(m);
        }
        if (r.place_url) {
          var a = document.createElement("a");
          a.href = r.place_url;
          a.textContent = "查看场所";
          li.appendChild(a);
        }
        if (r.state !== "pending") {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "link";
          b.textContent = r.state === "refused" ? "删除这条记录" : "知道了";
          b.addEventListener("click", function () {
            if (r.state === "refused" && !confirm("删除后这条检查记录无法恢复，确定删除？")) return;
            remove(r.key).then(render);
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        }
        list.appendChild(li);
      });
      var empty = document.getElementById("outbox-empty");
      if (empty) empty.hidden = rows.length > 0;
    });
  }

  // The inspection forms of the places listed (the day's due places): kept on the phone
  // while online, to be filled in where there is no signal; counted either way.
  function keepForms() {
    if (!window.caches) return;
    var links = Array.prototype.slice.call(document.querySelectorAll("a[data-offline]"), 0, 80);
    if (!links.length) return;
    caches.open(PAGES).then(function (c) {
      return links.reduce(function (p, a) {
        var path = new URL(a.href).pathname;
        var scan = a.getAttribute("data-scan");
        return p.then(function () {
          if (!navigator.onLine) return;
          return fetch(path, { credentials: "same-origin" }).then(function (r) {
            if (r.ok && !r.redirected) return c.put(path, r);
          }).then(function () {
            // The place's code at its door, scanned without signal: its form, checked in.
            if (!scan) return;
            return fetch(scan, { credentials: "same-origin" }).then(function (r) {
              if (!r.ok || !/\/inspect\?checkin=/.test(r.url)) return;
              // Kept as a page of its own: a browser refuses a redirected answer to a page load.
              return r.blob().then(function (b) {
                return c.put(scan, new Response(b, { status: 200, headers: r.headers }));
              });
            });
          }).catch(function () {});
        }).then(function () {
          return c.match(path).then(function (hit) { if (hit) a.setAttribute("data-kept", ""); });
        });
      }, Promise.resolve());
    }).then(function () {
      var n = document.querySelectorAll("a[data-offline][data-kept]").length;
      document.querySelectorAll("[data-kept-count]").forEach(function (el) { el.textContent = String(n); });
    });
  }

  function offline() {
    if (!navigator.onLine) status("当前没有网络：检查记录会先保存在手机上，联网后自动上传。");
  }
  window.addEventListener("offline", offline);
  offline();
  var sync = document.getElementById("sync-now");
  if (sync) sync.addEventListener("click", function () { send(); });
  window.addEventListener("online", function () { send(); });
  render().then(function () { if (navigator.onLine) send(); });
  keepForms();
  setInterval(function () { if (navigator.onLine) send(); }, 60000);
})();
