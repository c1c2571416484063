// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // "Use my location" on the report page, where the browser can tell it.
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    var status = document.getElementById("locate-status");
    locate.addEventListener("click", function () {
      status.textContent = "正在获取位置……";
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("latitude").value = p.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = p.coords.longitude.toFixed(6);
        status.textContent = "已记录您当前的位置。";
      }, function () {
        status.textContent = "无法获取位置，请在“具体位置”中写明。";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }
  // Copy buttons.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    if (!navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      var t = document.querySelector(b.getAttribute("data-copy"));
      navigator.clipboard.writeText(t.textContent.trim()).then(function () { b.textContent = "已复制"; });
    });
  });
  // Drafts: what is typed into a case's action forms is kept in this tab until it is sent, so
  // a session that ends mid-sentence (login again, back to the page) loses nothing.
  if (window.sessionStorage) {
    var page = location.pathname;
    var done = /[?&]done=/.test(location.search);
    document.querySelectorAll("form[data-draft] textarea, form[data-draft] input[type=number], form[data-draft] input[name=into]").forEach(function (el) {
      var key = "draft:" + page + ":" + el.id;
      // Arriving from a form that was carried out: what was kept for it is done with.
      if (done) sessionStorage.removeItem(key);
      var saved = sessionStorage.getItem(key);
      if (saved && !el.value) {
        el.value = saved;
        var d = el.closest("details");
        if (d) d.open = true;
      }
      el.addEventListener("input", function () { sessionStorage.setItem(key, el.value); });
    });
  }
  // Print buttons (the page prints without them too, from the browser's menu).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  // A form is sent once: a second tap while the first is on its way does nothing.
  document.querySelectorAll("form").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (f.dataset.sent) { e.preventDefault(); return; }
      f.dataset.sent = "1";
      var busy = f.querySelector("[data-busy]");
      if (busy) busy.hidden = false;
      // After the form's data is taken (a pressed button's own value included).
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();
