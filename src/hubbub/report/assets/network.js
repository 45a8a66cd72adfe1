/* hubbub report: the network view of an S3 run (the follow graph at start / middle / end, cascade trees).
   Loaded in the same script element as report.js, before it; report.js calls hubbubNetwork(lib) with its own
   helpers (h, esc, fmt). Every text from the data reaches the page through textContent or esc(). */
var hubbubNetwork = function (lib) {
  "use strict";
  var h = lib.h, esc = lib.esc, fmt = lib.fmt;
  var COLOR = { negative: "#c0392b", positive: "#2471a3", calm: "#7fb3d5", moderate: "#f0a030", intense: "#8e1b10",
    unaware: "#c8cdd2" };
  var EMOTIONS = ["calm", "moderate", "intense"], ATTITUDES = ["negative", "positive"];
  var S = 360, PAD = 10;

  function radius(followers, most) { return 1.6 + 6.4 * Math.sqrt(followers / Math.max(1, most)); }
  function nodeStyle(p, i, by) { // fill and opacity of user i in panel p, coloured by attitude or emotion
    var aware = p.aware[i] === 1;
    if (by === "attitude") return [COLOR[ATTITUDES[p.attitude[i]]], aware ? 0.95 : 0.35];
    return [aware ? COLOR[EMOTIONS[p.emotion[i]]] : COLOR.unaware, 0.95];
  }
  function swatches(host, keys, note) {
    var row = h("div", { cls: "legend netlegend" });
    keys.forEach(function (k) { row.appendChild(h("span", { cls: "lg" }, [h("span", { cls: "sw", style: "background:" + COLOR[k] }), k])); });
    if (note) row.appendChild(h("span", { cls: "lgnote", text: note }));
    host.appendChild(row);
  }

  function graphSvg(g, p, by) {
    var px = function (v) { return (PAD + v * (S - 2 * PAD)).toFixed(1); };
    var most = Math.max.apply(null, g.followers.concat([1])), cut = {}, kept = "", blocked = "";
    p.blocked.forEach(function (e) { cut[e[0] + ":" + e[1]] = true; });
    g.follows.forEach(function (e) {
      var seg = "M" + px(g.x[e[0]]) + "," + px(g.y[e[0]]) + "L" + px(g.x[e[1]]) + "," + px(g.y[e[1]]);
      if (cut[e[0] + ":" + e[1]]) blocked += seg; else kept += seg;
    });
    var out = ['<svg viewBox="0 0 ' + S + " " + S + '" class="svg net" role="img" aria-label="follow graph at ' + esc(p.label) + '">',
      '<path class="edges" d="' + kept + '"/>', blocked ? '<path class="blocked" d="' + blocked + '"/>' : ""];
    g.users.forEach(function (u, i) {
      var st = nodeStyle(p, i, by);
      out.push('<circle class="node" cx="' + px(g.x[i]) + '" cy="' + px(g.y[i]) + '" r="' + radius(g.followers[i], most).toFixed(1) +
        '" fill="' + st[0] + '" fill-opacity="' + st[1] + '"><title>' + esc(u) + " · " + fmt(g.followers[i]) + " followers · " +
        ATTITUDES[p.attitude[i]] + ", " + (p.aware[i] === 1 ? EMOTIONS[p.emotion[i]] : "not yet aware") + "</title></circle>");
    });
    out.push("</svg>");
    return out.join("");
  }

  function graphView(host, g) {
    var st = { by: "attitude" };
    var box = h("div", { cls: "netview", "data-users": String(g.drawn), "data-panels": String(g.panels.length) });
    box.appendChild(h("p", { cls: "muted caption", text: g.caption }));
    var buttons = h("div", { cls: "controls" }, [h("span", { cls: "info", text: "colour by" })]);
    var panels = h("div", { cls: "netpanels" }), legend = h("div");
    box.appendChild(buttons); box.appendChild(panels); box.appendChild(legend);
    host.appendChild(box);
    ["attitude", "emotion"].forEach(function (by) {
      buttons.appendChild(h("button", { type: "button", cls: "colorby", "data-by": by, text: by, onclick: function () { st.by = by; draw(); } }));
    });
    function draw() {
      Array.prototype.forEach.call(buttons.querySelectorAll("button"), function (b) { b.className = "colorby" + (b.getAttribute("data-by") === st.by ? " on" : ""); });
      panels.textContent = "";
      g.panels.forEach(function (p) {
        var aware = p.aware.reduce(function (a, v) { return a + v; }, 0);
        var fig = h("figure", { cls: "netpanel", "data-step": String(p.step) }, [h("figcaption", {
          text: p.label + ": after round " + p.step + " (" + fmt(p.hours) + " h) · " + fmt(aware) + " of " + fmt(g.drawn) + " aware" +
            (p.blocked.length ? " · " + p.blocked.length + " edge(s) blocked" : "") })]);
        var svg = h("div", { cls: "svghost" });
        svg.innerHTML = graphSvg(g, p, st.by);
        fig.appendChild(svg);
        panels.appendChild(fig);
      });
      legend.textContent = "";
      if (st.by === "attitude") swatches(legend, ATTITUDES, "faded: not yet aware of the event · size: followers");
      else swatches(legend, EMOTIONS.concat(["unaware"]), "size: followers");
      box.setAttribute("data-color-by", st.by);
    }
    draw();
  }

  function treeSvg(t) {
    var W = 420, H = 240, P = 14, sx = function (v) { return (P + v * (W - 2 * P)).toFixed(1); };
    var sy = function (v) { return (P + v * (H - 2 * P)).toFixed(1); }, d = "";
    t.parent.forEach(function (p, i) { if (p >= 0) d += "M" + sx(t.x[p]) + "," + sy(t.y[p]) + "L" + sx(t.x[i]) + "," + sy(t.y[i]); });
    var out = ['<svg viewBox="0 0 ' + W + " " + H + '" class="svg tree" role="img" aria-label="repost tree of post ' + esc(t.root_id) + '">',
      '<path class="edges tree-edges" d="' + d + '"/>'];
    t.parent.forEach(function (p, i) {
      out.push('<circle class="node" cx="' + sx(t.x[i]) + '" cy="' + sy(t.y[i]) + '" r="' + (p < 0 ? 6 : 3.2) + '" fill="' +
        (COLOR[t.attitude[i]] || COLOR.unaware) + '"><title>' + esc(t.author[i]) + " · round " + fmt(t.step[i]) + " · " +
        esc(t.attitude[i]) + ", " + esc(t.emotion[i]) + (p < 0 ? " · original post" : "") + "</title></circle>");
    });
    out.push("</svg>");
    return out.join("");
  }

  function treeView(host, trees) {
    var row = h("div", { cls: "netpanels trees" });
    trees.forEach(function (t) {
      var fig = h("figure", { cls: "netpanel tree", "data-root": String(t.root_id), "data-size": String(t.size) }, [h("figcaption", {
        text: "post " + t.root_id + ": " + fmt(t.size) + " posts, depth " + t.depth + (t.drawn < t.size ? " (first " + fmt(t.drawn) + " drawn)" : "") })]);
      var svg = h("div", { cls: "svghost" });
      svg.innerHTML = treeSvg(t);
      fig.appendChild(svg);
      row.appendChild(fig);
    });
    host.appendChild(row);
    swatches(host, ATTITUDES, "colour: the author's attitude when posting · top: the original post, rows: repost depth");
  }

  return { graphView: graphView, treeView: treeView };
};
