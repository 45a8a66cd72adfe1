/* hubbub report viewer: plain JavaScript, no network.
   Reads the JSON block #hubbub-data and draws its charts with charts.js (uPlot: hover tooltips, legend
   toggles, drag-to-zoom, double-click to reset), a thread browser and sortable, filterable tables. Every
   text from the data reaches the page through textContent or esc(), never as markup. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("hubbub-data").textContent);
  var stats = { charts: 0, threads: 0, errors: 0 };

  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (k === "text") e.textContent = v;
      else if (k === "cls") e.className = v;
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    });
    (kids || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || v === "") return "–";
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    var a = Math.abs(v);
    return a >= 1000 ? v.toFixed(0) : a >= 0.01 ? String(+v.toFixed(3)) : a >= 1e-4 ? String(+v.toPrecision(3)) : v.toExponential(2);
  }
  function fmtH(v) { // a simulated time given in hours
    if (typeof v !== "number") return "–";
    return v < 1 ? "at " + +(v * 60).toFixed(1) + " min" : "at " + v.toFixed(2) + " h";
  }
  function clip(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  var charts = hubbubCharts({ h: h, fmt: fmt, clip: clip });
  function chart(host, spec, markers) { charts.chart(host, spec, markers); stats.charts++; }

  /* ------------------------------------------------------------------ tables */
  function dataTable(host, tbl, opts) {
    opts = opts || {};
    var size = opts.pageSize || 25, st = { q: "", sort: -1, dir: 1, page: 0 };
    var hay = tbl.rows.map(function (r) { return r.map(function (v) { return v === null ? "" : String(v); }).join(" ").toLowerCase(); });
    var wrap = h("div", { cls: "dt" }), info = h("span", { cls: "info" });
    var input = h("input", { type: "search", placeholder: "filter rows…", "aria-label": "filter rows" });
    var prev = h("button", { type: "button", text: "‹ prev" }), next = h("button", { type: "button", text: "next ›" });
    var tb = h("tbody"), headRow = h("tr");
    var long = tbl.columns.map(function (c, j) {
      return tbl.rows.some(function (r) { return typeof r[j] === "string" && r[j].length > 60; });
    });
    tbl.columns.forEach(function (c, j) {
      headRow.appendChild(h("th", { text: c, title: "sort by " + c, onclick: function () {
        st.dir = st.sort === j ? -st.dir : 1; st.sort = j; st.page = 0; render();
      } }));
    });
    if (tbl.rows.length > size || opts.search) wrap.appendChild(h("div", { cls: "controls" }, [input, prev, next, info]));
    wrap.appendChild(h("div", { cls: "scroll" }, [h("table", {}, [h("thead", {}, [headRow]), tb])]));
    host.appendChild(wrap);
    input.addEventListener("input", function () { st.q = input.value.toLowerCase(); st.page = 0; render(); });
    prev.addEventListener("click", function () { if (st.page > 0) { st.page--; render(); } });
    next.addEventListener("click", function () { st.page++; render(); });
    function cmp(a, b) {
      var x = a[st.sort], y = b[st.sort];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * st.dir;
    }
    function render() {
      var rows = tbl.rows.filter(function (r, i) { return !st.q || hay[i].indexOf(st.q) >= 0; });
      if (st.sort >= 0) rows = rows.slice().sort(cmp);
      var pages = Math.max(1, Math.ceil(rows.length / size));
      st.page = Math.min(st.page, pages - 1);
      tb.textContent = "";
      rows.slice(st.page * size, st.page * size + size).forEach(function (r) {
        tb.appendChild(h("tr", {}, r.map(function (v, j) {
          return h("td", { cls: (typeof v === "number" ? "num" : "") + (long[j] ? " long" : ""), text: fmt(v) });
        })));
      });
      Array.prototype.forEach.call(headRow.children, function (th, j) {
        th.className = st.sort === j ? (st.dir > 0 ? "asc" : "desc") : "";
      });
      info.textContent = rows.length + " of " + tbl.rows.length + " rows" + (pages > 1 ? " · page " + (st.page + 1) + " of " + pages : "");
      prev.disabled = st.page === 0; next.disabled = st.page >= pages - 1;
      wrap.setAttribute("data-rows", String(rows.length));
    }
    render();
  }

  /* ------------------------------------------------------------------ threads */
  function badge(text, cls, title) { return h("span", { cls: "badge " + cls, text: text, title: title || text }); }
  function post(item, isReply) {
    var head = h("div", { cls: "phead" }, [
      h("b", { text: item.author }), " ", badge(item.role || "?", "role"), " · ",
      h("span", { text: "♥ " + fmt(item.likes) + " · " + fmtH(item.h) + " · #" + item.id })]);
    if (item.attack) head.appendChild(badge("attacker", "atk", "written by an attacker to poison the topic"));
    if (item.hidden) head.appendChild(badge("censored", "cens", item.reason || "hidden by moderation"));
    return h(isReply ? "li" : "div", { cls: (isReply ? "reply" : "comment") + (item.attack ? " is-atk" : "") + (item.hidden ? " is-cens" : "") },
      [head, h("p", { cls: "ptext", text: item.text })]);
  }
  function hashSearch() { // report.html#search=words opens the thread browser on that search
    var m = /[#&]search=([^&]*)/.exec(location.hash);
    try { return m ? decodeURIComponent(m[1].replace(/\+/g, " ")) : ""; } catch (e) { return ""; }
  }
  function threadBrowser(host, th) {
    th.topics.forEach(function (t) {
      host.appendChild(h("div", { cls: "topic" }, [
        h("h4", { text: t.title }), h("p", { text: t.summary }),
        h("details", {}, [h("summary", { text: "full text" }), h("p", { text: t.content })]),
        h("p", { cls: "muted", text: "topic " + t.id + " · sentiment " + (t.sentiment || "?") + " · ♥ " + fmt(t.likes) + " · reposts " + fmt(t.reposts) })]));
    });
    var size = 10, st = { q: hashSearch().toLowerCase(), f: "all", page: 0 };
    var hay = th.comments.map(function (c) {
      return [c.text, c.author].concat(c.replies.map(function (r) { return r.text + " " + r.author; })).join(" ").toLowerCase();
    });
    var input = h("input", { type: "search", placeholder: "search comments and replies…", "aria-label": "search threads" });
    input.value = hashSearch();
    var sel = h("select", { "aria-label": "which comments" }, [["all", "all comments"], ["atk", "by attackers"], ["cens", "censored"],
      ["user", "by users"], ["rep", "with replies"]].map(function (o) { return h("option", { value: o[0], text: o[1] }); }));
    var prev = h("button", { type: "button", text: "‹ prev" }), next = h("button", { type: "button", text: "next ›" });
    var info = h("span", { cls: "info" }), list = h("div", { cls: "threads" });
    host.appendChild(h("p", { cls: "muted", text: th.shown < th.total ? "Showing " + th.shown + " of " + th.total +
      " comments: the most liked, then an even sample of the rest." : th.total + " comments, ranked by likes." }));
    host.appendChild(h("div", { cls: "controls" }, [input, sel, prev, next, info]));
    host.appendChild(list);
    function keep(c, i) {
      if (st.q && hay[i].indexOf(st.q) < 0) return false;
      return st.f === "all" || (st.f === "atk" && (c.attack || c.replies.some(function (r) { return r.attack; }))) ||
        (st.f === "cens" && (c.hidden || c.replies.some(function (r) { return r.hidden; }))) ||
        (st.f === "user" && !c.attack) || (st.f === "rep" && c.replies_total > 0);
    }
    function render() {
      var rows = th.comments.filter(keep), pages = Math.max(1, Math.ceil(rows.length / size));
      st.page = Math.min(st.page, pages - 1);
      list.textContent = "";
      var shown = rows.slice(st.page * size, st.page * size + size);
      shown.forEach(function (c) {
        var card = h("article", { cls: "thread" }, [post(c, false)]);
        if (c.replies.length) card.appendChild(h("ul", { cls: "replies" }, c.replies.slice(0, 3).map(function (r) { return post(r, true); })));
        if (c.replies.length > 3) card.appendChild(h("details", { cls: "more" }, [h("summary", { text: "show " + (c.replies.length - 3) + " more replies" }),
          h("ul", { cls: "replies" }, c.replies.slice(3).map(function (r) { return post(r, true); }))]));
        if (c.replies_total > c.replies.length) card.appendChild(h("p", { cls: "muted", text: "+ " + (c.replies_total - c.replies.length) + " more replies not included" }));
        list.appendChild(card);
      });
      if (!shown.length) list.appendChild(h("p", { cls: "muted", text: "no comment matches" }));
      info.textContent = rows.length + " threads · page " + (st.page + 1) + " of " + pages;
      prev.disabled = st.page === 0; next.disabled = st.page >= pages - 1;
      host.setAttribute("data-threads-rendered", String(shown.length));
      host.setAttribute("data-threads-matching", String(rows.length));
      return shown.length;
    }
    input.addEventListener("input", function () { st.q = input.value.toLowerCase(); st.page = 0; render(); });
    sel.addEventListener("change", function () { st.f = sel.value; st.page = 0; render(); });
    prev.addEventListener("click", function () { if (st.page > 0) { st.page--; render(); } });
    next.addEventListener("click", function () { st.page++; render(); });
    stats.threads += render();
  }

  /* ------------------------------------------------------------------ sections */
  function section(host, title, build, cls) {
    var s = h("section", { cls: "block " + (cls || "") }, [h("h3", { text: title })]);
    host.appendChild(s);
    try { build(s); } catch (err) {
      stats.errors++;
      s.appendChild(h("p", { cls: "banner warn", text: "This section could not be drawn: " + err }));
    }
    return s;
  }
  function grid(host, charts, markers) {
    var g = h("div", { cls: "grid" });
    host.appendChild(g);
    charts.forEach(function (c) { chart(g, c, markers); });
  }
  function renderRun(host, run) {
    host.appendChild(h("h2", { text: run.name }));
    host.appendChild(h("p", { cls: "muted", text: run.path }));
    if (DATA.runs.length > 1 && run.provenance && run.provenance.warning) host.appendChild(h("p", { cls: "banner warn", text: "⚠ " + run.provenance.warning }));
    if (run.note) host.appendChild(h("p", { cls: "banner warn", text: run.note }));
    section(host, "At a glance", function (s) {
      var cards = h("div", { cls: "cards" });
      Object.keys(run.glance || {}).forEach(function (k) {
        cards.appendChild(h("div", { cls: "card" }, [h("b", { text: fmt(run.glance[k]) }), h("span", { text: k })]));
      });
      if (run.horizon_h !== null && run.horizon_h !== undefined) cards.appendChild(h("div", { cls: "card" }, [h("b", { text: fmt(run.horizon_h) }), h("span", { text: "simulated hours" })]));
      s.appendChild(cards);
      if (run.final && Object.keys(run.final).length) {
        s.appendChild(h("p", { cls: "muted", text: "Users' conditions at the last snapshot (TrendSim Table 5: average and divergence = std across users):" }));
        dataTable(s, { columns: Object.keys(run.final), rows: [Object.keys(run.final).map(function (k) { return run.final[k]; })] });
      }
    });
    if (run.conditions) section(host, "Users' psychological conditions over time", function (s) {
      grid(s, run.conditions.concat(run.groups ? [run.groups] : []), run.markers);
    });
    if (run.activity && run.activity.chart) section(host, "Activity", function (s) {
      grid(s, [run.activity.chart], run.markers);
      var d = h("details", {}, [h("summary", { text: "activity table" })]);
      s.appendChild(d);
      dataTable(d, run.activity.table, { pageSize: 48 });
    });
    if (run.s3) section(host, "S3: spreading on the follow graph", function (s) {
      grid(s, run.s3.charts, run.markers);
      if (run.s3.cascade_summary) {
        s.appendChild(h("h4", { text: "Repost cascades (size, depth, breadth, structural virality)" }));
        dataTable(s, run.s3.cascade_summary, {});
      }
      var c = run.s3.cascades;
      if (c) {
        s.appendChild(h("h4", { text: "Largest cascades" }));
        s.appendChild(h("p", { cls: "muted", text: c.shown < c.total ? "Showing the " + fmt(c.shown) + " largest of " + fmt(c.total) + " cascades." : fmt(c.total) + " cascades, largest first." }));
        dataTable(s, c, { search: true, pageSize: 20 });
      }
    }, "s3");
    if (run.s3 && run.s3.network) section(host, "Network view: follow graph, degrees, cascade trees", function (s) {
      var net = run.s3.network, view = hubbubNetwork({ h: h, esc: esc, fmt: fmt });
      if (net.graph) { s.appendChild(h("h4", { text: "The follow graph at the start, middle and end" })); view.graphView(s, net.graph); }
      else if (net.graph_note) s.appendChild(h("p", { cls: "muted", text: net.graph_note }));
      if (net.degrees) grid(s, [net.degrees], []);
      if (net.trees && net.trees.length) { s.appendChild(h("h4", { text: "The largest repost cascades as trees" })); view.treeView(s, net.trees); }
      else if (net.trees) s.appendChild(h("p", { cls: "muted", text: "No cascade spread beyond its first post." }));
    }, "network");
    if (run.interventions || (run.markers && run.markers.length)) section(host, "Timeline: interventions and interviews", function (s) {
      s.appendChild(h("p", { cls: "muted", text: "Marked on every time chart above: red lines are interventions, purple lines interviews." }));
      if (run.interventions) { s.appendChild(h("h4", { text: "Interventions" })); dataTable(s, run.interventions, { search: true }); }
      else s.appendChild(h("p", { cls: "muted", text: "No interventions in this run." }));
    }, "timeline");
    if (run.interviews) section(host, "Interviews", function (s) {
      var q = run.interviews;
      s.appendChild(h("p", { cls: "muted", text: q.shown < q.total ? "Showing " + q.shown + " of " + q.total + " answers." : q.total + " answers." }));
      dataTable(s, { columns: ["hours", "agent", "group", "question", "answer", "emotion", "confidence / attitude"],
        rows: q.answers.map(function (a) { return [a.h, a.agent, a.group, a.q, a.a, a.emotion, a.confidence]; }) }, { search: true, pageSize: 20 });
    }, "interviews");
    if (run.surveys) section(host, "Surveys", function (s) {
      var q = run.surveys;
      s.appendChild(h("p", { cls: "muted", text: q.answers + " answers from " + q.respondents + " users. Each bar is one administration of the item; its segments are the mean probability the respondents' answer distributions gave each option (the expected share choosing it)." }));
      grid(s, q.charts, []);
      var d = h("details", {}, [h("summary", { text: "summary table (n, mean probability, share who picked each option)" })]);
      s.appendChild(d);
      dataTable(d, q.summary, { search: true, pageSize: 25 });
    }, "surveys");
    if (run.threads) section(host, "Threads", function (s) { threadBrowser(s, run.threads); }, "thread-browser");
    if (run.agents) section(host, "Agents", function (s) {
      if (run.agents.shown < run.agents.total) s.appendChild(h("p", { cls: "muted", text: "Showing " + run.agents.shown + " of " + run.agents.total + " agents (every non-user, then users in recording order)." }));
      dataTable(s, run.agents, { search: true, pageSize: 25 });
    }, "agents");
    if (run.telemetry) section(host, "LLM telemetry", function (s) {
      s.appendChild(h("p", { cls: "muted", text: "Per call kind. Latency percentiles and cost count only calls that reached the backend (cache hits are free). " +
        (run.telemetry.priced ? "Cost uses the --price table (per 1,000 tokens)." : "No price table given: run `hubbub report RUN --price MODEL=IN_PER_1K:OUT_PER_1K` to see costs.") }));
      dataTable(s, run.telemetry, {});
    }, "telemetry");
    if (run.analysis_tables) section(host, "Analysis tables", function (s) {
      run.analysis_tables.forEach(function (t) { s.appendChild(h("h4", { text: t.title })); dataTable(s, t, { search: t.rows.length > 10 }); });
    }, "analysis-tables");
    if (run.curves) section(host, "More curves (from the analysis tables)", function (s) { grid(s, run.curves, run.markers); }, "curves");
    if (run.other_tables) section(host, "Other tables in the run record", function (s) {
      run.other_tables.forEach(function (t) {
        s.appendChild(h("h4", { text: t.title + " (" + t.shown + " of " + t.total + " rows)" }));
        dataTable(s, t, { search: true, pageSize: 20 });
      });
    }, "other-tables");
    if (run.experiment) section(host, "Experiment", function (s) {
      grid(s, run.experiment.charts, []);
      run.experiment.tables.forEach(function (t) { s.appendChild(h("h4", { text: t.title })); dataTable(s, t, { search: t.rows.length > 10 }); });
    }, "experiment");
    section(host, "Manifest", function (s) {
      var d = h("details", {}, [h("summary", { text: "manifest.json (secrets redacted by the run store)" }), h("pre", { text: JSON.stringify(run.manifest || {}, null, 2) })]);
      s.appendChild(d);
    }, "manifest");
  }
  function renderCompare(host, cmp) {
    host.appendChild(h("h2", { text: "Runs compared" }));
    section(host, "Summary", function (s) { dataTable(s, cmp.summary, {}); });
    if (cmp.charts.length) section(host, "Curves by run", function (s) { grid(s, cmp.charts, cmp.markers); });
  }

  function main() {
    var app = document.getElementById("app"), tabs = document.getElementById("tabs");
    app.textContent = "";
    var runs = DATA.runs, views = [];
    var holder = h("div", { cls: "runs single" });
    if (DATA.comparison) {
      var cmp = h("section", { cls: "view compare", id: "compare" });
      app.appendChild(cmp);
      renderCompare(cmp, DATA.comparison);
      views.push({ name: "Compare", show: function () { cmp.hidden = false; holder.hidden = true; } });
    }
    app.appendChild(holder);
    var secs = runs.map(function (run, i) {
      var s = h("section", { cls: "view run", "data-run": String(i) });
      holder.appendChild(s);
      renderRun(s, run);
      return s;
    });
    function only(k) {
      return function () {
        if (DATA.comparison) document.getElementById("compare").hidden = true;
        holder.hidden = false; holder.className = k === null ? "runs side" : "runs single";
        holder.style.gridTemplateColumns = k === null ? "repeat(" + secs.length + ", minmax(440px, 1fr))" : "";
        secs.forEach(function (s, i) { s.hidden = k !== null && i !== k; });
      };
    }
    if (runs.length > 1) {
      runs.forEach(function (r, i) { views.push({ name: r.name, show: only(i) }); });
      views.push({ name: "Side by side", show: only(null) });
      views.forEach(function (v, i) {
        tabs.appendChild(h("button", { type: "button", cls: i === 0 ? "tab on" : "tab", text: v.name, onclick: function (ev) {
          Array.prototype.forEach.call(tabs.children, function (b) { b.className = "tab"; });
          ev.currentTarget.className = "tab on"; v.show();
        } }));
      });
      views[0].show();
    }
  }

  try { main(); } catch (err) {
    stats.errors++;
    document.getElementById("app").appendChild(h("p", { cls: "banner warn", text: "The report could not be drawn: " + err }));
  }
  var b = document.body;
  b.setAttribute("data-charts-rendered", String(stats.charts));
  b.setAttribute("data-threads-rendered", String(stats.threads));
  b.setAttribute("data-errors", String(stats.errors));
  b.setAttribute("data-load-ms", String(Math.round(performance.now())));
  b.setAttribute("data-report", "ready");
})();
