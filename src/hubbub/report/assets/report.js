/* hubbub report viewer: plain JavaScript, no dependencies, no network.
   Reads the JSON block #hubbub-data and draws SVG charts (hover tooltips, legend toggles, drag-to-zoom,
   double-click to reset), a thread browser and sortable, filterable tables. Every text from the data
   reaches the page through textContent or esc(), never as markup. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("hubbub-data").textContent);
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"];
  var MARK = { intervention: "#c0392b", interview: "#8e44ad" };
  var W = 640, H = 280, M = { l: 54, r: 14, t: 14, b: 42 };
  var stats = { charts: 0, threads: 0, errors: 0 }, uid = 0;

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
  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) hi = lo + 1;
    var raw = (hi - lo) / n, step = Math.pow(10, Math.floor(Math.log10(raw))), e = raw / step;
    step *= e >= 7.5 ? 10 : e >= 3.5 ? 5 : e >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }
  function nearest(xs, x) { // index of the non-null value of sorted xs closest to x
    var lo = 0, hi = xs.length - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (xs[mid] < x) lo = mid; else hi = mid; }
    return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
  }
  function lg10(v) { return typeof v === "number" && v > 0 ? Math.log10(v) : null; }
  function axisTicks(lo, hi, n, isLog) { // a log axis ticks at powers of ten when it spans two or more
    if (!isLog) return niceTicks(lo, hi, n);
    var out = [];
    for (var t = Math.ceil(lo - 1e-9); t <= Math.floor(hi + 1e-9); t++) out.push(t);
    return out.length >= 2 ? out : niceTicks(lo, hi, n);
  }
  function tickText(t, isLog) { return fmt(isLog ? +Math.pow(10, t).toPrecision(4) : t); }
  function legendHead(legend, spec) { // the legend's title ("run", "S3 user class (users)") first
    if (spec.legend) legend.appendChild(h("span", { cls: "lgt", text: spec.legend + ":" }));
  }
  function legendNote(legend, text, cls) { // what bands or error bars mean, after the entries
    if (text) legend.appendChild(h("span", { cls: "lgnote " + cls }, [h("span", { cls: "sw " + cls }), text]));
  }
  function placeLabels(marks, sx, x0, x1) { // markers at one x share a label; labels never overprint
    var groups = [];
    marks.forEach(function (m) {
      if (m.x === null || m.x < x0 || m.x > x1) return;
      var px = sx(m.x), last = groups[groups.length - 1];
      if (last && Math.abs(last.px - px) < 1) { last.items.push(m); return; }
      groups.push({ px: px, items: [m] });
    });
    var ends = [];
    groups.forEach(function (g) {
      g.text = g.items.length > 1 ? g.items.length + " events" : clip(g.items[0].label, 18);
      var width = g.text.length * 6.4 + 8, row = 0; // 10px labels: at most ~6 px a character
      while (row < ends.length && ends[row] > g.px) row++;
      g.row = row < 3 ? row : -1;
      if (g.row >= 0) ends[row] = g.px + width;
    });
    return groups;
  }
  function legendButton(name, color, hidden, onclick) {
    var b = h("button", { type: "button", cls: "lg" + (hidden ? " off" : ""), onclick: onclick }, [
      h("span", { cls: "sw", style: "background:" + color }), name]);
    return b;
  }

  /* ------------------------------------------------------------------ line chart */
  function lineChart(host, spec, markers) {
    var st = { hidden: {}, view: null, drag: null }, clipId = "clip" + (++uid);
    var box = h("div", { cls: "chart", "data-chart": "line" }, [h("h4", { text: spec.title })]);
    var svgHost = h("div", { cls: "svghost" }), tip = h("div", { cls: "tip" });
    var legend = h("div", { cls: "legend" });
    box.appendChild(h("div", { cls: "plot" }, [svgHost, tip]));
    box.appendChild(legend);
    host.appendChild(box);
    var series = spec.series.map(function (s, i) {
      var o = Object.assign({ c: s.color || COLORS[i % COLORS.length], rx: s.x, ry: s.y }, s);
      if (spec.xlog) o.x = s.x.map(lg10);
      if (spec.ylog) { o.y = s.y.map(lg10); if (s.lo) { o.lo = s.lo.map(lg10); o.hi = s.hi.map(lg10); } }
      return o;
    });
    var marks = spec.timeline ? (markers || []) : [];
    var geo = null;
    function visible() { return series.filter(function (s) { return !st.hidden[s.name]; }); }
    function domains(vis) {
      var xs = [];
      vis.forEach(function (s) { s.x.forEach(function (v, i) { if (v !== null && s.y[i] !== null) xs.push(v); }); });
      var x0 = st.view ? st.view[0] : Math.min.apply(null, xs.length ? xs : [0]);
      var x1 = st.view ? st.view[1] : Math.max.apply(null, xs.length ? xs : [1]);
      if (!(x1 > x0)) { x0 -= 0.5; x1 += 0.5; }
      if (spec.points && !st.view) { var xp = (x1 - x0) * 0.04; x0 -= xp; x1 += xp; }
      var ys = [];
      vis.forEach(function (s) {
        s.x.forEach(function (v, i) {
          if (v === null || v < x0 || v > x1) return;
          // a bounded measure (ylim) keeps its axis: a wide interval is cut at the frame, not the axis stretched
          (spec.ylim ? [s.y[i]] : [s.y[i], s.lo && s.lo[i], s.hi && s.hi[i]]).forEach(function (y) { if (typeof y === "number") ys.push(y); });
        });
      });
      var y0 = ys.length ? Math.min.apply(null, ys) : 0, y1 = ys.length ? Math.max.apply(null, ys) : 1;
      if (spec.ylim && !st.view) { y0 = Math.min(y0, spec.ylim[0]); y1 = Math.max(y1, spec.ylim[1]); }
      if (!(y1 > y0)) { y0 -= 0.5; y1 += 0.5; }
      var pad = spec.ylim && !st.view ? 0 : (y1 - y0) * 0.06;
      return [x0, x1, y0 - pad, y1 + pad];
    }
    function path(s, sx, sy, x0, x1) {
      var d = "", pen = false;
      s.x.forEach(function (x, i) {
        var y = s.y[i];
        if (x === null || y === null || x < x0 || x > x1) { pen = false; return; }
        d += (pen ? "L" : "M") + sx(x).toFixed(1) + "," + sy(y).toFixed(1);
        pen = true;
      });
      return d;
    }
    function band(s, sx, sy, x0, x1) {
      var up = [], down = [];
      s.x.forEach(function (x, i) {
        if (x === null || s.lo[i] === null || s.hi[i] === null || x < x0 || x > x1) return;
        up.push(sx(x).toFixed(1) + "," + sy(s.hi[i]).toFixed(1));
        down.unshift(sx(x).toFixed(1) + "," + sy(s.lo[i]).toFixed(1));
      });
      return up.length ? "M" + up.join("L") + "L" + down.join("L") + "Z" : "";
    }
    function draw() {
      var vis = visible(), d = domains(vis), x0 = d[0], x1 = d[1], y0 = d[2], y1 = d[3];
      var pw = W - M.l - M.r, ph = H - M.t - M.b;
      var sx = function (x) { return M.l + (x - x0) / (x1 - x0) * pw; };
      var sy = function (y) { return M.t + ph - (y - y0) / (y1 - y0) * ph; };
      geo = { x0: x0, x1: x1, sx: sx, vis: vis };
      var p = ['<svg viewBox="0 0 ' + W + " " + H + '" class="svg" role="img" aria-label="' + esc(spec.title) + '">',
        '<clipPath id="' + clipId + '"><rect x="' + M.l + '" y="' + M.t + '" width="' + pw + '" height="' + ph + '"/></clipPath>'];
      axisTicks(y0, y1, 5, spec.ylog).forEach(function (t) {
        if (t < y0 || t > y1) return;
        p.push('<line class="grid" x1="' + M.l + '" x2="' + (W - M.r) + '" y1="' + sy(t) + '" y2="' + sy(t) + '"/>',
          '<text class="tick" x="' + (M.l - 6) + '" y="' + (sy(t) + 4) + '" text-anchor="end">' + esc(tickText(t, spec.ylog)) + "</text>");
      });
      axisTicks(x0, x1, 7, spec.xlog).forEach(function (t) {
        if (t < x0 || t > x1) return;
        p.push('<line class="grid" y1="' + M.t + '" y2="' + (M.t + ph) + '" x1="' + sx(t) + '" x2="' + sx(t) + '"/>',
          '<text class="tick" y="' + (H - M.b + 16) + '" x="' + sx(t) + '" text-anchor="middle">' + esc(tickText(t, spec.xlog)) + "</text>");
      });
      p.push('<rect class="frame" x="' + M.l + '" y="' + M.t + '" width="' + pw + '" height="' + ph + '"/>',
        '<text class="axis" x="' + (M.l + pw / 2) + '" y="' + (H - 6) + '" text-anchor="middle">' + esc(spec.xlabel || "") + "</text>",
        '<text class="axis" transform="translate(13,' + (M.t + ph / 2) + ') rotate(-90)" text-anchor="middle">' + esc(spec.ylabel || "") + "</text>",
        '<g clip-path="url(#' + clipId + ')">');
      vis.forEach(function (s) { if (s.lo) p.push('<path class="band" fill="' + s.c + '" d="' + band(s, sx, sy, x0, x1) + '"/>'); });
      vis.forEach(function (s) {
        if (!spec.points) p.push('<path class="line" stroke="' + s.c + '" d="' + path(s, sx, sy, x0, x1) + '"/>');
        if (spec.points || s.x.length <= 60) s.x.forEach(function (x, i) {
          if (x !== null && s.y[i] !== null && x >= x0 && x <= x1)
            p.push('<circle r="' + (spec.points ? 3.6 : 2.6) + '" fill="' + s.c + '" cx="' + sx(x).toFixed(1) + '" cy="' + sy(s.y[i]).toFixed(1) + '"/>');
        });
      });
      placeLabels(marks, sx, x0, x1).forEach(function (g) {
        var x = g.px.toFixed(1), m = g.items[0], col = MARK[m.kind] || "#555";
        var all = g.items.map(function (it) { return it.label; }).join("; ");
        p.push('<g class="marker" data-kind="' + esc(m.kind) + '" data-count="' + g.items.length + '"><title>' + esc(all) + " (" + esc(fmt(m.x)) + " h)</title>" +
          '<line stroke="' + col + '" x1="' + x + '" x2="' + x + '" y1="' + M.t + '" y2="' + (M.t + ph) + '"/>' +
          (g.row >= 0 ? '<text fill="' + col + '" x="' + (+x + 3) + '" y="' + (M.t + 10 + 13 * g.row) + '">' + esc(g.text) + "</text>" : "") + "</g>");
      });
      p.push('</g><line class="cross" y1="' + M.t + '" y2="' + (M.t + ph) + '" x1="-9" x2="-9"/>',
        '<rect class="sel" y="' + M.t + '" height="' + ph + '" x="0" width="0"/></svg>');
      svgHost.innerHTML = p.join("");
      legend.textContent = "";
      legendHead(legend, spec);
      series.forEach(function (s) {
        legend.appendChild(legendButton(s.name, s.c, st.hidden[s.name], function () { st.hidden[s.name] = !st.hidden[s.name]; draw(); }));
      });
      legendNote(legend, spec.band, "bandsw");
      if (st.view) legend.appendChild(h("button", { type: "button", cls: "reset", text: "reset zoom", onclick: function () { st.view = null; draw(); } }));
      box.setAttribute("data-series", String(vis.length));
      box.setAttribute("data-points", String(vis.reduce(function (a, s) { return a + s.x.length; }, 0)));
    }
    function locate(ev) {
      var r = svgHost.firstChild.getBoundingClientRect(), px = (ev.clientX - r.left) * W / r.width;
      px = Math.max(M.l, Math.min(W - M.r, px));
      return { px: px, x: geo.x0 + (px - M.l) / (W - M.l - M.r) * (geo.x1 - geo.x0), frac: (ev.clientX - r.left) / r.width };
    }
    function hover(ev) {
      var at = locate(ev), svg = svgHost.firstChild;
      if (st.drag !== null) {
        var sel = svg.querySelector(".sel");
        sel.setAttribute("x", Math.min(st.drag, at.px)); sel.setAttribute("width", Math.abs(at.px - st.drag));
        return;
      }
      var best = null, picks = geo.vis.map(function (s) {
        var idx = [];
        s.x.forEach(function (v, i) { if (v !== null && s.y[i] !== null) idx.push(i); });
        if (!idx.length) return -1;
        var k = idx[nearest(idx.map(function (i) { return s.x[i]; }), at.x)];
        if (best === null || Math.abs(s.x[k] - at.x) < Math.abs(best - at.x)) best = s.x[k];
        return k;
      });
      if (best === null) return;
      var cross = svg.querySelector(".cross"), cx = geo.sx(best);
      cross.setAttribute("x1", cx); cross.setAttribute("x2", cx);
      tip.textContent = "";
      tip.appendChild(h("div", { cls: "tiph", text: (spec.xlabel || "x") + ": " + fmt(spec.xlog ? +Math.pow(10, best).toPrecision(6) : best) }));
      geo.vis.forEach(function (s, j) {
        var i = picks[j];
        if (i < 0 || Math.abs(s.x[i] - best) > (geo.x1 - geo.x0) * 0.03) return;
        var extra = !spec.ylog && s.lo && s.lo[i] !== null ? " (± " + fmt((s.hi[i] - s.lo[i]) / 2) + ")" : "";
        if (s.n && s.n[i] !== null && s.n[i] !== undefined) extra += " · n=" + fmt(s.n[i]);
        tip.appendChild(h("div", {}, [h("span", { cls: "sw", style: "background:" + s.c }), s.name + ": " + fmt(s.ry[i]) + extra]));
      });
      marks.forEach(function (m) {
        if (Math.abs(m.x - at.x) <= (geo.x1 - geo.x0) * 0.02) tip.appendChild(h("div", { cls: "tipm", text: "▲ " + m.label }));
      });
      tip.style.display = "block";
      tip.style.left = at.frac < 0.6 ? (at.frac * 100 + 2) + "%" : "auto";
      tip.style.right = at.frac < 0.6 ? "auto" : ((1 - at.frac) * 100 + 2) + "%";
    }
    svgHost.addEventListener("mousemove", hover);
    svgHost.addEventListener("mouseleave", function () {
      tip.style.display = "none";
      var cross = svgHost.querySelector(".cross");
      if (cross) { cross.setAttribute("x1", -9); cross.setAttribute("x2", -9); }
      if (st.drag !== null) { st.drag = null; draw(); }
    });
    svgHost.addEventListener("mousedown", function (ev) { ev.preventDefault(); st.drag = locate(ev).px; });
    svgHost.addEventListener("mouseup", function (ev) {
      var start = st.drag, at = locate(ev);
      st.drag = null;
      if (start !== null && Math.abs(at.px - start) > 6) {
        var f = function (px) { return geo.x0 + (px - M.l) / (W - M.l - M.r) * (geo.x1 - geo.x0); };
        st.view = [f(Math.min(start, at.px)), f(Math.max(start, at.px))];
      }
      draw();
    });
    svgHost.addEventListener("dblclick", function () { st.view = null; draw(); });
    draw();
    stats.charts++;
  }

  /* ------------------------------------------------------------------ bar chart */
  function barChart(host, spec) {
    var st = { hidden: {} };
    var box = h("div", { cls: "chart", "data-chart": "bar" }, [h("h4", { text: spec.title })]);
    var svgHost = h("div", { cls: "svghost" }), tip = h("div", { cls: "tip" }), legend = h("div", { cls: "legend" });
    box.appendChild(h("div", { cls: "plot" }, [svgHost, tip]));
    box.appendChild(legend);
    host.appendChild(box);
    var series = spec.series.map(function (s, i) { return Object.assign({ c: s.color || COLORS[i % COLORS.length] }, s); });
    var cats = spec.categories;
    function draw() {
      var vis = series.filter(function (s) { return !st.hidden[s.name]; });
      var vals = [0];
      vis.forEach(function (s) { s.y.forEach(function (v, i) { if (v !== null) { var e = s.err && s.err[i] && !spec.ylim ? s.err[i] : 0; vals.push(v + e, v - e); } }); });
      if (spec.stacked) cats.forEach(function (c, i) { vals.push(vis.reduce(function (a, s) { return a + (s.y[i] || 0); }, 0)); });
      var y0 = Math.min.apply(null, vals), y1 = Math.max.apply(null, vals);
      if (spec.ylim) { y0 = Math.min(y0, spec.ylim[0]); y1 = Math.max(y1, spec.ylim[1]); }
      if (!(y1 > y0)) y1 = y0 + 1;
      var pw = W - M.l - M.r, ph = H - M.t - M.b - 18, gw = pw / Math.max(1, cats.length);
      var bw = spec.stacked ? gw * 0.6 : gw * 0.8 / Math.max(1, vis.length);
      var sy = function (y) { return M.t + ph - (y - y0) / (y1 - y0) * ph; };
      var p = ['<svg viewBox="0 0 ' + W + " " + H + '" class="svg" role="img" aria-label="' + esc(spec.title) + '">'];
      niceTicks(y0, y1, 5).forEach(function (t) {
        p.push('<line class="grid" x1="' + M.l + '" x2="' + (W - M.r) + '" y1="' + sy(t) + '" y2="' + sy(t) + '"/>',
          '<text class="tick" x="' + (M.l - 6) + '" y="' + (sy(t) + 4) + '" text-anchor="end">' + esc(fmt(t)) + "</text>");
      });
      cats.forEach(function (c, i) {
        var gx = M.l + i * gw;
        p.push('<text class="tick" x="' + (gx + gw / 2) + '" y="' + (M.t + ph + 14) + '" text-anchor="middle">' + esc(clip(c, Math.max(4, Math.floor(gw / 7)))) + "<title>" + esc(c) + "</title></text>");
        var base = 0;  // stacked: each series' segment starts where the previous one ended
        vis.forEach(function (s, j) {
          var v = s.y[i];
          if (v === null || v === undefined) return;
          var x = spec.stacked ? gx + gw * 0.2 : gx + gw * 0.1 + j * bw, top = sy(Math.max(v, 0)), bot = sy(Math.min(v, 0));
          if (spec.stacked) { top = sy(base + Math.max(v, 0)); bot = sy(base); base += Math.max(v, 0); }
          p.push('<rect class="bar" data-i="' + i + '" data-j="' + j + '" fill="' + s.c + '" x="' + x.toFixed(1) + '" y="' + top.toFixed(1) + '" width="' + Math.max(1, bw - 1).toFixed(1) + '" height="' + Math.max(0.5, bot - top).toFixed(1) + '"/>');
          if (s.err && s.err[i]) {
            var cx = (x + bw / 2).toFixed(1);
            var cap = Math.min(6, bw / 3), a = Math.max(v - s.err[i], y0), b = Math.min(v + s.err[i], y1);
            var lo = sy(a).toFixed(1), hi = sy(b).toFixed(1); // cut at the frame: no cap where it was cut
            p.push('<path class="err" d="M' + cx + "," + lo + "V" + hi + (a > y0 ? "M" + (cx - cap) + "," + lo + "H" + (+cx + cap) : "") +
              (b < y1 ? "M" + (cx - cap) + "," + hi + "H" + (+cx + cap) : "") + '"/>');
          }
        });
      });
      p.push('<line class="frame" x1="' + M.l + '" x2="' + (W - M.r) + '" y1="' + sy(Math.max(0, y0)) + '" y2="' + sy(Math.max(0, y0)) + '"/>',
        '<text class="axis" transform="translate(13,' + (M.t + ph / 2) + ') rotate(-90)" text-anchor="middle">' + esc(spec.ylabel || "") + "</text></svg>");
      svgHost.innerHTML = p.join("");
      legend.textContent = "";
      legendHead(legend, spec);
      series.forEach(function (s) {
        legend.appendChild(legendButton(s.name, s.c, st.hidden[s.name], function () { st.hidden[s.name] = !st.hidden[s.name]; draw(); }));
      });
      legendNote(legend, spec.err, "errsw");
      box.setAttribute("data-series", String(vis.length));
      box._vis = vis;
    }
    svgHost.addEventListener("mousemove", function (ev) {
      var t = ev.target;
      if (!t.getAttribute || t.getAttribute("data-i") === null) { tip.style.display = "none"; return; }
      var i = +t.getAttribute("data-i"), s = box._vis[+t.getAttribute("data-j")];
      tip.textContent = "";
      tip.appendChild(h("div", { cls: "tiph", text: cats[i] }));
      tip.appendChild(h("div", {}, [h("span", { cls: "sw", style: "background:" + s.c }), s.name + ": " + fmt(s.y[i]) + (s.err && s.err[i] ? " ± " + fmt(s.err[i]) : "") + (s.n && s.n[i] ? " · n=" + fmt(s.n[i]) : "")]));
      var r = svgHost.getBoundingClientRect(), frac = (ev.clientX - r.left) / r.width;
      tip.style.display = "block";
      tip.style.left = frac < 0.6 ? (frac * 100 + 2) + "%" : "auto";
      tip.style.right = frac < 0.6 ? "auto" : ((1 - frac) * 100 + 2) + "%";
    });
    svgHost.addEventListener("mouseleave", function () { tip.style.display = "none"; });
    draw();
    stats.charts++;
  }

  function chart(host, spec, markers) {
    if (spec.type === "bar") barChart(host, spec); else lineChart(host, spec, markers);
  }

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
