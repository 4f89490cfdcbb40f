/* report.js: draws the gpuviz report from the JSON in #gv-data and the min/max levels in the
 * gv-b-* blocks, with Plotly. On every zoom or pan it swaps in, per series, the finest level that
 * shows the visible range within max_points points, so detail appears without any server.
 * Every string from the inputs is inserted with textContent or passed through esc() before it
 * reaches Plotly's hover/annotation text, so log content can never become markup. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('gv-data').textContent);
  /* event types come from the rules (name, colour, dash); the built-in three keep their symbols */
  var SYMBOLS = { validation: 'triangle-down', evaluation: 'diamond', checkpoint: 'square' };
  var WIDTHS = { validation: 1, evaluation: 1.5, checkpoint: 2 };
  var STYLE = {}, TYPES = [];
  function rgba(hex, a) {
    var h = /^#[0-9a-fA-F]{3}$/.test(hex) ? '#' + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3] : hex;
    if (!/^#[0-9a-fA-F]{6}$/.test(h)) return 'rgba(127,127,127,' + a + ')';
    return 'rgba(' + parseInt(h.slice(1, 3), 16) + ',' + parseInt(h.slice(3, 5), 16) + ',' + parseInt(h.slice(5, 7), 16) + ',' + a + ')';
  }
  D.event_types.forEach(function (t) {
    TYPES.push(t.name);
    STYLE[t.name] = { name: t.name.charAt(0).toUpperCase() + t.name.slice(1).replace(/_/g, ' '), color: t.color,
      dash: t.dash, width: WIDTHS[t.name] || 1.5, symbol: SYMBOLS[t.name] || 'circle',
      fill: rgba(t.color, t.name === 'checkpoint' ? 0.18 : 0.12) };
  });
  var GPU_COLORS = ['#d62728', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#1f77b4'];
  /* a colour per GPU, by its place among the run's GPUs: the palette up to 8, else as many hues
   * around the wheel, neighbours alternating light and dark (16 GPUs stay told apart) */
  function gpuColor(index) {
    var n = D.gpus.length, k = Math.max(0, D.gpus.findIndex(function (g) { return g.index === index; }));
    if (n <= GPU_COLORS.length) return GPU_COLORS[k];
    return 'hsl(' + Math.round(k * 360 / n) + ', 70%, ' + (k % 2 ? 35 : 55) + '%)';
  }
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var GRID = dark ? '#2a303b' : '#eceff3';

  function gpuName(index) {
    for (var i = 0; i < D.gpus.length; i++) if (D.gpus[i].index === index) return D.gpus[i].name;
    return 'GPU' + index;
  }

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function wall(h) { return new Date(D.t0_ms + h * 3600000).toISOString().replace('T', ' ').replace('Z', ''); }
  function fmtDur(h) {
    var s = Math.round(h * 3600), hh = Math.floor(s / 3600), mm = Math.floor(s % 3600 / 60), ss = s % 60;
    return hh + ' h ' + (mm < 10 ? '0' : '') + mm + ' min' + (hh ? '' : ' ' + (ss < 10 ? '0' : '') + ss + ' s');
  }
  function fmtWidth(h) {
    var s = h * 3600;
    return s < 1 ? Math.round(s * 1000) + ' ms' : s < 120 ? s.toFixed(s < 10 ? 2 : 1) + ' s' : (s / 60).toFixed(1) + ' min';
  }
  function num(v, d) { return v === null || v === undefined || isNaN(v) ? 'n/a' : Number(v).toFixed(d); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function fmtInt(n) { return Number(n).toLocaleString('en-US'); }

  /* ---- header ---- */
  var meta = document.getElementById('gv-meta');
  function metaItem(k, v) { var s = el('span'); s.appendChild(document.createTextNode(k + ': ')); s.appendChild(el('b', v)); meta.appendChild(s); }
  metaItem('GPU CSV', D.csv);
  metaItem('training log', D.log === null ? 'none' : D.log);
  metaItem('time', D.start.replace('T', ' ') + ' \u2192 ' + D.end.replace('T', ' ') +
    (D.time_zone ? ' (' + D.time_zone + ')' : ''));
  metaItem('duration', fmtDur(D.end_h));
  /* what a user asks first: how much of the wall time trained, how much went to measuring */
  var share = function (names) {
    return D.phases.filter(function (p) { return names.indexOf(p.name) >= 0; })
      .reduce(function (a, p) { return a + (p.share_time || 0); }, 0);
  };
  if (D.log !== null) {
    metaItem('goodput', num(100 * share(['training']), 1) + '% of the time training');
    metaItem('evaluation overhead', num(100 * share(['validation', 'evaluation']), 1) + '%');
  }
  D.stopped_runs.forEach(function (r) {
    metaItem(D.stopped_runs.length > 1 || D.runs.length > 1 ? 'run ' + r.n + ' incomplete' : 'incomplete run',
      'stopped at step ' + r.last_step + ' of ' + r.total_steps);
  });
  if (D.idle_during_run_share !== null) metaItem('idle during the run', num(100 * D.idle_during_run_share, 1) + '%');
  if (D.runs.length > 1 || D.sampler_restarts) {
    var rs = [];
    if (D.runs.length > 1) rs.push((D.runs.length - 1) + ' of the training (' + D.runs.length + ' runs)');
    if (D.sampler_restarts) rs.push(D.sampler_restarts + ' of the GPU sampler');
    metaItem('restarts', rs.join(', '));
  }
  metaItem('GPUs', String(D.gpus.length));
  metaItem('samples', fmtInt(D.rows_read));
  D.gpus.forEach(function (g) { if (g.energy_wh !== undefined) metaItem(g.name + ' energy', num(g.energy_wh, 1) + ' Wh'); });

  /* ---- min/max levels: decoded on first use ---- */
  var cache = {};
  function levelData(lv) {
    if (!cache[lv.id]) {
      var b64 = document.getElementById(lv.id).textContent, bin = atob(b64), n = bin.length;
      var bytes = new Uint8Array(n);
      for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
      var dv = new DataView(bytes.buffer), q = new Uint16Array(n >> 1);
      for (var j = 0; j < q.length; j++) q[j] = dv.getUint16(2 * j, true);
      cache[lv.id] = q;
    }
    return cache[lv.id];
  }
  var xmax = D.cutoff_h !== null ? D.cutoff_h : D.end_h;
  if (!(xmax > 0)) xmax = 1e-6;
  /* a gap on screen is a gap in the samples: longer than 5 s and 5 sample intervals (as the
   * analysis counts gaps); buckets narrower than the sampling interval are often empty */
  var GAP_H = Math.max(5 / 3600, 5 * D.sample_interval_h);
  /* The finest level showing [x0, x1] within max_points, clipped at the cutoff: a line through
   * the middle of each bucket's range and the range as a band (polygons in bx/by; not drawn for a
   * power average, whose range is its smoothing's), or, where a
   * bucket is no wider than the sampling interval, the samples themselves. Per bucket shown:
   * mn/mx/key (its index at this width) for the spread across GPUs. */
  function seriesView(s, x0, x1) {
    var levels = s.levels, pick = levels.length - 1;
    for (var l = 0; l < levels.length; l++) {
      var per = levels[l].width_h <= D.sample_interval_h * 1.001 ? 1 : 2;
      if ((x1 - x0) / levels[l].width_h * per <= D.max_points * 1.0001) { pick = l; break; }
    }
    var lv = levels[pick], q = levelData(lv), w = lv.width_h, every = w <= D.sample_interval_h * 1.001;
    var v = { x: [], y: [], lo: [], hi: [], key: [], bx: [], by: [], level: pick, levels: levels.length, width_h: w,
      every: every, buckets: 0 };
    var k0 = Math.max(0, Math.floor((x0 - lv.start_h) / w) - 1);
    var k1 = Math.min(lv.n - 1, Math.ceil((x1 - lv.start_h) / w) + 1);
    v.buckets = k1 - k0 + 1;
    var empty = 0, seg = [];
    function closeBand() {
      if (seg.length > 1) {
        for (var i = 0; i < seg.length; i++) { v.bx.push(seg[i][0]); v.by.push(seg[i][2]); }
        for (var j = seg.length - 1; j >= 0; j--) { v.bx.push(seg[j][0]); v.by.push(seg[j][1]); }
        v.bx.push(null); v.by.push(null);
      }
      seg = [];
    }
    for (var k = k0; k <= k1; k++) {
      var a = q[2 * k], b = q[2 * k + 1], xc = lv.start_h + (k + 0.5) * w;
      if (lv.start_h + k * w > xmax) break;
      if (a === 65535) { empty++; continue; }
      if (empty && v.x.length && (empty + 1) * w > GAP_H) { v.x.push(null); v.y.push(null); v.lo.push(null); v.hi.push(null); v.key.push(null); closeBand(); }
      empty = 0;
      var ya = s.offset + a * s.scale, yb = s.offset + b * s.scale, mn = Math.min(ya, yb), mx = Math.max(ya, yb);
      var key = Math.round(lv.start_h / w) + k;
      if (every && a !== b) { /* two samples in one bucket: both, in time order */
        v.x.push(lv.start_h + (k + 0.25) * w, lv.start_h + (k + 0.75) * w); v.y.push(ya, yb);
        v.lo.push(ya, yb); v.hi.push(ya, yb); v.key.push(key, key);
        continue;
      }
      v.x.push(xc); v.y.push(every ? ya : (mn + mx) / 2); v.lo.push(mn); v.hi.push(mx); v.key.push(key);
      if (!every) seg.push([xc, mn, mx]);
    }
    closeBand();
    return v;
  }

  /* ---- training steps: every step line (or every stride-th of a very long log), decoded once ---- */
  var ST = (function () {
    var node = document.getElementById('gv-steps'), S = D.steps;
    if (!node || !S.n) return null;
    var bin = atob(node.textContent), bytes = new Uint8Array(bin.length), n = S.n;
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var dv = new DataView(bytes.buffer), h = new Float64Array(n), step = new Int32Array(n), m = {};
    for (var j = 0; j < n; j++) { h[j] = dv.getUint32(4 * j, true) * S.tick_ms / 3600000; step[j] = dv.getInt32(4 * (n + j), true); }
    S.metrics.forEach(function (name, c) {
      var a = new Float32Array(n);
      for (var j = 0; j < n; j++) a[j] = dv.getFloat32(4 * ((2 + c) * n + j), true);
      m[name] = a;
    });
    /* training pauses (evaluations, restarts) break the lines: a step more than 4 typical step
     * intervals and 10 s after the one before, or with a lower step number */
    var d = [];
    for (var k = 1; k < n; k++) if (h[k] > h[k - 1]) d.push(h[k] - h[k - 1]);
    d.sort(function (a, b) { return a - b; });
    var pause = Math.max(10 / 3600, 4 * (d.length ? d[d.length >> 1] : 0)), brk = new Uint8Array(n), sorted = true, mono = true;
    for (var k2 = 1; k2 < n; k2++) {
      brk[k2] = h[k2] - h[k2 - 1] > pause || step[k2] < step[k2 - 1] ? 1 : 0;
      if (h[k2] < h[k2 - 1]) sorted = false;
      if (step[k2] < step[k2 - 1] || step[k2] < 0) mono = false;
    }
    return { n: n, h: h, step: step, m: m, brk: brk, sorted: sorted, monotone: mono && step[0] >= 0 };
  })();
  var METRIC_NAME = { loss: 'loss', tok_per_sec: 'tok/s', mfu: 'MFU %', dt_ms: 'dt (ms)', grad_norm: 'grad norm', lrm: 'lrm' };
  var METRIC_FMT = { loss: '.4f', tok_per_sec: ',.0f', mfu: '.2f', dt_ms: ',.1f', grad_norm: '.4f', lrm: '.4f' };
  var hasSteps = ST !== null && D.steps.metrics.length > 0;
  var TRAIN = { left: null, right: null, smooth: 0, log: false, smoothed: {} };
  if (hasSteps) {
    var ms = D.steps.metrics;
    TRAIN.left = ms.indexOf('loss') >= 0 ? 'loss' : ms[0];
    TRAIN.right = ms.indexOf('tok_per_sec') >= 0 && TRAIN.left !== 'tok_per_sec' ? 'tok_per_sec' : null;
  }
  /* TensorBoard's smoothing: an exponential moving average, debiased, restarted at each break */
  function smoothOf(name) {
    var key = name + '@' + TRAIN.smooth;
    if (TRAIN.smoothed.key !== key) TRAIN.smoothed = { key: key };
    if (!TRAIN.smoothed[name]) {
      var a = ST.m[name], out = new Float32Array(ST.n), w = TRAIN.smooth, last = 0, norm = 0;
      for (var i = 0; i < ST.n; i++) {
        if (ST.brk[i]) { last = 0; norm = 0; }
        if (!isFinite(a[i])) { out[i] = NaN; continue; }
        last = last * w + (1 - w) * a[i]; norm = norm * w + (1 - w);
        out[i] = last / norm;
      }
      TRAIN.smoothed[name] = out;
    }
    return TRAIN.smoothed[name];
  }
  function lowerBound(h, x) { var lo = 0, hi = ST.n; while (lo < hi) { var mid = (lo + hi) >> 1; if (h[mid] < x) lo = mid + 1; else hi = mid; } return lo; }
  /* The steps of one metric within [x0, x1] (and one on each side): all of them when they fit in
   * max_points, else each bucket's lowest and highest in time order; broken at pauses. */
  function stepsView(a, x0, x1) {
    var h = ST.h, i0 = 0, i1 = ST.n - 1, out = { x: [], y: [], i: [] };
    if (ST.sorted) { i0 = Math.max(0, lowerBound(h, x0) - 1); i1 = Math.min(ST.n - 1, lowerBound(h, x1)); }
    var inView = i1 - i0 + 1, brk = false;
    function put(i) { if (brk && out.x.length) { out.x.push(null); out.y.push(null); out.i.push(null); } brk = false; out.x.push(h[i]); out.y.push(a[i]); out.i.push(i); }
    if (inView <= D.max_points) {
      for (var i = i0; i <= i1; i++) {
        if (ST.brk[i]) brk = true;
        if (isFinite(a[i]) && (ST.sorted || (h[i] >= x0 && h[i] <= x1))) put(i);
      }
      return out;
    }
    var nb = Math.max(1, D.max_points >> 1), w = (x1 - x0) / nb, cur = null, imin = -1, imax = -1;
    function flush() {
      if (imin < 0) return;
      var p = Math.min(imin, imax), q = Math.max(imin, imax);
      put(p); if (q !== p) put(q);
      imin = imax = -1;
    }
    for (var j = i0; j <= i1; j++) {
      if (ST.brk[j]) { flush(); brk = true; }
      if (!isFinite(a[j]) || (!ST.sorted && (h[j] < x0 || h[j] > x1))) continue;
      var b = Math.floor((h[j] - x0) / w);
      if (b !== cur) { flush(); cur = b; }
      if (imin < 0 || a[j] < a[imin]) imin = j;
      if (imax < 0 || a[j] > a[imax]) imax = j;
    }
    flush();
    return out;
  }

  /* ---- the x axis: wall-clock time (a date axis), elapsed time, or training step ---- */
  /* Times in the data are hours since the first sample; toAx maps them onto the axis in use. */
  var AX = 'wall';
  var stepAxisOk = hasSteps && ST.monotone && ST.sorted && D.runs.length <= 1;
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function fmtElapsed(sec, withMs) {
    var t = Math.round(Math.abs(sec) * 1000), s = Math.floor(t / 1000);
    return (sec < 0 ? '-' : '') + Math.floor(s / 3600) + ':' + pad2(Math.floor(s % 3600 / 60)) + ':' + pad2(s % 60) +
      (withMs ? '.' + String(t % 1000 + 1000).slice(1) : '');
  }
  /* the training step at time h: interpolated between step lines, held through a pause */
  function stepAt(h) {
    var i = lowerBound(ST.h, h);
    if (i >= ST.n) return ST.step[ST.n - 1];
    if (i === 0 || ST.h[i] === h) return ST.step[i];
    if (ST.brk[i]) return ST.step[i - 1];
    return ST.step[i - 1] + (ST.step[i] - ST.step[i - 1]) * (h - ST.h[i - 1]) / (ST.h[i] - ST.h[i - 1]);
  }
  function timeAtStep(s) {
    var lo = 0, hi = ST.n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (ST.step[mid] < s) lo = mid + 1; else hi = mid; }
    if (lo >= ST.n) return xmax;
    if (lo === 0) return s < ST.step[0] ? 0 : ST.h[0];
    var a = ST.step[lo - 1], b = ST.step[lo];
    return ST.h[lo - 1] + (ST.h[lo] - ST.h[lo - 1]) * (b > a ? (s - a) / (b - a) : 1);
  }
  function toAx(h) {
    if (h === null) return null;
    return AX === 'wall' ? D.t0_ms + h * 3600000 : AX === 'elapsed' ? h * 3600 : stepAt(h);
  }
  function mapX(xs) { var out = new Array(xs.length); for (var i = 0; i < xs.length; i++) out[i] = toAx(xs[i]); return out; }
  /* a date axis gives its range as text ('2025-12-22 21:00:05.25'): the wall-clock time, read as UTC */
  function dateMs(v) {
    if (typeof v === 'number') return v;
    var m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d)(?::(\d\d)(?::(\d\d)(\.\d+)?)?)?)?/.exec(String(v));
    if (!m) return Date.parse(v);
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0)) + (m[7] ? parseFloat(m[7]) * 1000 : 0);
  }
  function fromAx(v) {
    return AX === 'wall' ? (dateMs(v) - D.t0_ms) / 3600000 : AX === 'elapsed' ? Number(v) / 3600 : timeAtStep(Number(v));
  }
  var NICE_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900,
    1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  function elapsedTicks(a, b) {
    var d = NICE_S[NICE_S.length - 1], vals = [], text = [];
    for (var i = 0; i < NICE_S.length; i++) if ((b - a) / NICE_S[i] <= 8) { d = NICE_S[i]; break; }
    for (var k = Math.ceil(a / d - 1e-9); k * d <= b + 1e-9; k++) { vals.push(k * d); text.push(fmtElapsed(k * d, d < 1)); }
    return { vals: vals, text: text };
  }
  /* the x axis' settings for the mode in use, showing hours x0..x1 */
  function axisProps(x0, x1) {
    var p = { type: AX === 'wall' ? 'date' : 'linear', range: [toAx(x0), toAx(x1)], autorange: false,
      tickmode: AX === 'elapsed' ? 'array' : 'auto', tickvals: null, ticktext: null,
      'title.text': AX === 'wall' ? 'time' + (D.time_zone ? ' (' + D.time_zone + ')' : ' (as in the file; its time zone is not stated)') :
        AX === 'elapsed' ? 'elapsed time since monitoring start (h:mm:ss)' : 'training step' };
    if (AX === 'elapsed') { var t = elapsedTicks(x0 * 3600, x1 * 3600); p.tickvals = t.vals; p.ticktext = t.text; }
    return p;
  }
  function hoverTime(h) {
    return wall(h) + ' (+' + fmtElapsed(h * 3600, false) + ')' + (stepAxisOk ? ' \u00b7 step ' + Math.floor(stepAt(h)) : '');
  }

  /* ---- rows ---- */
  var unitTitle = { 'W': 'Power (W)', '\u00b0C': 'Temperature (\u00b0C)', '%': 'Utilisation (%)', 'MiB': 'Memory (MiB)', 'MHz': 'Clock (MHz)' };
  var rowDefs = [
    { key: 'power', title: 'Power (W)', match: function (s) { return s.kind.indexOf('power') === 0; } },
    { key: 'temp', title: 'Temperature (\u00b0C)', match: function (s) { return s.kind === 'temp'; } }
  ];
  if (hasSteps) rowDefs.push({ key: 'train', title: 'Training', match: function () { return false; } });
  var otherUnits = [];
  D.series.forEach(function (s) { if (s.kind === 'other' && otherUnits.indexOf(s.unit) < 0) otherUnits.push(s.unit); });
  otherUnits.forEach(function (u) {
    rowDefs.push({ key: 'other:' + u, title: unitTitle[u] || (u ? 'Other (' + u + ')' : 'Other'),
      match: function (s) { return s.kind === 'other' && s.unit === u; } });
  });
  rowDefs = rowDefs.filter(function (r) { return r.key === 'train' || D.series.some(r.match); });
  if (!rowDefs.length) rowDefs = [{ key: 'power', title: 'Power (W)', match: function () { return false; } }];
  if (D.layout === 'timeline') rowDefs.push({ key: 'timeline', title: 'Events', match: function () { return false; }, small: true });

  var weights = rowDefs.map(function (r) { return r.small ? 0.45 : r.key === 'power' ? 1.3 : 1; });
  var wsum = weights.reduce(function (a, b) { return a + b; }, 0), R = rowDefs.length, gap = 0.05;
  var plotDiv = document.getElementById('gv-plot');
  var layout = {
    height: Math.max(520, Math.min(1100, window.innerHeight - 120, 260 * R + 120)),
    margin: { l: 70, r: hasSteps ? 70 : 24, t: 40, b: 48 },
    hovermode: 'closest',
    showlegend: true,
    legend: { orientation: 'h', y: 1.02, yanchor: 'bottom', x: 0, font: { size: 11 }, groupclick: 'toggleitem' },
    paper_bgcolor: dark ? '#15181e' : '#ffffff',
    plot_bgcolor: dark ? '#1b1f27' : '#ffffff',
    font: { color: dark ? '#e4e7ee' : '#1d2330' },
    xaxis: { title: {}, anchor: 'y' + (R > 1 ? R : ''), domain: [0, 1], gridcolor: GRID, zeroline: false },
    annotations: []
  };
  (function () {
    var p = axisProps(0, xmax);
    Object.keys(p).forEach(function (k) { if (k === 'title.text') layout.xaxis.title.text = p[k]; else layout.xaxis[k] = p[k]; });
  })();
  var top = 1, avail = 1 - gap * (R - 1);
  rowDefs.forEach(function (r, i) {
    var h = avail * weights[i] / wsum, dom = [Math.max(0, top - h), top];
    top -= h + gap;
    r.axis = 'y' + (i ? i + 1 : ''); r.evAxis = 'y' + (R + i + 1); r.domain = dom; r.layoutKey = 'yaxis' + (i ? i + 1 : '');
    /* rows zoom in time only; their values are scaled to what is visible */
    var yax = { title: { text: r.title }, domain: dom, anchor: 'x', gridcolor: GRID, zeroline: false, fixedrange: true };
    if (r.key === 'timeline') { yax.range = [-0.5, TYPES.length - 0.5]; yax.tickvals = TYPES.map(function (t, i) { return i; }); yax.ticktext = TYPES.slice(); yax.title = { text: '' }; }
    layout[r.layoutKey] = yax;
    layout['yaxis' + (R + i + 1)] = { domain: dom, range: [0, 1], visible: false, fixedrange: true,
      overlaying: r.axis, tickmode: 'auto', anchor: 'x' };
  });

  /* traces whose points follow the view (GPU series, their bands, the spread, the training
   * metrics) are 'dynamic': their x is set on every view change; the others keep their x in
   * hours in HX and are mapped onto the axis when its mode changes */
  var traces = [], seriesTraces = [], HX = [];
  D.series.forEach(function (s) {
    var row = rowDefs.filter(function (r) { return r.match(s); })[0];
    if (!row) return;
    var color = s.gpu >= 0 ? gpuColor(s.gpu) : '#555';
    var group = s.gpu >= 0 ? 'gpu' + s.gpu : 'other';
    var st = { line: traces.length, band: traces.length + 1, s: s, row: row };
    seriesTraces.push(st);
    traces.push({
      type: 'scatter', mode: 'lines', name: s.name, x: [], y: [], yaxis: row.axis, text: [],
      legendgroup: group, legendgrouptitle: { text: s.gpu >= 0 ? esc(gpuName(s.gpu)) : 'other' },
      line: { width: 1, color: color, dash: s.kind === 'power_avg' ? 'dot' : 'solid' },
      opacity: s.kind === 'power_avg' ? 0.8 : 1,
      hovertemplate: '%{text}<br>%{y:.2f} ' + esc(s.unit) + '<extra>' + esc(s.name) + '</extra>'
    });
    traces.push({ type: 'scatter', mode: 'lines', name: s.name + ' range', x: [], y: [], yaxis: row.axis, fill: 'toself',
      fillcolor: color.charAt(0) === '#' ? rgba(color, 0.22) : color.replace('hsl(', 'hsla(').replace(')', ', 0.22)'),
      line: { width: 0 }, legendgroup: group, showlegend: false, hoverinfo: 'skip' });
  });
  /* the spread across GPUs: per row, the mean of the GPUs' lines and their lowest to highest */
  var spreadRows = [];
  /* (per GPU, one series: its instant power where it has one, else its power, else its average) */
  var SPREAD_KINDS = { power: ['power_instant', 'power', 'power_avg'], temp: ['temp'] };
  rowDefs.forEach(function (r) {
    var kinds = SPREAD_KINDS[r.key], members = [], seen = {};
    if (!kinds) return;
    kinds.forEach(function (kind) {
      seriesTraces.forEach(function (st) {
        if (st.row === r && st.s.gpu >= 0 && st.s.kind === kind && !seen[st.s.gpu]) { seen[st.s.gpu] = true; members.push(st); }
      });
    });
    if (members.length < 2) return;
    spreadRows.push({ row: r, members: members, line: traces.length, band: traces.length + 1 });
    var unit = members[0].s.unit;
    traces.push({ type: 'scatter', mode: 'lines', name: (r.key === 'power' ? 'power' : 'temperature') + ': mean of ' + members.length + ' GPUs', x: [], y: [], text: [],
      yaxis: r.axis, legendgroup: 'spread', visible: false, line: { width: 1.5, color: dark ? '#e4e7ee' : '#1d2330' },
      hovertemplate: '%{text}<br>mean %{y:.2f} ' + esc(unit) + '<extra></extra>' });
    traces.push({ type: 'scatter', mode: 'lines', name: 'lowest to highest GPU', x: [], y: [], yaxis: r.axis, fill: 'toself',
      fillcolor: 'rgba(127,127,127,0.3)', line: { width: 0 }, legendgroup: 'spread', visible: false, showlegend: false, hoverinfo: 'skip' });
  });

  var trainTraces = null;
  if (hasSteps) {
    var tr = rowDefs.filter(function (r) { return r.key === 'train'; })[0];
    var y2 = 'y' + (2 * R + 1);
    tr.rightAxis = y2; tr.rightKey = 'yaxis' + (2 * R + 1);
    layout[tr.rightKey] = { domain: tr.domain, overlaying: tr.axis, side: 'right', anchor: 'x',
      title: { text: '' }, showgrid: false, tickmode: 'auto', fixedrange: true };
    trainTraces = { row: tr, leftRaw: traces.length, leftSmooth: traces.length + 1, rightRaw: traces.length + 2, rightSmooth: traces.length + 3 };
    [[tr.axis, '#444', '#111'], [y2, '#17becf', '#0e7c87']].forEach(function (c, side) {
      traces.push({ type: 'scatter', mode: 'lines', name: '', x: [], y: [], text: [], yaxis: c[0], legendgroup: 'train',
        legendgrouptitle: side ? undefined : { text: 'training' }, line: { width: 1, color: c[1] } });
      traces.push({ type: 'scatter', mode: 'lines', name: '', x: [], y: [], text: [], yaxis: c[0], legendgroup: 'train',
        line: { width: 1.6, color: c[2] }, visible: false });
    });
  }
  /* the training traces' names, axes and styles for the metrics and smoothing chosen */
  function trainStyle() {
    if (!trainTraces) return;
    var T = trainTraces, sides = [[TRAIN.left, T.leftRaw, T.leftSmooth, T.row.layoutKey], [TRAIN.right, T.rightRaw, T.rightSmooth, T.row.rightKey]];
    sides.forEach(function (sd) {
      var m = sd[0], raw = traces[sd[1]], sm = traces[sd[2]];
      raw.name = m ? METRIC_NAME[m] : ''; sm.name = m ? METRIC_NAME[m] + ' (smoothed)' : '';
      raw.visible = m ? true : false; sm.visible = m && TRAIN.smooth > 0 ? true : false;
      raw.opacity = TRAIN.smooth > 0 ? 0.3 : 1;
      var fmt = m ? METRIC_FMT[m] : '.2f';
      raw.hovertemplate = '%{text}<br>' + (m ? METRIC_NAME[m] : '') + ' %{y:' + fmt + '}<extra></extra>';
      sm.hovertemplate = '%{text}<br>' + (m ? METRIC_NAME[m] : '') + ' (smoothed) %{y:' + fmt + '}<extra></extra>';
      layout[sd[3]].title = { text: m ? METRIC_NAME[m] : '' };
    });
    layout[T.row.layoutKey].type = TRAIN.log ? 'log' : 'linear';
  }
  trainStyle();

  var hiddenTypes = {}; /* event types hidden by a click on the legend */

  /* where an event is marked: where it begins (a validation's log line ends its pass) */
  function markX(e) { return Math.min(e.x_h, e.start_h); }

  function eventHover(e) {
    var st = STYLE[e.type], lines = ['<b>' + esc(st.name) + (e.step !== null ? ' \u00b7 step ' + e.step : '') + '</b>'];
    Object.keys(e.metrics).forEach(function (k) { lines.push(esc(k) + ': ' + (e.metrics[k] === null ? 'n/a' : e.metrics[k])); });
    if (e.checkpoint) lines.push(esc(e.checkpoint.kind + ' ' + e.checkpoint.model_tag + ' ' + e.checkpoint.model_id) + ', ' + e.checkpoint.files + ' files');
    lines.push(esc(e.timestamp.replace('T', ' ')) + ' (+' + fmtElapsed(e.x_h * 3600, false) + ')');
    if (e.duration_s > 0) lines.push('duration ' + num(e.duration_s, 1) + ' s');
    lines.push('log line ' + e.line);
    e.gpu.forEach(function (g) {
      var s = esc(gpuName(g.index)) + ': ' + num(g.power_w, 0) + ' W, ' + num(g.temp_c, 0) + ' \u00b0C';
      if (g.energy_wh !== undefined && g.energy_wh !== null) s += '; window mean ' + num(g.mean_power_w, 0) + ' W, ' + num(g.energy_wh, 2) + ' Wh';
      lines.push(s);
    });
    return lines.join('<br>');
  }

  var plotRows = rowDefs.filter(function (r) { return r.key !== 'timeline'; });
  TYPES.forEach(function (type, lane) {
    var evs = D.events.filter(function (e) { return e.type === type; });
    if (!evs.length) return;
    /* each event's line has points all the way up (every 5% of the row): hovering the line
     * anywhere, not only its marker, shows the event */
    var st = STYLE[type], xs = [], ys = [], hs = [], LINE_POINTS = 21;
    evs.forEach(function (e) {
      var h = eventHover(e);
      for (var k = 0; k < LINE_POINTS; k++) { xs.push(markX(e)); ys.push(k / (LINE_POINTS - 1)); hs.push(h); }
      xs.push(null); ys.push(null); hs.push(null);
    });
    plotRows.forEach(function (r, i) {
      traces.push({ type: 'scatter', mode: 'lines', x: xs, y: ys, yaxis: r.evAxis, name: st.name + ' (' + evs.length + ')',
        legendgroup: type, showlegend: i === 0, hovertext: hs, hoverinfo: 'text', hoverlabel: { align: 'left' },
        line: { color: st.color, dash: st.dash, width: st.width }, opacity: 0.7 });
    });
    /* every event with a window (a validation pass, an evaluation session, a checkpoint's files)
     * shaded over every row */
    var wins = evs.filter(function (e) { return e.end_h > e.start_h; });
    if (wins.length) {
      var fx = [], fy = [];
      wins.forEach(function (e) { fx.push(e.start_h, e.start_h, e.end_h, e.end_h, e.start_h, null); fy.push(0, 1, 1, 0, 0, null); });
      plotRows.forEach(function (r) {
        traces.push({ type: 'scatter', mode: 'lines', x: fx, y: fy, yaxis: r.evAxis, fill: 'toself', fillcolor: st.fill,
          line: { width: 0 }, legendgroup: type, showlegend: false, hoverinfo: 'skip', name: st.name + ' window' });
      });
    }
    traces.push({ type: 'scatter', mode: 'markers', x: evs.map(markX),
      y: evs.map(function () { return 0.985 - 0.035 * lane; }), yaxis: plotRows[0].evAxis, legendgroup: type, showlegend: false,
      name: st.name, marker: { color: st.color, symbol: st.symbol, size: 9 },
      hovertext: evs.map(eventHover), hoverinfo: 'text', hoverlabel: { align: 'left' } });
    if (D.layout === 'timeline') {
      var tlRow = rowDefs[R - 1], bx = [], by = [];
      evs.forEach(function (e) { if (e.end_h > e.start_h) { bx.push(e.start_h, e.end_h, null); by.push(lane, lane, null); } });
      if (bx.length) traces.push({ type: 'scatter', mode: 'lines', x: bx, y: by, yaxis: tlRow.axis, legendgroup: type,
        showlegend: false, hoverinfo: 'skip', line: { color: st.color, width: 8 }, opacity: 0.5, name: st.name + ' span' });
      traces.push({ type: 'scatter', mode: 'markers', x: evs.map(function (e) { return (e.start_h + e.end_h) / 2; }),
        y: evs.map(function () { return lane; }), yaxis: tlRow.axis, legendgroup: type, showlegend: false, name: st.name + ' lane',
        marker: { color: st.color, symbol: st.symbol, size: evs.map(function (e) { return Math.min(28, 7 + 2 * Math.sqrt(e.duration_s)); }) },
        hovertext: evs.map(eventHover), hoverinfo: 'text', hoverlabel: { align: 'left' } });
    }
  });

  /* anomalies on the row they concern (temperature, power, training metrics; the others on the
   * top row), each a mark where it begins and a bar over its extent */
  var ANOMALY_ROW = { over_temperature: 'temp', gpu_imbalance: 'power', power_drop: 'power', sample_gap: 'power',
    throughput_drop: 'train', bpb_regression: 'train' };
  function anomalyHover(a) {
    return '<b>' + esc(a.kind) + '</b><br>' + esc(a.message) + '<br>' + esc(a.timestamp.replace('T', ' ')) +
      (a.duration_s > 0 ? '<br>for ' + num(a.duration_s, 1) + ' s' : '');
  }
  /* each coloured by its severity; the filter (severity, kind) above the list below picks those
   * shown, there and on the plot */
  var SEVS = ['critical', 'warning', 'info'], SEV_COLOR = { critical: '#d62728', warning: '#ff7f0e', info: '#7f7f7f' };
  var anomalyFilter = { severity: 'info', kind: '' };
  function anomalyShown(a) {
    return SEVS.indexOf(a.severity) <= SEVS.indexOf(anomalyFilter.severity) && (!anomalyFilter.kind || a.kind === anomalyFilter.kind);
  }
  /* the points of one row's anomaly traces: a mark each, a bar per severity over their extents */
  function anomalyPoints(list) {
    var shown = list.filter(anomalyShown), out = { x: [], y: [], text: [], color: [], bars: {} };
    shown.forEach(function (a) { out.x.push(a.x_h); out.y.push(0.93); out.text.push(anomalyHover(a)); out.color.push(SEV_COLOR[a.severity]); });
    SEVS.forEach(function (sev) {
      var b = out.bars[sev] = { x: [], y: [], text: [] };
      shown.forEach(function (a) {
        if (a.severity === sev && a.duration_s > 0) { b.x.push(a.x_h, a.x_h + a.duration_s / 3600, null); b.y.push(0.93, 0.93, null); b.text.push(anomalyHover(a), anomalyHover(a), null); }
      });
    });
    return out;
  }
  var anomalyRows = [];
  if (D.anomalies.length) {
    var byRow = {};
    D.anomalies.forEach(function (a) {
      var key = ANOMALY_ROW[a.kind], row = plotRows.filter(function (r) { return r.key === key; })[0] || plotRows[0];
      (byRow[row.evAxis] = byRow[row.evAxis] || []).push(a);
    });
    Object.keys(byRow).forEach(function (axis, i) {
      var ar = { list: byRow[axis], mark: traces.length, bars: {} }, p = anomalyPoints(ar.list);
      anomalyRows.push(ar);
      traces.push({ type: 'scatter', mode: 'markers', name: 'Anomalies (' + D.anomalies.length + ')', legendgroup: 'anomalies',
        showlegend: i === 0, x: p.x, y: p.y, yaxis: axis, marker: { color: p.color, symbol: 'x', size: 10, line: { width: 2, color: p.color } },
        hovertext: p.text, hoverinfo: 'text', hoverlabel: { align: 'left' } });
      SEVS.forEach(function (sev) {
        ar.bars[sev] = traces.length;
        traces.push({ type: 'scatter', mode: 'lines', name: 'anomaly extent', legendgroup: 'anomalies',
          showlegend: false, x: p.bars[sev].x, y: p.bars[sev].y, yaxis: axis, line: { color: SEV_COLOR[sev], width: 4 }, opacity: 0.6,
          hovertext: p.bars[sev].text, hoverinfo: 'text', hoverlabel: { align: 'left' } });
      });
    });
  }

  /* several runs in one log (step numbers restarting): a line where each one after the first begins */
  function runName(r) {
    return 'run ' + r.n + (r.label && r.label.indexOf('phase ') !== 0 ? ': ' + r.label : '') +
      (r.first_step !== null ? ' (steps ' + r.first_step + '\u2013' + r.last_step + ')' : '');
  }
  if (D.runs.length > 1) {
    var rx = [], ry = [];
    D.runs.slice(1).forEach(function (r) { rx.push(r.start_h, r.start_h, null); ry.push(0, 1, null); });
    plotRows.forEach(function (r, i) {
      traces.push({ type: 'scatter', mode: 'lines', x: rx, y: ry, yaxis: r.evAxis, name: 'runs (' + D.runs.length + ')',
        legendgroup: 'runs', showlegend: i === 0, hoverinfo: 'skip', line: { color: '#888', dash: 'longdash', width: 1.5 } });
    });
    traces.push({ type: 'scatter', mode: 'markers', x: D.runs.map(function (r) { return r.start_h; }),
      y: D.runs.map(function () { return 0.03; }), yaxis: plotRows[0].evAxis, legendgroup: 'runs', showlegend: false,
      name: 'run', marker: { color: '#888', symbol: 'triangle-right', size: 9 },
      hovertext: D.runs.map(function (r) { return '<b>' + esc(runName(r)) + '</b><br>' + num((r.end_h - r.start_h) * 60, 1) + ' min'; }),
      hoverinfo: 'text' });
  }

  if (D.cutoff_h !== null) {
    plotRows.forEach(function (r, i) {
      traces.push({ type: 'scatter', mode: 'lines', x: [D.cutoff_h, D.cutoff_h], y: [0, 1], yaxis: r.evAxis,
        name: 'idle cutoff', legendgroup: 'cutoff', showlegend: i === 0, hoverinfo: 'skip',
        line: { color: 'red', dash: 'dash', width: 1.5 } });
    });
  }

  /* ---- labels: only on the top row, thinned so that none overlap at the current zoom ---- */
  var LABEL_PX = 13;
  function labels(x0, x1) {
    var width = plotDiv.clientWidth - layout.margin.l - layout.margin.r;
    var pxPerH = width / Math.max(1e-9, x1 - x0), out = [], lastPx = -1e9;
    D.events.filter(function (e) { return !hiddenTypes[e.type] && markX(e) >= x0 && markX(e) <= x1; })
      .sort(function (a, b) { return markX(a) - markX(b); })
      .forEach(function (e) {
        var px = (markX(e) - x0) * pxPerH;
        if (px - lastPx < LABEL_PX) return;
        lastPx = px;
        out.push({ x: toAx(markX(e)), xref: 'x', y: plotRows[0].domain[1], yref: 'paper', yanchor: 'top', xanchor: 'right',
          text: esc(e.label), textangle: -90, showarrow: false, font: { size: 9, color: STYLE[e.type].color } });
      });
    lastPx = -1e9;
    if (D.runs.length > 1) D.runs.forEach(function (r) {
      if (r.end_h < x0 || r.start_h > x1) return;
      var px = (Math.max(r.start_h, x0) - x0) * pxPerH;
      if (px - lastPx < 120) return;
      lastPx = px;
      out.push({ x: toAx(Math.max(r.start_h, x0)), xref: 'x', y: plotRows[0].domain[0], yref: 'paper', yanchor: 'bottom',
        xanchor: 'left', text: esc(runName(r)), showarrow: false, font: { size: 10, color: '#888' } });
    });
    if (D.cutoff_h !== null && D.cutoff_h >= x0 && D.cutoff_h <= x1)
      out.push({ x: toAx(D.cutoff_h), xref: 'x', y: plotRows[0].domain[1], yref: 'paper', yanchor: 'bottom', xanchor: 'right',
        text: 'idle cutoff ' + esc(D.cutoff_time.replace('T', ' ').slice(0, 19)), showarrow: false,
        font: { size: 10, color: 'red' } });
    return out;
  }

  /* ---- the view: levels and steps for the visible range ---- */
  var DYNAMIC = {};
  seriesTraces.forEach(function (st) { DYNAMIC[st.line] = DYNAMIC[st.band] = true; });
  spreadRows.forEach(function (sr) { DYNAMIC[sr.line] = DYNAMIC[sr.band] = true; });
  if (trainTraces) [trainTraces.leftRaw, trainTraces.leftSmooth, trainTraces.rightRaw, trainTraces.rightSmooth].forEach(function (i) { DYNAMIC[i] = true; });
  traces.forEach(function (t, i) { HX[i] = DYNAMIC[i] ? null : t.x; if (!DYNAMIC[i]) t.x = mapX(t.x); });

  var SPREAD = false;
  var note = document.getElementById('gv-note'), state = { x0: 0, x1: xmax, views: [] };
  /* The spread of a row's GPUs from their views: per bucket, the mean of the GPUs' lines and the
   * lowest and highest of their ranges. */
  function spreadView(sr, views) {
    var byKey = {}, keys = [], w = null, out = { x: [], y: [], text: [], bx: [], by: [] }, seg = [];
    sr.members.forEach(function (st) {
      var v = views[seriesTraces.indexOf(st)];
      if (w === null) w = v.width_h;
      if (v.width_h !== w) return;
      v.key.forEach(function (k, i) {
        if (k === null) return;
        var c = byKey[k];
        if (!c) { c = byKey[k] = { x: v.x[i], lo: v.lo[i], hi: v.hi[i], sum: 0, n: 0 }; keys.push(k); }
        c.lo = Math.min(c.lo, v.lo[i]); c.hi = Math.max(c.hi, v.hi[i]); c.sum += v.y[i]; c.n++;
      });
    });
    keys.sort(function (a, b) { return a - b; });
    function closeBand() {
      if (seg.length > 1) {
        seg.forEach(function (c) { out.bx.push(c.x); out.by.push(c.hi); });
        for (var j = seg.length - 1; j >= 0; j--) { out.bx.push(seg[j].x); out.by.push(seg[j].lo); }
        out.bx.push(null); out.by.push(null);
      }
      seg = [];
    }
    var unit = esc(sr.members[0].s.unit);
    keys.forEach(function (k, j) {
      var c = byKey[k];
      if (j && (k - keys[j - 1]) * w > GAP_H) { out.x.push(null); out.y.push(null); out.text.push(null); closeBand(); }
      out.x.push(c.x); out.y.push(c.sum / c.n); seg.push(c);
      out.text.push(hoverTime(c.x) + '<br>' + c.n + ' values, ' + c.lo.toFixed(1) + '\u2013' + c.hi.toFixed(1) + ' ' + unit);
    });
    closeBand();
    return out;
  }
  function viewUpdate(x0, x1) {
    var u = { x: [], y: [], text: [], idx: [] }, views = [];
    function put(i, xs, ys, text) { u.idx.push(i); u.x.push(mapX(xs)); u.y.push(ys); u.text.push(text || []); }
    seriesTraces.forEach(function (st) {
      var v = seriesView(st.s, x0, x1), unit = ' ' + esc(st.s.unit);
      views.push(v);
      put(st.line, v.x, v.y, v.x.map(function (x, i) {
        return x === null ? null : hoverTime(x) + (v.every ? '' : '<br>range ' + v.lo[i].toFixed(1) + '\u2013' + v.hi[i].toFixed(1) + unit);
      }));
      put(st.band, st.s.kind === 'power_avg' ? [] : v.bx, st.s.kind === 'power_avg' ? [] : v.by);
    });
    spreadRows.forEach(function (sr) {
      var s = SPREAD ? spreadView(sr, views) : { x: [], y: [], text: [], bx: [], by: [] };
      put(sr.line, s.x, s.y, s.text); put(sr.band, s.bx, s.by);
    });
    u.axes = {};
    var stepsShown = 0; /* (the left metric's points in view) */
    if (trainTraces) [[TRAIN.left, trainTraces.leftRaw, trainTraces.leftSmooth, trainTraces.row.layoutKey],
      [TRAIN.right, trainTraces.rightRaw, trainTraces.rightSmooth, trainTraces.row.rightKey]].forEach(function (sd) {
      u.axes[sd[3] + '.autorange'] = true; u.axes[sd[3] + '.range'] = null;
      if (!sd[0]) { put(sd[1], [], []); put(sd[2], [], []); return; }
      var v = stepsView(ST.m[sd[0]], x0, x1), text = v.i.map(function (i) {
        return i === null ? null : (ST.step[i] >= 0 ? 'step ' + ST.step[i] + ' \u00b7 ' : '') + wall(ST.h[i]);
      });
      put(sd[1], v.x, v.y, text);
      if (sd[0] === TRAIN.left) stepsShown = v.i.filter(function (i) { return i !== null; }).length;
      /* a metric that hardly varies in view (a constant tok/s) gets 5% either side, not an axis
       * that blows its last digits up */
      var lo = Infinity, hi = -Infinity;
      v.y.forEach(function (y) { if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); } });
      var mid = (lo + hi) / 2;
      if (hi >= lo && hi - lo <= 1e-3 * Math.abs(mid) && !(TRAIN.log && sd[3] === trainTraces.row.layoutKey)) {
        var pad = Math.abs(mid) * 0.05 || 1;
        u.axes[sd[3] + '.autorange'] = false; u.axes[sd[3] + '.range'] = [mid - pad, mid + pad];
      }
      if (TRAIN.smooth > 0) { var sm = smoothOf(sd[0]); put(sd[2], v.x, v.i.map(function (i) { return i === null ? null : sm[i]; }), text); }
      else put(sd[2], [], []);
    });
    state = { x0: x0, x1: x1, views: views, steps: stepsShown };
    if (!views.length) { note.textContent = fmtInt(D.rows_read) + ' samples read.'; return u; }
    var v0 = views[0];
    var skipped = D.rows_skipped ? ' (' + fmtInt(D.rows_skipped) + ' bad rows skipped)' : '';
    note.textContent = fmtInt(D.rows_read) + ' samples' + skipped + '; ' +
      (v0.every ? 'showing every sample in view' :
        'showing the range (band) and middle (line) of ' + fmtInt(Math.min(v0.buckets, Math.ceil((x1 - x0) / v0.width_h))) + ' buckets of ' +
        fmtWidth(v0.width_h) + ' (level ' + (v0.levels - v0.level) + ' of ' + v0.levels + ')' +
        (v0.level > 0 ? '; zoom for detail' : '')) +
      (D.steps.stride > 1 ? '; every ' + D.steps.stride + 'th of ' + fmtInt(D.steps.count) + ' step lines' : '') +
      (D.cutoff_h !== null ? '; samples after the idle cutoff at ' + D.cutoff_time.replace('T', ' ') + ' are not plotted' : '') + '.';
    return u;
  }
  /* ('yaxis3.range' style keys onto a layout object) */
  function setAxes(L, axes) {
    Object.keys(axes).forEach(function (k) { var p = k.split('.'); L[p[0]] = Object.assign({}, L[p[0]]); L[p[0]][p[1]] = axes[k]; });
  }
  (function () {
    var u = viewUpdate(0, xmax);
    u.idx.forEach(function (t, i) { traces[t].x = u.x[i]; traces[t].y = u.y[i]; traces[t].text = u.text[i]; });
    setAxes(layout, u.axes);
  })();
  layout.annotations = labels(0, xmax);

  var busy = false, revision = 0;
  /* A layout update that keeps the x axis as it is, for an update of traces' x: a restyle of x
   * alone makes Plotly guess the axis type again (the date axis' milliseconds look like plain
   * numbers), and given a type it resets the range. */
  function keepAxis(rel) {
    rel['xaxis.type'] = AX === 'wall' ? 'date' : 'linear';
    rel['xaxis.range'] = plotDiv.layout.xaxis.range.slice();
    return rel;
  }
  function onRange(x0, x1, ax0, ax1) {
    x0 = Math.max(0, x0); x1 = Math.min(xmax, x1);
    if (!(x1 > x0)) x1 = Math.min(xmax, x0 + 1e-6);
    var u = viewUpdate(x0, x1), rel = keepAxis({ annotations: labels(x0, x1) });
    Object.keys(u.axes).forEach(function (k) { rel[k] = u.axes[k]; });
    if (AX === 'elapsed') {
      var t = elapsedTicks((ax0 === undefined ? x0 : ax0) * 3600, (ax1 === undefined ? x1 : ax1) * 3600);
      rel['xaxis.tickvals'] = t.vals; rel['xaxis.ticktext'] = t.text;
    }
    busy = true;
    return Plotly.update(plotDiv, { x: u.x, y: u.y, text: u.text }, rel, u.idx)
      .then(function () { busy = false; }, function () { busy = false; });
  }
  function zoomTo(a, b) {
    var pad = Math.max((b - a) * 0.5, 60 / 3600);
    return Plotly.relayout(plotDiv, { 'xaxis.range': [toAx(Math.max(0, a - pad)), toAx(Math.min(xmax, b + pad))] });
  }
  /* everything redrawn for a new x axis mode, metric or smoothing, keeping the view */
  function redraw() {
    syncControls();
    var data = plotDiv.data;
    HX.forEach(function (hx, i) { if (hx) data[i].x = mapX(hx); });
    var u = viewUpdate(state.x0, state.x1);
    u.idx.forEach(function (t, i) { data[t].x = u.x[i]; data[t].y = u.y[i]; data[t].text = u.text[i]; });
    trainStyle();
    if (trainTraces) ['leftRaw', 'leftSmooth', 'rightRaw', 'rightSmooth'].forEach(function (k) {
      var t = traces[trainTraces[k]], d = data[trainTraces[k]];
      ['name', 'visible', 'opacity', 'hovertemplate'].forEach(function (p) { d[p] = t[p]; });
    });
    /* (new objects: Plotly.react compares them with the ones it has) */
    var L = Object.assign({}, plotDiv.layout), p = axisProps(state.x0, state.x1);
    L.xaxis = Object.assign({}, L.xaxis);
    Object.keys(p).forEach(function (k) { if (k === 'title.text') L.xaxis.title = { text: p[k] }; else L.xaxis[k] = p[k]; });
    if (trainTraces) {
      L[trainTraces.row.layoutKey] = layout[trainTraces.row.layoutKey]; L[trainTraces.row.rightKey] = layout[trainTraces.row.rightKey];
      setAxes(L, u.axes);
    }
    L.annotations = labels(state.x0, state.x1);
    L.datarevision = ++revision;
    busy = true;
    return Plotly.react(plotDiv, data, L).then(function () { busy = false; }, function () { busy = false; });
  }

  /* ---- controls: the x axis, hover, the GPUs' spread, the training metrics ---- */
  var ctl = el('div'); ctl.id = 'gv-controls';
  plotDiv.parentNode.insertBefore(ctl, plotDiv);
  function control(label, node, id) { var l = el('label', label + ' '); l.appendChild(node); ctl.appendChild(l); node.id = id; return node; }
  function select(options, value) {
    var s = el('select');
    options.forEach(function (o) { var op = el('option', o[1]); op.value = o[0]; s.appendChild(op); });
    s.value = value;
    return s;
  }
  var axSel = control('x axis', select([['wall', 'wall-clock time'], ['elapsed', 'elapsed time']]
    .concat(stepAxisOk ? [['step', 'training step']] : []), 'wall'), 'gv-xaxis');
  axSel.addEventListener('change', function () { AX = axSel.value; redraw(); });
  var hoverSel = control('hover', select([['closest', 'nearest line'], ['x unified', 'every line at one time']], 'closest'), 'gv-hover');
  hoverSel.addEventListener('change', function () { Plotly.relayout(plotDiv, { hovermode: hoverSel.value }); });
  function setSpread(on) {
    SPREAD = on;
    var idx = [], vis = [];
    spreadRows.forEach(function (sr) {
      sr.members.forEach(function (st) { idx.push(st.line, st.band); vis.push(!on, !on); });
      idx.push(sr.line, sr.band); vis.push(on, on);
    });
    return Plotly.restyle(plotDiv, { visible: vis }, idx).then(function () { return onRange(state.x0, state.x1); });
  }
  if (spreadRows.length) {
    var spSel = control('GPUs', select([['each', 'each GPU'], ['spread', 'mean and spread']], 'each'), 'gv-spread');
    spSel.addEventListener('change', function () { setSpread(spSel.value === 'spread'); });
  }
  if (hasSteps) {
    var opts = D.steps.metrics.map(function (m) { return [m, METRIC_NAME[m]]; });
    var leftSel = control('training left', select(opts, TRAIN.left), 'gv-metric-left');
    var rightSel = control('right', select(opts.concat([['', 'none']]), TRAIN.right || ''), 'gv-metric-right');
    var logBox = el('input'); logBox.type = 'checkbox';
    control('log scale', logBox, 'gv-log');
    var smooth = el('input'); smooth.type = 'range'; smooth.min = '0'; smooth.max = '0.99'; smooth.step = '0.01'; smooth.value = '0';
    control('smoothing', smooth, 'gv-smooth');
    var smoothVal = el('span', '0'); ctl.appendChild(smoothVal);
    leftSel.addEventListener('change', function () { TRAIN.left = leftSel.value; redraw(); });
    rightSel.addEventListener('change', function () { TRAIN.right = rightSel.value || null; redraw(); });
    logBox.addEventListener('change', function () { TRAIN.log = logBox.checked; redraw(); });
    smooth.addEventListener('input', function () { TRAIN.smooth = Number(smooth.value); smoothVal.textContent = smooth.value; redraw(); });
  }

  /* the controls show the state, however it was set (a control, or window.gvReport) */
  function syncControls() {
    axSel.value = AX;
    if (!hasSteps) return;
    leftSel.value = TRAIN.left; rightSel.value = TRAIN.right || ''; logBox.checked = TRAIN.log;
    smooth.value = String(TRAIN.smooth); smoothVal.textContent = String(TRAIN.smooth);
  }

  Plotly.newPlot(plotDiv, traces, layout, { responsive: true, displaylogo: false, doubleClick: 'autosize' }).then(function () {
    plotDiv.on('plotly_relayout', function (ev) {
      if (busy || !ev) return;
      /* Autoscale and a double click fit the run (its events may lie before the first sample) */
      if ('xaxis.autorange' in ev) return Plotly.relayout(plotDiv, { 'xaxis.range': [toAx(0), toAx(xmax)] });
      if (!('xaxis.range[0]' in ev || 'xaxis.range' in ev)) return;
      var r = plotDiv.layout.xaxis.range, a = fromAx(r[0]), b = fromAx(r[1]);
      onRange(a, b, a, b);
    });
    /* one click on an event type (or the runs) in the legend hides or shows it everywhere: its
     * lines in every row, its windows, markers and labels; a GPU series hides with its band */
    plotDiv.on('plotly_legendclick', function (ev) {
      var g = ev.data[ev.curveNumber].legendgroup;
      var st = seriesTraces.filter(function (s) { return s.line === ev.curveNumber; })[0];
      if (st) {
        var vis = ev.data[st.line].visible === 'legendonly' ? true : 'legendonly';
        Plotly.restyle(plotDiv, { visible: vis }, [st.line, st.band]);
        return false;
      }
      if (TYPES.indexOf(g) < 0 && g !== 'runs' && g !== 'anomalies') return true;
      hiddenTypes[g] = !hiddenTypes[g];
      var idx = [];
      plotDiv.data.forEach(function (t, i) { if (t.legendgroup === g) idx.push(i); });
      Plotly.restyle(plotDiv, { visible: hiddenTypes[g] ? 'legendonly' : true }, idx).then(function () {
        return Plotly.relayout(plotDiv, { annotations: labels(state.x0, state.x1) });
      });
      return false;
    });
    window.gvReport = { zoom: function (a, b) { return Plotly.relayout(plotDiv, { 'xaxis.range': [toAx(a), toAx(b)] }); },
      view: viewUpdate, state: function () { return state; }, data: D, hours: function (v) { return v === null ? null : fromAx(v); },
      axis: function (m) { AX = m; axSel.value = m; return redraw(); }, spread: setSpread,
      train: function (o) { Object.keys(o).forEach(function (k) { TRAIN[k] = o[k]; }); return redraw(); },
      anomalies: function (severity, kind) { anomalyFilter.severity = severity; anomalyFilter.kind = kind || ''; return applyAnomalyFilter(); } };
    document.body.setAttribute('data-gv-ready', '1');
  });

  /* ---- around the plots: phases, anomalies, events, statistics ---- */
  var sec = document.getElementById('gv-stats');
  sec.appendChild(el('h2', 'Phases'));
  var phDiv = el('div'); phDiv.id = 'gv-phases'; sec.appendChild(phDiv);
  var PH_COLORS = { training: '#d62728', validation: '#1f77b4', evaluation: '#2ca02c', checkpoint: '#9467bd', idle: '#bbbbbb', other: '#7f7f7f' };
  Plotly.newPlot(phDiv, D.phases.map(function (p) {
    return { type: 'bar', orientation: 'h', name: p.name, y: ['energy', 'time'],
      x: [100 * (p.share_energy || 0), 100 * (p.share_time || 0)], marker: { color: PH_COLORS[p.name] },
      text: [num(p.energy_wh, 1) + ' Wh', fmtDur(p.seconds / 3600)], textposition: 'none',
      hovertemplate: esc(p.name) + ': %{x:.1f}% (%{text})<extra></extra>' };
  }), { barmode: 'stack', height: 170, margin: { l: 60, r: 20, t: 10, b: 30 }, xaxis: { range: [0, 100], ticksuffix: '%', gridcolor: GRID },
    paper_bgcolor: layout.paper_bgcolor, plot_bgcolor: layout.plot_bgcolor, font: layout.font,
    legend: { orientation: 'h', y: -0.35 } }, { displayModeBar: false, responsive: true });
  var pt = el('table'), ph = el('tr');
  ['phase', 'time', 'time share', 'energy Wh', 'energy share'].forEach(function (t) { ph.appendChild(el('th', t)); });
  pt.appendChild(ph);
  D.phases.forEach(function (p) {
    var tr = el('tr');
    [p.name, fmtDur(p.seconds / 3600), num(100 * p.share_time, 1) + ' %', num(p.energy_wh, 2), num(100 * p.share_energy, 1) + ' %']
      .forEach(function (v) { tr.appendChild(el('td', v)); });
    pt.appendChild(tr);
  });
  sec.appendChild(pt);

  var anHead = el('h2', 'Anomalies (' + D.anomalies.length + ')');
  sec.appendChild(anHead);
  var ul = el('ul'); ul.id = 'gv-anomalies';
  var anItems = D.anomalies.map(function (a) {
    var li = el('li'), link = el('a', a.timestamp.replace('T', ' ') + '  ' + a.kind + ': ' + a.message);
    link.href = '#gv-plot'; link.className = 'zoom';
    link.addEventListener('click', function (ev) { ev.preventDefault(); zoomTo(a.x_h, a.x_h + a.duration_s / 3600); plotDiv.scrollIntoView(); });
    li.appendChild(el('span', a.severity, 'sev sev-' + a.severity)); li.appendChild(link); ul.appendChild(li);
    return li;
  });
  if (!D.anomalies.length) ul.appendChild(el('li', 'none'));
  /* the filter: by severity (at least ...) and kind, on the list and on the plot */
  function applyAnomalyFilter() {
    var n = 0;
    D.anomalies.forEach(function (a, i) { var on = anomalyShown(a); anItems[i].style.display = on ? '' : 'none'; n += on; });
    anHead.textContent = 'Anomalies (' + (n === D.anomalies.length ? n : n + ' of ' + D.anomalies.length) + ')';
    var upd = { x: [], y: [], hovertext: [], 'marker.color': [], 'marker.line.color': [] }, idx = [];
    anomalyRows.forEach(function (ar) {
      var p = anomalyPoints(ar.list);
      HX[ar.mark] = p.x; idx.push(ar.mark);
      upd.x.push(mapX(p.x)); upd.y.push(p.y); upd.hovertext.push(p.text); upd['marker.color'].push(p.color); upd['marker.line.color'].push(p.color);
      SEVS.forEach(function (sev) {
        var b = p.bars[sev];
        HX[ar.bars[sev]] = b.x; idx.push(ar.bars[sev]);
        upd.x.push(mapX(b.x)); upd.y.push(b.y); upd.hovertext.push(b.text);
        upd['marker.color'].push(null); upd['marker.line.color'].push(null);
      });
    });
    return idx.length ? Plotly.update(plotDiv, upd, keepAxis({}), idx) : Promise.resolve();
  }
  if (D.anomalies.length) {
    var af = el('div'); af.id = 'gv-anomaly-filter'; af.className = 'filter';
    var kinds = [];
    D.anomalies.forEach(function (a) { if (kinds.indexOf(a.kind) < 0) kinds.push(a.kind); });
    var sevSel = select([['info', 'every severity'], ['warning', 'warning and critical'], ['critical', 'critical only']], 'info');
    var kindSel = select([['', 'every kind']].concat(kinds.map(function (k) { return [k, k]; })), '');
    sevSel.id = 'gv-anomaly-severity'; kindSel.id = 'gv-anomaly-kind';
    af.appendChild(el('span', 'show ')); af.appendChild(sevSel); af.appendChild(el('span', ' of ')); af.appendChild(kindSel);
    sevSel.addEventListener('change', function () { anomalyFilter.severity = sevSel.value; applyAnomalyFilter(); });
    kindSel.addEventListener('change', function () { anomalyFilter.kind = kindSel.value; applyAnomalyFilter(); });
    sec.appendChild(af);
  }
  sec.appendChild(ul);

  sec.appendChild(el('h2', 'Events (' + D.events.length + ')'));
  var et = el('table'), eh = el('tr'); et.id = 'gv-events';
  ['event', 'time', 'step', 'duration', 'metric'].concat(D.gpus.map(function (g) { return gpuName(g.index) + ' W / Wh'; }))
    .forEach(function (t) { eh.appendChild(el('th', t)); });
  et.appendChild(eh);
  D.events.forEach(function (e) {
    var tr = el('tr'), first = el('td'), link = el('a', e.label);
    link.href = '#gv-plot'; link.className = 'zoom';
    link.addEventListener('click', function (ev) { ev.preventDefault(); zoomTo(e.start_h, e.end_h); plotDiv.scrollIntoView(); });
    first.appendChild(link); tr.appendChild(first);
    var mk = Object.keys(e.metrics)[0];
    [e.timestamp.replace('T', ' '), e.step === null ? '' : String(e.step), e.duration_s > 0 ? num(e.duration_s, 1) + ' s' : '',
      mk ? mk + ' ' + e.metrics[mk] : ''].forEach(function (v) { tr.appendChild(el('td', v)); });
    e.gpu.forEach(function (g) {
      tr.appendChild(el('td', num(g.power_w, 0) + (g.energy_wh !== undefined && g.energy_wh !== null ? ' / ' + num(g.energy_wh, 2) : '')));
    });
    et.appendChild(tr);
  });
  sec.appendChild(et);

  sec.appendChild(el('h2', 'Per GPU'));
  var tbl = el('table'), hr = el('tr');
  ['GPU', 'power column', 'mean W', 'min W', 'max W', 'energy Wh', 'mean \u00b0C', 'max \u00b0C']
    .forEach(function (t) { hr.appendChild(el('th', t)); });
  tbl.appendChild(hr);
  D.gpus.forEach(function (g) {
    var tr = el('tr'), p = g.power_w || {}, t = g.temp_c || {};
    [g.name, g.power_column || '', num(p.mean, 1), num(p.min, 1), num(p.max, 1), num(g.energy_wh, 2), num(t.mean, 1), num(t.max, 0)]
      .forEach(function (v) { tr.appendChild(el('td', v)); });
    tbl.appendChild(tr);
  });
  sec.appendChild(tbl);
})();
