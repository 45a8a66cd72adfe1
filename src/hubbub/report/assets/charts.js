/* hubbub report: line, band and bar charts drawn by uPlot (vendor/uPlot.iife.min.js, MIT; loaded in the
   same script element, before this file). report.js calls hubbubCharts(lib) with its own helpers (h, fmt,
   clip). uPlot draws on a canvas; the legend, the tooltip and the intervention labels are DOM elements
   that this file fills through textContent only, so no text from the data ever becomes markup. */
var hubbubCharts = function (lib) {
  "use strict";
  var h = lib.h, fmt = lib.fmt, clip = lib.clip;
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#ad494a"];
  var MARK = { intervention: "#c0392b", interview: "#8e44ad" };
  var HEIGHT = 270, FONT = "11px system-ui, sans-serif", LABEL_FONT = "12px system-ui, sans-serif";

  /* ---------------------------------------------------------------- shared parts */
  function colorOf(s, i) { return s.color || COLORS[i % COLORS.length]; }
  function frame(host, spec, kind) { // title, plot area (uPlot + tooltip), legend
    var box = h("div", { cls: "chart", "data-chart": kind }, [h("h4", { text: spec.title })]);
    var uhost = h("div", { cls: "uhost" }), tip = h("div", { cls: "tip" }), legend = h("div", { cls: "legend" });
    box.appendChild(h("div", { cls: "plot" }, [uhost, tip]));
    box.appendChild(legend);
    host.appendChild(box);
    return { box: box, uhost: uhost, tip: tip, legend: legend };
  }
  function axes(spec, xValues, xSplits) {
    var common = { stroke: "#5f6b76", font: FONT, labelFont: LABEL_FONT, ticks: { stroke: "#d9dee3", width: 1, size: 4 },
      grid: { stroke: "#eceff2", width: 1 } };
    var ticks = function (u, splits) { return splits.map(function (v) { return v === null || v === undefined ? "" : fmt(v); }); };
    var x = Object.assign({}, common, { label: spec.xlabel || "", labelSize: spec.xlabel ? 22 : 4, values: xValues || ticks });
    if (xSplits) { x.splits = xSplits; x.grid = { show: false }; x.size = 30; }
    return [x, Object.assign({}, common, { label: spec.ylabel || "", labelSize: 22, size: 54, values: ticks })];
  }
  function legendRow(f, spec, entries, note, noteCls, extra) { // entries: [{name, color, hidden, toggle}]
    f.legend.textContent = "";
    if (spec.legend) f.legend.appendChild(h("span", { cls: "lgt", text: spec.legend + ":" }));
    entries.forEach(function (e) {
      f.legend.appendChild(h("button", { type: "button", cls: "lg" + (e.hidden ? " off" : ""), onclick: e.toggle }, [
        h("span", { cls: "sw", style: "background:" + e.color }), e.name]));
    });
    if (note) f.legend.appendChild(h("span", { cls: "lgnote " + noteCls }, [h("span", { cls: "sw " + noteCls }), note]));
    if (extra) f.legend.appendChild(extra);
  }
  function showTip(f, u, rows) { // rows: [text or [color, text]]; placed beside the cursor
    f.tip.textContent = "";
    if (!rows.length) { f.tip.style.display = "none"; return; }
    rows.forEach(function (r, i) {
      if (typeof r === "string") f.tip.appendChild(h("div", { cls: i === 0 ? "tiph" : "tipm", text: r }));
      else f.tip.appendChild(h("div", {}, [h("span", { cls: "sw", style: "background:" + r[0] }), r[1]]));
    });
    var frac = (u.cursor.left + u.bbox.left / uPlot.pxRatio) / Math.max(1, f.uhost.clientWidth);
    f.tip.style.display = "block";
    f.tip.style.left = frac < 0.6 ? (frac * 100 + 2) + "%" : "auto";
    f.tip.style.right = frac < 0.6 ? "auto" : ((1 - frac) * 100 + 2) + "%";
  }
  function mount(f, opts, data) { // a uPlot as wide as its box, following the box's width
    opts.width = Math.max(240, f.uhost.clientWidth || 600);
    opts.height = HEIGHT;
    opts.legend = { show: false };
    var u = new uPlot(opts, data, f.uhost);
    f.box.uplot = u;
    if (window.ResizeObserver) new ResizeObserver(function () {
      var w = f.uhost.clientWidth;
      if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: Math.max(240, w), height: HEIGHT });
    }).observe(f.uhost);
    return u;
  }
  function drawnColors(u) { // what uPlot drew, for the page's own record (data-drawn)
    var seen = [];
    u.series.forEach(function (s, i) { var c = s._stroke || s._fill; if (i > 0 && s.show && c && seen.indexOf(c) < 0) seen.push(c); });
    return seen.join(" ");
  }

  /* ---------------------------------------------------------------- data alignment */
  function aligned(spec) { // one x array for all series; a series without a value at an x holds undefined
    var ok = function (v, isLog) { return typeof v === "number" && (!isLog || v > 0); };
    var xs = [], at = new Map();
    spec.series.forEach(function (s) { s.x.forEach(function (x) { if (ok(x, spec.xlog) && !at.has(x)) { at.set(x, 0); xs.push(x); } }); });
    xs.sort(function (a, b) { return a - b; });
    xs.forEach(function (x, k) { at.set(x, k); });
    var lim = spec.ylim, cut = function (v) { return lim ? Math.min(lim[1], Math.max(lim[0], v)) : v; };
    function column(s, vals, bounded) { // undefined: no point at this x (spanned); null: undefined value (a gap)
      var out = new Array(xs.length), idx = new Array(xs.length);
      s.x.forEach(function (x, i) {
        if (!ok(x, spec.xlog)) return;
        var k = at.get(x), v = vals[i];
        out[k] = ok(v, spec.ylog) ? (bounded ? cut(v) : v) : null;
        idx[k] = i;
      });
      return { vals: out, idx: idx };
    }
    return { xs: xs, column: column };
  }

  /* ---------------------------------------------------------------- markers */
  function placeLabels(layer, marks, u) { // markers at one x share a label; labels never overprint
    if (layer.parentNode !== u.over) u.over.appendChild(layer);
    layer.textContent = "";
    var x0 = u.scales.x.min, x1 = u.scales.x.max, groups = [], ends = [];
    marks.forEach(function (m) {
      if (typeof m.x !== "number" || m.x < x0 || m.x > x1) return;
      var px = u.valToPos(m.x, "x"), last = groups[groups.length - 1];
      if (last && Math.abs(last.px - px) < 1) { last.items.push(m); return; }
      groups.push({ px: px, items: [m] });
    });
    groups.forEach(function (g) {
      var m = g.items[0], col = MARK[m.kind] || "#555";
      var all = g.items.map(function (it) { return it.label; }).join("; ") + " (" + fmt(m.x) + " h)";
      var mark = h("div", { cls: "marker", "data-kind": m.kind, "data-count": String(g.items.length), title: all,
        style: "left:" + g.px.toFixed(1) + "px;border-color:" + col });
      layer.appendChild(mark);
      var text = g.items.length > 1 ? g.items.length + " events" : clip(m.label, 18);
      var label = h("span", { cls: "mlabel", text: text, style: "color:" + col + ";left:" + (g.px + 3).toFixed(1) + "px" });
      layer.appendChild(label);
      var width = Math.max(label.offsetWidth, text.length * 6.4) + 6, row = 0;
      while (row < ends.length && ends[row] > g.px) row++;
      if (row < 3) { ends[row] = g.px + width; label.style.top = (2 + 13 * row) + "px"; }
      else layer.removeChild(label); // a fourth row would cover the curves: the line and its title stay
    });
    return groups.length;
  }

  /* ---------------------------------------------------------------- line chart */
  function lineChart(host, spec, markers) {
    var f = frame(host, spec, "line"), al = aligned(spec), marks = spec.timeline ? (markers || []) : [];
    var data = [al.xs], series = [{}], bands = [], lines = [];
    spec.series.forEach(function (s, i) {
      var c = colorOf(s, i), main = al.column(s, s.y, false);
      var line = { s: s, c: c, idx: main.idx, at: [data.length], hidden: false };
      data.push(main.vals);
      series.push({ label: s.name, stroke: c, width: spec.points ? 0 : 2, spanGaps: false,
        paths: spec.points ? function () { return null; } : undefined,
        points: { show: !!spec.points || s.x.length <= 60, size: spec.points ? 7 : 5, fill: c, stroke: c, width: 1 } });
      if (s.lo && s.hi) {
        data.push(al.column(s, s.hi, true).vals, al.column(s, s.lo, true).vals);
        series.push({ label: s.name + " (upper)", stroke: c, width: 0, points: { show: false } },
          { label: s.name + " (lower)", stroke: c, width: 0, points: { show: false } });
        bands.push({ series: [data.length - 2, data.length - 1], fill: c + "29" });
        line.at.push(data.length - 2, data.length - 1);
      }
      lines.push(line);
    });
    var layer = h("div", { cls: "marks" }), zoomed = false;
    var opts = { series: series, bands: bands, axes: axes(spec),
      scales: { x: { time: false, distr: spec.xlog ? 3 : 1, range: spec.xlog ? undefined : xRange }, y: yScale(spec) },
      cursor: { points: { show: false }, y: false, drag: { x: !spec.points, y: false, setScale: true } },
      hooks: { draw: [function (u) { f.box.setAttribute("data-markers", String(placeLabels(layer, marks, u))); f.box.setAttribute("data-drawn", drawnColors(u)); }],
        setCursor: [hover], setScale: [function (u, key) { if (key === "x") rezoom(u); }] } };
    function xRange(u, lo, hi) {
      if (lo === null || hi === null) return [0, 1];
      if (!(hi > lo)) return [lo - 0.5, hi + 0.5];
      var pad = spec.points ? (hi - lo) * 0.04 : 0;
      return [lo - pad, hi + pad];
    }
    var u = mount(f, opts, data);
    function rezoom(u) { // zoomed: the x axis shows less than all the data
      var lo = al.xs[0], hi = al.xs[al.xs.length - 1], eps = (hi - lo) * 1e-6, was = zoomed;
      zoomed = u.scales.x.min > lo + eps || u.scales.x.max < hi - eps;
      if (was !== zoomed) legend();
    }
    function hover(u) {
      var k = u.cursor.idx;
      if (k === null || k === undefined || u.cursor.left < 0) { f.tip.style.display = "none"; return; }
      var rows = [(spec.xlabel || "x") + ": " + fmt(al.xs[k])], span = u.scales.x.max - u.scales.x.min;
      lines.forEach(function (l) {
        var j = u.cursor.idxs[l.at[0]], i = j === null || j === undefined ? undefined : l.idx[j];
        if (l.hidden || i === undefined || Math.abs(al.xs[j] - al.xs[k]) > span * 0.03) return;
        var s = l.s, extra = !spec.ylog && s.lo && typeof s.lo[i] === "number" && typeof s.hi[i] === "number" ? " (± " + fmt((s.hi[i] - s.lo[i]) / 2) + ")" : "";
        if (s.n && s.n[i] !== null && s.n[i] !== undefined) extra += " · n=" + fmt(s.n[i]);
        rows.push([l.c, s.name + ": " + fmt(s.y[i]) + extra]);
      });
      var x = u.posToVal(u.cursor.left, "x");
      marks.forEach(function (m) { if (Math.abs(m.x - x) <= span * 0.02) rows.push("▲ " + m.label); });
      showTip(f, u, rows);
    }
    function legend() {
      var reset = zoomed ? h("button", { type: "button", cls: "reset", text: "reset zoom", onclick: function () {
        u.setData(u.data, true); } }) : null;
      legendRow(f, spec, lines.map(function (l) {
        return { name: l.s.name, color: l.c, hidden: l.hidden, toggle: function () {
          l.hidden = !l.hidden;
          l.at.forEach(function (k) { u.setSeries(k, { show: !l.hidden }); });
          legend();
        } };
      }), spec.band, "bandsw", reset);
      f.box.setAttribute("data-series", String(lines.filter(function (l) { return !l.hidden; }).length));
      f.box.setAttribute("data-points", String(lines.reduce(function (a, l) { return a + (l.hidden ? 0 : l.s.x.length); }, 0)));
    }
    f.uhost.addEventListener("mouseleave", function () { f.tip.style.display = "none"; });
    legend();
  }
  function yScale(spec) { // a bounded measure (ylim) keeps its axis; its bands are cut at the frame
    var lim = spec.ylim;
    return { distr: spec.ylog ? 3 : 1, range: lim ? function (u, lo, hi) {
      return [Math.min(lo === null ? lim[0] : lo, lim[0]), Math.max(hi === null ? lim[1] : hi, lim[1])];
    } : undefined };
  }

  /* ---------------------------------------------------------------- bar chart */
  function barChart(host, spec) {
    var f = frame(host, spec, "bar"), cats = spec.categories, n = cats.length;
    var bars = spec.series.map(function (s, i) { return { s: s, c: colorOf(s, i), hidden: false, k: i + 1 }; });
    var data = [cats.map(function (c, i) { return i; })].concat(bars.map(function (b) { return b.s.y.map(function (v) { return typeof v === "number" ? v : null; }); }));
    function visible() { return bars.filter(function (b) { return !b.hidden; }); }
    function slot(k) { // left edge and width (in category units) of series k's bars
      var vis = visible(), j = vis.findIndex(function (b) { return b.k === k; });
      return spec.stacked ? { off: -0.3, w: 0.6 } : { off: -0.4 + Math.max(0, j) * 0.8 / Math.max(1, vis.length), w: 0.8 / Math.max(1, vis.length) };
    }
    function base(k, i) { // stacked: where series k's segment starts in category i
      return visible().filter(function (b) { return b.k < k; }).reduce(function (a, b) { return a + Math.max(0, data[b.k][i] || 0); }, 0);
    }
    var disp = { x0: { unit: 1, values: function (u, k) { var sl = slot(k); return data[0].map(function (i) { return i + sl.off; }); } },
      size: { unit: 1, values: function (u, k) { return [slot(k).w * 0.96]; } } };
    if (spec.stacked) {
      disp.y0 = { unit: 1, values: function (u, k) { return data[0].map(function (i) { return base(k, i); }); } };
      disp.y1 = { unit: 1, values: function (u, k) { return data[0].map(function (i) { return data[k][i] === null ? null : base(k, i) + Math.max(0, data[k][i]); }); } };
    }
    var paths = uPlot.paths.bars({ disp: disp });
    var series = [{}].concat(bars.map(function (b) { return { label: b.s.name, stroke: b.c, fill: b.c, width: 0, paths: paths, points: { show: false } }; }));
    var maxChars = function (u) { return Math.max(4, Math.floor(u.bbox.width / uPlot.pxRatio / Math.max(1, n) / 7)); };
    var opts = { series: series, axes: axes(spec, function (u, splits) { return splits.map(function (i) { return clip(cats[i] === undefined ? "" : cats[i], maxChars(u)); }); },
      function () { return data[0]; }),
      scales: { x: { time: false, range: function () { return [-0.5, n - 0.5]; } }, y: { range: yRange } },
      cursor: { points: { show: false }, x: false, y: false, drag: { x: false, y: false, setScale: false } },
      hooks: { draw: [errorBars], setCursor: [hover] } };
    function yRange() { // zero, the bars, their error bars (unless the measure is bounded), stacked totals, ylim
      var vals = [0], lim = spec.ylim;
      visible().forEach(function (b) { b.s.y.forEach(function (v, i) { if (typeof v === "number") { var e = b.s.err && b.s.err[i] && !lim ? b.s.err[i] : 0; vals.push(v + e, v - e); } }); });
      if (spec.stacked) cats.forEach(function (c, i) { vals.push(base(bars.length + 1, i)); });
      var lo = Math.min.apply(null, vals), hi = Math.max.apply(null, vals);
      if (lim) { lo = Math.min(lo, lim[0]); hi = Math.max(hi, lim[1]); }
      return hi > lo ? [lo, lim ? hi : hi + (hi - lo) * 0.04] : [lo, lo + 1];
    }
    function errorBars(u) { // cut at the frame: no cap where a bar was cut
      var ctx = u.ctx, r = uPlot.pxRatio, y0 = u.scales.y.min, y1 = u.scales.y.max, count = 0;
      ctx.save();
      ctx.strokeStyle = "#333"; ctx.lineWidth = 1.2 * r;
      visible().forEach(function (b) {
        if (!b.s.err) return;
        var sl = slot(b.k);
        b.s.y.forEach(function (v, i) {
          var e = b.s.err[i];
          if (typeof v !== "number" || !e) return;
          var cx = u.valToPos(i + sl.off + sl.w * 0.48, "x", true), cap = Math.min(6 * r, (u.valToPos(sl.w, "x", true) - u.valToPos(0, "x", true)) / 3);
          var lo = Math.max(v - e, y0), hi = Math.min(v + e, y1), plo = u.valToPos(lo, "y", true), phi = u.valToPos(hi, "y", true);
          ctx.beginPath(); ctx.moveTo(cx, plo); ctx.lineTo(cx, phi);
          if (lo > y0) { ctx.moveTo(cx - cap, plo); ctx.lineTo(cx + cap, plo); }
          if (hi < y1) { ctx.moveTo(cx - cap, phi); ctx.lineTo(cx + cap, phi); }
          ctx.stroke();
          count++;
        });
      });
      ctx.restore();
      f.box.setAttribute("data-error-bars", String(count));
      f.box.setAttribute("data-drawn", drawnColors(u));
    }
    function hover(u) { // the bar under the cursor: its category, series, value, error and n
      var x = u.posToVal(u.cursor.left, "x"), i = Math.round(x), y = u.posToVal(u.cursor.top, "y");
      var hit = u.cursor.left < 0 || i < 0 || i >= n ? null : visible().find(function (b) {
        var sl = slot(b.k), v = data[b.k][i];
        if (v === null || x < i + sl.off || x > i + sl.off + sl.w) return false;
        return !spec.stacked || (y >= base(b.k, i) && y <= base(b.k, i) + Math.max(0, v));
      });
      if (!hit) { f.tip.style.display = "none"; return; }
      var s = hit.s;
      showTip(f, u, [cats[i], [hit.c, s.name + ": " + fmt(s.y[i]) + (s.err && s.err[i] ? " ± " + fmt(s.err[i]) : "") + (s.n && s.n[i] ? " · n=" + fmt(s.n[i]) : "")]]);
    }
    var u = mount(f, opts, data);
    function legend() {
      legendRow(f, spec, bars.map(function (b) {
        return { name: b.s.name, color: b.c, hidden: b.hidden, toggle: function () {
          b.hidden = !b.hidden;
          u.setSeries(b.k, { show: !b.hidden });
          var r = yRange();
          u.setScale("y", { min: r[0], max: r[1] });
          u.redraw(true, true); // the other bars move into the freed slot
          legend();
        } };
      }), spec.err, "errsw");
      f.box.setAttribute("data-series", String(visible().length));
    }
    f.uhost.addEventListener("mouseleave", function () { f.tip.style.display = "none"; });
    legend();
  }

  function chart(host, spec, markers) {
    if (spec.type === "bar") barChart(host, spec); else lineChart(host, spec, markers);
  }
  return { chart: chart };
};
