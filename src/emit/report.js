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
  /* The finest level showing [x0, x1] within max_points; its points, clipped at the cutoff. */
  function seriesView(s, x0, x1) {
    var levels = s.levels, pick = levels.length - 1;
    for (var l = 0; l < levels.length; l++) {
      /* a bucket no wider than the sample interval holds one sample: one point, else two */
      var per = levels[l].width_h <= D.sample_interval_h * 1.001 ? 1 : 2;
      if ((x1 - x0) / levels[l].width_h * per <= D.max_points * 1.0001) { pick = l; break; }
    }
    var lv = levels[pick], q = levelData(lv), w = lv.width_h, xs = [], ys = [];
    var k0 = Math.max(0, Math.floor((x0 - lv.start_h) / w) - 1);
    var k1 = Math.min(lv.n - 1, Math.ceil((x1 - lv.start_h) / w) + 1);
    /* empty buckets are a gap on screen only when the samples have one there (longer than 5 s
     * and 5 sample intervals, as the analysis counts gaps): buckets narrower than the sampling
     * interval are often empty between two samples */
    var empty = 0, gapH = Math.max(5 / 3600, 5 * D.sample_interval_h);
    for (var k = k0; k <= k1; k++) {
      var a = q[2 * k], b = q[2 * k + 1], xa = lv.start_h + (k + 0.25) * w;
      if (xa > xmax) break;
      if (a === 65535) { empty++; continue; }
      if (empty && xs.length && (empty + 1) * w > gapH) { xs.push(null); ys.push(null); }
      empty = 0;
      if (a === b) { xs.push(lv.start_h + (k + 0.5) * w); ys.push(s.offset + a * s.scale); continue; }
      xs.push(xa, lv.start_h + (k + 0.75) * w);
      ys.push(s.offset + a * s.scale, s.offset + b * s.scale);
    }
    return { x: xs, y: ys, level: pick, levels: levels.length, width_h: w, buckets: k1 - k0 + 1 };
  }

  /* ---- rows ---- */
  var unitTitle = { 'W': 'Power (W)', '\u00b0C': 'Temperature (\u00b0C)', '%': 'Utilisation (%)', 'MiB': 'Memory (MiB)', 'MHz': 'Clock (MHz)' };
  var rowDefs = [
    { key: 'power', title: 'Power (W)', match: function (s) { return s.kind.indexOf('power') === 0; } },
    { key: 'temp', title: 'Temperature (\u00b0C)', match: function (s) { return s.kind === 'temp'; } }
  ];
  var hasSteps = D.steps.loss.x.length > 0 || D.steps.tok_per_sec.x.length > 0;
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
    xaxis: { title: { text: 'hours since monitoring start' }, anchor: 'y' + (R > 1 ? R : ''), domain: [0, 1],
      gridcolor: GRID, zeroline: false, range: [0, xmax] },
    annotations: []
  };
  var top = 1, avail = 1 - gap * (R - 1);
  rowDefs.forEach(function (r, i) {
    var h = avail * weights[i] / wsum, dom = [Math.max(0, top - h), top];
    top -= h + gap;
    r.axis = 'y' + (i ? i + 1 : ''); r.evAxis = 'y' + (R + i + 1); r.domain = dom;
    var yax = { title: { text: r.title }, domain: dom, anchor: 'x', gridcolor: GRID, zeroline: false };
    if (r.key === 'timeline') { yax.range = [-0.5, TYPES.length - 0.5]; yax.tickvals = TYPES.map(function (t, i) { return i; }); yax.ticktext = TYPES.slice(); yax.fixedrange = true; yax.title = { text: '' }; }
    layout['yaxis' + (i ? i + 1 : '')] = yax;
    layout['yaxis' + (R + i + 1)] = { domain: dom, range: [0, 1], visible: false, fixedrange: true,
      overlaying: r.axis, tickmode: 'auto', anchor: 'x' };
  });

  var traces = [], seriesTraces = [];
  D.series.forEach(function (s) {
    var row = rowDefs.filter(function (r) { return r.match(s); })[0];
    if (!row) return;
    var color = s.gpu >= 0 ? gpuColor(s.gpu) : undefined;
    seriesTraces.push({ trace: traces.length, s: s });
    traces.push({
      type: 'scatter', mode: 'lines', name: s.name, x: [], y: [], yaxis: row.axis, text: [],
      legendgroup: s.gpu >= 0 ? 'gpu' + s.gpu : 'other', legendgrouptitle: { text: s.gpu >= 0 ? esc(gpuName(s.gpu)) : 'other' },
      line: { width: 1, color: color, dash: s.kind === 'power_avg' ? 'dot' : 'solid' },
      opacity: s.kind === 'power_avg' ? 0.8 : 1,
      hovertemplate: '%{text}<br>%{x:.4f} h<br>%{y:.2f} ' + esc(s.unit) + '<extra>' + esc(s.name) + '</extra>'
    });
  });

  if (hasSteps) {
    var tr = rowDefs.filter(function (r) { return r.key === 'train'; })[0], ti = rowDefs.indexOf(tr);
    var y2 = 'y' + (2 * R + 1);
    layout['yaxis' + (2 * R + 1)] = { domain: tr.domain, overlaying: tr.axis, side: 'right', anchor: 'x',
      title: { text: 'tok/s' }, showgrid: false, tickmode: 'auto' };
    layout['yaxis' + (ti ? ti + 1 : '')].title = { text: 'loss' };
    /* several runs in one log: a step line does not join the last point of one run to the next */
    var breakRuns = function (m) {
      var x = [], y = [], b = D.runs.slice(1).map(function (r) { return r.start_h; }), k = 0;
      m.x.forEach(function (v, i) {
        while (k < b.length && b[k] <= v) { if (i > 0 && m.x[i - 1] < b[k]) { x.push(null); y.push(null); } k++; }
        x.push(v); y.push(m.y[i]);
      });
      return { x: x, y: y };
    };
    D.steps.loss = breakRuns(D.steps.loss); D.steps.tok_per_sec = breakRuns(D.steps.tok_per_sec);
    if (D.steps.loss.x.length) traces.push({ type: 'scatter', mode: 'lines', name: 'loss', x: D.steps.loss.x, y: D.steps.loss.y,
      yaxis: tr.axis, legendgroup: 'train', legendgrouptitle: { text: 'training' }, line: { width: 1, color: '#444' },
      text: D.steps.loss.x.map(function (x) { return x === null ? null : wall(x); }), hovertemplate: '%{text}<br>loss %{y:.4f}<extra></extra>' });
    if (D.steps.tok_per_sec.x.length) traces.push({ type: 'scatter', mode: 'lines', name: 'tok/s', x: D.steps.tok_per_sec.x,
      y: D.steps.tok_per_sec.y, yaxis: y2, legendgroup: 'train', line: { width: 1, color: '#17becf' },
      text: D.steps.tok_per_sec.x.map(function (x) { return x === null ? null : wall(x); }), hovertemplate: '%{text}<br>%{y:,.0f} tok/s<extra></extra>' });
  }

  var hiddenTypes = {}; /* event types hidden by a click on the legend */

  /* where an event is marked: where it begins (a validation's log line ends its pass) */
  function markX(e) { return Math.min(e.x_h, e.start_h); }

  function eventHover(e) {
    var st = STYLE[e.type], lines = ['<b>' + esc(st.name) + (e.step !== null ? ' \u00b7 step ' + e.step : '') + '</b>'];
    Object.keys(e.metrics).forEach(function (k) { lines.push(esc(k) + ': ' + (e.metrics[k] === null ? 'n/a' : e.metrics[k])); });
    if (e.checkpoint) lines.push(esc(e.checkpoint.kind + ' ' + e.checkpoint.model_tag + ' ' + e.checkpoint.model_id) + ', ' + e.checkpoint.files + ' files');
    lines.push(esc(e.timestamp.replace('T', ' ')) + ' (' + num(e.x_h, 4) + ' h)');
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
  if (D.anomalies.length) {
    var byRow = {};
    D.anomalies.forEach(function (a) {
      var key = ANOMALY_ROW[a.kind], row = plotRows.filter(function (r) { return r.key === key; })[0] || plotRows[0];
      (byRow[row.evAxis] = byRow[row.evAxis] || []).push(a);
    });
    var first = true;
    Object.keys(byRow).forEach(function (axis) {
      var as = byRow[axis], bx = [], by = [], bh = [];
      as.forEach(function (a) {
        if (a.duration_s > 0) { bx.push(a.x_h, a.x_h + a.duration_s / 3600, null); by.push(0.93, 0.93, null); bh.push(anomalyHover(a), anomalyHover(a), null); }
      });
      traces.push({ type: 'scatter', mode: 'markers', name: 'Anomalies (' + D.anomalies.length + ')', legendgroup: 'anomalies',
        showlegend: first, x: as.map(function (a) { return a.x_h; }), y: as.map(function () { return 0.93; }),
        yaxis: axis, marker: { color: '#d62728', symbol: 'x', size: 10, line: { width: 2, color: '#d62728' } },
        hovertext: as.map(anomalyHover), hoverinfo: 'text', hoverlabel: { align: 'left' } });
      if (bx.length) traces.push({ type: 'scatter', mode: 'lines', name: 'anomaly extent', legendgroup: 'anomalies',
        showlegend: false, x: bx, y: by, yaxis: axis, line: { color: '#d62728', width: 4 }, opacity: 0.6,
        hovertext: bh, hoverinfo: 'text', hoverlabel: { align: 'left' } });
      first = false;
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
        out.push({ x: markX(e), xref: 'x', y: plotRows[0].domain[1], yref: 'paper', yanchor: 'top', xanchor: 'right',
          text: esc(e.label), textangle: -90, showarrow: false, font: { size: 9, color: STYLE[e.type].color } });
      });
    lastPx = -1e9;
    if (D.runs.length > 1) D.runs.forEach(function (r) {
      if (r.end_h < x0 || r.start_h > x1) return;
      var px = (Math.max(r.start_h, x0) - x0) * pxPerH;
      if (px - lastPx < 120) return;
      lastPx = px;
      out.push({ x: Math.max(r.start_h, x0), xref: 'x', y: plotRows[0].domain[0], yref: 'paper', yanchor: 'bottom',
        xanchor: 'left', text: esc(runName(r)), showarrow: false, font: { size: 10, color: '#888' } });
    });
    if (D.cutoff_h !== null && D.cutoff_h >= x0 && D.cutoff_h <= x1)
      out.push({ x: D.cutoff_h, xref: 'x', y: plotRows[0].domain[1], yref: 'paper', yanchor: 'bottom', xanchor: 'right',
        text: 'idle cutoff ' + esc(D.cutoff_time.replace('T', ' ').slice(0, 19)), showarrow: false,
        font: { size: 10, color: 'red' } });
    return out;
  }

  /* ---- the view: levels for the visible range ---- */
  var note = document.getElementById('gv-note'), state = { x0: 0, x1: xmax, views: [] };
  function viewUpdate(x0, x1) {
    var xs = [], ys = [], texts = [], idx = [], views = [];
    seriesTraces.forEach(function (st) {
      var v = seriesView(st.s, x0, x1);
      xs.push(v.x); ys.push(v.y); texts.push(v.x.map(function (x) { return x === null ? null : wall(x); }));
      idx.push(st.trace); views.push(v);
    });
    state = { x0: x0, x1: x1, views: views };
    if (!views.length) { note.textContent = fmtInt(D.rows_read) + ' samples read.'; return null; }
    var v0 = views[0], every = v0.width_h <= D.sample_interval_h * 1.001;
    var skipped = D.rows_skipped ? ' (' + fmtInt(D.rows_skipped) + ' bad rows skipped)' : '';
    note.textContent = fmtInt(D.rows_read) + ' samples' + skipped + '; ' +
      (every ? 'showing every sample in view' :
        'showing the min and max of ' + fmtInt(Math.min(v0.buckets, Math.ceil((x1 - x0) / v0.width_h))) + ' buckets of ' +
        fmtWidth(v0.width_h) + ' (level ' + (v0.levels - v0.level) + ' of ' + v0.levels + ')' +
        (v0.level > 0 ? '; zoom for detail' : '')) +
      (D.cutoff_h !== null ? '; samples after the idle cutoff at ' + D.cutoff_time.replace('T', ' ') + ' are not plotted' : '') + '.';
    return { x: xs, y: ys, text: texts, idx: idx };
  }
  var first = viewUpdate(0, xmax);
  if (first) first.idx.forEach(function (t, i) { traces[t].x = first.x[i]; traces[t].y = first.y[i]; traces[t].text = first.text[i]; });
  layout.annotations = labels(0, xmax);

  var busy = false;
  function onRange(x0, x1) {
    x0 = Math.max(0, x0); x1 = Math.min(xmax, x1);
    var u = viewUpdate(x0, x1);
    busy = true;
    var p = u ? Plotly.restyle(plotDiv, { x: u.x, y: u.y, text: u.text }, u.idx) : Promise.resolve();
    return p.then(function () { return Plotly.relayout(plotDiv, { annotations: labels(x0, x1) }); })
      .then(function () { busy = false; }, function () { busy = false; });
  }
  function zoomTo(a, b) {
    var pad = Math.max((b - a) * 0.5, 60 / 3600);
    return Plotly.relayout(plotDiv, { 'xaxis.range': [Math.max(0, a - pad), Math.min(xmax, b + pad)] });
  }

  Plotly.newPlot(plotDiv, traces, layout, { responsive: true, displaylogo: false }).then(function () {
    plotDiv.on('plotly_relayout', function (ev) {
      if (busy || !ev) return;
      if ('xaxis.autorange' in ev) return onRange(0, xmax);
      if (!('xaxis.range[0]' in ev || 'xaxis.range' in ev)) return;
      var r = plotDiv.layout.xaxis.range;
      onRange(Number(r[0]), Number(r[1]));
    });
    /* one click on an event type (or the runs) in the legend hides or shows it everywhere: its
     * lines in every row, its windows, markers and labels; GPU series toggle one by one */
    plotDiv.on('plotly_legendclick', function (ev) {
      var g = ev.data[ev.curveNumber].legendgroup;
      if (TYPES.indexOf(g) < 0 && g !== 'runs') return true;
      hiddenTypes[g] = !hiddenTypes[g];
      var idx = [];
      plotDiv.data.forEach(function (t, i) { if (t.legendgroup === g) idx.push(i); });
      Plotly.restyle(plotDiv, { visible: hiddenTypes[g] ? 'legendonly' : true }, idx).then(function () {
        return Plotly.relayout(plotDiv, { annotations: labels(state.x0, state.x1) });
      });
      return false;
    });
    window.gvReport = { zoom: function (a, b) { return Plotly.relayout(plotDiv, { 'xaxis.range': [a, b] }); },
      state: function () { return state; }, data: D };
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

  sec.appendChild(el('h2', 'Anomalies (' + D.anomalies.length + ')'));
  var ul = el('ul'); ul.id = 'gv-anomalies';
  D.anomalies.forEach(function (a) {
    var li = el('li'), link = el('a', a.timestamp.replace('T', ' ') + '  ' + a.kind + ': ' + a.message);
    link.href = '#gv-plot'; link.className = 'zoom';
    link.addEventListener('click', function (ev) { ev.preventDefault(); zoomTo(a.x_h, a.x_h + a.duration_s / 3600); plotDiv.scrollIntoView(); });
    li.appendChild(link); ul.appendChild(li);
  });
  if (!D.anomalies.length) ul.appendChild(el('li', 'none'));
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
