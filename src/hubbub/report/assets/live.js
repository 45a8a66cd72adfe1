/* hubbub watch: keeps a served report current. Every data-live-poll-ms it asks state.json (same origin)
   for the run's last committed event; when that or the run's status changed, it reloads the page (the
   server has rebuilt it from the record) and keeps the reader's scroll position. Only hubbub watch adds
   this script; a report file opened from disk never has it. */
(function () {
  "use strict";
  var body = document.body, seq = body.getAttribute("data-live-seq"), status = body.getAttribute("data-live-status");
  var every = Math.max(250, +body.getAttribute("data-live-poll-ms") || 2000), polls = 0;
  var badge = document.getElementById("live-state");
  try {
    var y = sessionStorage.getItem("hubbub-live-scroll");
    if (y !== null) { sessionStorage.removeItem("hubbub-live-scroll"); window.scrollTo(0, +y); }
  } catch (e) { /* storage refused: the page still updates, from the top */ }
  function show(text) { if (badge) badge.textContent = text; }
  function poll() {
    fetch("state.json", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      polls++;
      body.setAttribute("data-live-polls", String(polls));
      if (String(s.seq) !== seq || String(s.status || "") !== status) {
        try { sessionStorage.setItem("hubbub-live-scroll", String(window.scrollY)); } catch (e) { /* see above */ }
        show("· updating…");
        location.reload();
        return;
      }
      show("· event " + seq + ", status " + (status || "?") + ", checked " + new Date().toLocaleTimeString());
      setTimeout(poll, every);
    }).catch(function () {
      show("· hubbub watch does not answer; retrying");
      setTimeout(poll, every * 2);
    });
  }
  setTimeout(poll, every);
})();
