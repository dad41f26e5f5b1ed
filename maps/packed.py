"""Parcels drawn straight from the compact payload onto one canvas (`PACKED_JS`, joined to the map's script).

Leaflet makes one object per feature: for 20,000 parcels that is most of the first map's time, for 200,000
it is ten seconds. `LandparkPacked` keeps the decoded coordinates in typed arrays as Web Mercator fractions,
draws every parcel of one fill colour as one canvas path (features outside the view skipped by their
boxes), and finds the parcel under the pointer with a box scan and an even-odd ring test. To the rest of the
page it looks like a layer of features: a click fires `click` with `layer.feature` and `toGeoJSON()` (what
streamlit-folium reads), tooltips use the same table as the other layers, and `eachLayer` / `getLayers`
give feature proxies built on demand.
"""

from __future__ import annotations

PACKED_JS = r"""
var LandparkPacked = L.Layer.extend({
  options: {pane: "landparkPacked", padding: 0.1},
  initialize: function (d, spec) {
    var q = d.q, c = d.c, o = d.o, N = d.N, total = c.length / 2, i, j, x = 0, y = 0;
    this._d = d; this._spec = spec; this.N = N;
    var mx = new Float64Array(total), my = new Float64Array(total), rad = Math.PI / 180;
    for (i = 0; i < total; i++) { x += c[2 * i]; y += c[2 * i + 1];
      var s = Math.sin((o[1] + y) * q * rad);
      mx[i] = ((o[0] + x) * q + 180) / 360; my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI); }
    var n = d.n || [], h = d.h, m = d.m, rings = n.length;
    var ringStart = new Int32Array(rings + 1);
    for (i = 0; i < rings; i++) { ringStart[i + 1] = ringStart[i] + n[i]; }
    var featRing = new Int32Array(N + 1), featPart = new Int32Array(N + 1), part = 0, ring = 0;
    for (i = 0; i < N; i++) { var parts = m ? m[i] : 1;
      for (j = 0; j < parts; j++) { ring += h ? h[part] : 1; part++; }
      featRing[i + 1] = ring; featPart[i + 1] = part; }
    var box = new Float64Array(4 * N);
    for (i = 0; i < N; i++) { var a = ringStart[featRing[i]], b = ringStart[featRing[i + 1]];
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (j = a; j < b; j++) { if (mx[j] < x0) { x0 = mx[j]; } if (mx[j] > x1) { x1 = mx[j]; }
        if (my[j] < y0) { y0 = my[j]; } if (my[j] > y1) { y1 = my[j]; } }
      box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1; }
    this._mx = mx; this._my = my; this._ringStart = ringStart;
    this._featRing = featRing; this._featPart = featPart; this._box = box;
    // fill colour of each feature: the style's base, or its override for the feature's value of the style field
    var st = spec.style || {}, base = st.base || {}, palette = [base.fillColor || "#cccccc"], colourOf = {};
    var col = st.field ? d.p[st.field] : null, group = new Uint16Array(N);
    var values = col && !Array.isArray(col) ? col.v : null;
    for (i = 0; i < N; i++) {
      var v = col ? (values ? (col.c[i] < 0 ? null : values[col.c[i]]) : col[i]) : null;
      var extra = v === null || v === undefined ? null : (st.values || {})[v];
      var fill = extra && extra.fillColor ? extra.fillColor : palette[0];
      if (colourOf[fill] === undefined) { colourOf[fill] = palette.length; palette.push(fill); }
      group[i] = colourOf[fill]; }
    this._palette = palette; this._group = group; this._base = base;
  },
  onAdd: function (map) {
    if (!map.getPane(this.options.pane)) {   // under the overlay pane: units, lines and roads draw above parcels
      var pane = map.createPane(this.options.pane); pane.style.zIndex = 390; pane.style.pointerEvents = "none"; }
    this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-animated landpark-packed");
    this._canvas.style.pointerEvents = "none";   // the map hears the pointer; identify() answers for this layer
    this.getPane().appendChild(this._canvas);
    map.on("moveend zoomend resize viewreset", this._redraw, this);
    map.on("zoomanim", this._animateZoom, this);
    map.on("click", this._onClick, this);
    map.on("mousemove", this._onMove, this);
    map.on("mouseout", this._hideTip, this);
    this._redraw();
  },
  onRemove: function (map) {
    map.off("moveend zoomend resize viewreset", this._redraw, this);
    map.off("zoomanim", this._animateZoom, this);
    map.off("click", this._onClick, this);
    map.off("mousemove", this._onMove, this);
    map.off("mouseout", this._hideTip, this);
    this._hideTip();
    L.DomUtil.remove(this._canvas);
  },
  _animateZoom: function (e) {   // scale the drawn canvas during the zoom animation, as Leaflet's renderers do
    var map = this._map, scale = map.getZoomScale(e.zoom, this._zoom);
    var viewHalf = map.getSize().multiplyBy(0.5 + this.options.padding);
    var offset = viewHalf.multiplyBy(-scale).add(map.project(this._center, e.zoom))
      .subtract(map._getNewPixelOrigin(e.center, e.zoom));
    L.DomUtil.setTransform(this._canvas, offset, scale);
  },
  _redraw: function () {
    var map = this._map; if (!map) { return; }
    var size = map.getSize(), pad = size.multiplyBy(this.options.padding).round();
    var topLeft = map.containerPointToLayerPoint([0, 0]).subtract(pad), full = size.add(pad.multiplyBy(2));
    var dpr = window.devicePixelRatio || 1, cv = this._canvas;
    this._center = map.getCenter(); this._zoom = map.getZoom();
    L.DomUtil.setPosition(cv, topLeft);
    cv.width = Math.round(full.x * dpr); cv.height = Math.round(full.y * dpr);
    cv.style.width = full.x + "px"; cv.style.height = full.y + "px";
    var ctx = cv.getContext("2d"); ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var scale = 256 * Math.pow(2, this._zoom), origin = map.getPixelOrigin();
    var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;   // world pixel of the canvas' top-left corner
    var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + full.x) / scale, vy1 = (oy + full.y) / scale;
    var box = this._box, mx = this._mx, my = this._my, rs = this._ringStart, fr = this._featRing, N = this.N;
    var shown = [], i, g, r, k;
    for (i = 0; i < N; i++) {
      if (box[4 * i + 2] < vx0 || box[4 * i] > vx1 || box[4 * i + 3] < vy0 || box[4 * i + 1] > vy1) { continue; }
      shown.push(i); }
    var trace = function (list) { for (var a = 0; a < list.length; a++) { var f = list[a];
      for (r = fr[f]; r < fr[f + 1]; r++) { var s0 = rs[r], s1 = rs[r + 1]; if (s1 - s0 < 2) { continue; }
        ctx.moveTo(mx[s0] * scale - ox, my[s0] * scale - oy);
        for (k = s0 + 1; k < s1; k++) { ctx.lineTo(mx[k] * scale - ox, my[k] * scale - oy); }
        ctx.closePath(); } } };
    var byColour = this._palette.map(function () { return []; });
    for (i = 0; i < shown.length; i++) { byColour[this._group[shown[i]]].push(shown[i]); }
    // Chromium builds one path in time quadratic in its subpaths: 40 parcels a path keeps 200,000 under a second
    var b = this._base, fillAlpha = b.fillOpacity === undefined ? 0.2 : b.fillOpacity;
    var lineAlpha = b.opacity === undefined ? 1 : b.opacity, stroke = b.weight !== 0, CHUNK = 40;
    ctx.strokeStyle = b.color || "#3388ff"; ctx.lineWidth = b.weight || 1;
    for (g = 0; g < byColour.length; g++) { var list = byColour[g]; ctx.fillStyle = this._palette[g];
      for (var at = 0; at < list.length; at += CHUNK) {
        ctx.beginPath(); trace(list.slice(at, at + CHUNK));
        ctx.globalAlpha = fillAlpha; ctx.fill("evenodd");
        if (stroke) { ctx.globalAlpha = lineAlpha; ctx.stroke(); } } }
    ctx.globalAlpha = 1;
  },
  identify: function (latlng) {   // the index of the feature under `latlng` (the last drawn wins), or -1
    var s = Math.sin(latlng.lat * Math.PI / 180), px = (latlng.lng + 180) / 360;
    var py = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    var box = this._box, mx = this._mx, my = this._my, rs = this._ringStart, fr = this._featRing;
    for (var i = this.N - 1; i >= 0; i--) {
      if (px < box[4 * i] || px > box[4 * i + 2] || py < box[4 * i + 1] || py > box[4 * i + 3]) { continue; }
      var inside = false;
      for (var r = fr[i]; r < fr[i + 1]; r++) { var s0 = rs[r], s1 = rs[r + 1];
        for (var a = s0, b = s1 - 1; a < s1; b = a++) {
          if ((my[a] > py) !== (my[b] > py) && px < (mx[b] - mx[a]) * (py - my[a]) / (my[b] - my[a]) + mx[a]) {
            inside = !inside; } } }
      if (inside) { return i; } }
    return -1;
  },
  properties: function (i) {
    var d = this._d, out = {}, cols = Object.keys(d.p);
    for (var k = 0; k < cols.length; k++) { var col = d.p[cols[k]];
      out[cols[k]] = Array.isArray(col) ? col[i] : (col.c[i] < 0 ? null : col.v[col.c[i]]); }
    return out;
  },
  feature: function (i) {   // one feature as GeoJSON (lon/lat rounded like landparkDecode)
    var mx = this._mx, my = this._my, rs = this._ringStart, fr = this._featRing, polys = [], r, k;
    var lonOf = function (v) { return Math.round((v * 360 - 180) * 1e7) / 1e7; };
    var latOf = function (v) { return Math.round(Math.atan(Math.sinh(Math.PI * (1 - 2 * v))) * 180 / Math.PI * 1e7) / 1e7; };
    var d = this._d, h = d.h, m = d.m, part = this._featPart[i];
    r = fr[i];
    for (var p = 0; p < (m ? m[i] : 1); p++) { var rings = [];
      for (var q = 0; q < (h ? h[part + p] : 1); q++, r++) { var ring = [];
        for (k = rs[r]; k < rs[r + 1]; k++) { ring.push([lonOf(mx[k]), latOf(my[k])]); }
        if (ring.length) { ring.push(ring[0]); } rings.push(ring); }
      polys.push(rings); }
    return {type: "Feature", id: i, properties: this.properties(i),
            geometry: polys.length === 1 ? {type: "Polygon", coordinates: polys[0]} : {type: "MultiPolygon", coordinates: polys}};
  },
  _proxy: function (i) { var self = this, f = null;
    return {get feature() { if (f === null) { f = self.feature(i); } return f; },
            toGeoJSON: function () { return this.feature; }}; },
  getLayers: function () { var out = new Array(this.N);
    for (var i = 0; i < this.N; i++) { out[i] = this._proxy(i); } return out; },
  eachLayer: function (fn, ctx) { for (var i = 0; i < this.N; i++) { fn.call(ctx, this._proxy(i)); } return this; },
  find: function (field, value) {   // the index of the first feature whose `field` equals `value` (as text), or -1
    var col = this._d.p[field]; if (!col) { return -1; }
    for (var i = 0; i < this.N; i++) { var v = Array.isArray(col) ? col[i] : (col.c[i] < 0 ? null : col.v[col.c[i]]);
      if (v !== null && String(v) === String(value)) { return i; } }
    return -1;
  },
  toGeoJSON: function () { var fs = []; for (var i = 0; i < this.N; i++) { fs.push(this.feature(i)); }
    return {type: "FeatureCollection", features: fs}; },
  _onTop: function (e) {   // a unit or other layer above answered this pointer event itself
    return window.landparkTopHit && e.originalEvent && window.landparkTopHit === e.originalEvent;
  },
  _onClick: function (e) {
    if (this._onTop(e)) { return; }
    var i = this.identify(e.latlng); if (i < 0) { return; }
    var proxy = this._proxy(i);
    this.fire("click", {latlng: e.latlng, layer: proxy, sourceTarget: proxy, originalEvent: e.originalEvent}, true);
    setTimeout(landparkAnswerNow, 0);
  },
  _onMove: function (e) {
    var self = this; self._pointer = e;
    if (self._frame) { return; }
    self._frame = L.Util.requestAnimFrame(function () { self._frame = null; var ev = self._pointer;
      if (!self._map || self._onTop(ev) || window.landparkHoverTop) { self._hideTip(); return; }
      var i = self.identify(ev.latlng);
      if (i < 0) { self._hideTip(); return; }
      var tip = self._spec.tip;
      if (!tip || !tip.fields.length) { return; }
      if (!self._tip) { self._tip = L.tooltip({sticky: true, direction: "auto"}); }
      if (self._tipFor !== i) { self._tip.setContent(landparkTipHtml(tip, self.properties(i))); self._tipFor = i; }
      self._map.openTooltip(self._tip, ev.latlng); });
  },
  _hideTip: function () { if (this._tip && this._map) { this._map.closeTooltip(this._tip); } this._tipFor = null; }
});
"""

__all__ = ["PACKED_JS"]
