/* report.js: draws the gpuviz report from the JSON in #gv-data with Plotly.
 * Every string from the inputs is inserted with textContent or passed through esc() before it
 * reaches Plotly's hover/annotation text, so log content can never become markup. */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('gv-data').textContent);
  var STYLE = {
    validation: { name: 'Validation', color: '#1f77b4', dash: 'dot', width: 1, symbol: 'triangle-down' },
    evaluation: { name: 'Evaluation', color: '#2ca02c', dash: 'dash', width: 1.5, symbol: 'diamond' },
    checkpoint: { name: 'Checkpoint', color: '#9467bd', dash: 'solid', width: 2, symbol: 'square' }
  };
  var GPU_COLORS = ['#d62728', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#1f77b4'];
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;

  function esc(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }
  function wall(h) { return new Date(D.t0_ms + h * 3600000).toISOString().replace('T', ' ').replace('Z', ''); }
  function fmtDur(h) {
    var s = Math.round(h * 3600), hh = Math.floor(s / 3600), mm = Math.floor(s % 3600 / 60), ss = s % 60;
    return hh + ' h ' + (mm < 10 ? '0' : '') + mm + ' min' + (hh ? '' : ' ' + (ss < 10 ? '0' : '') + ss + ' s');
  }
  function num(v, d) { return v === null || v === undefined ? 'n/a' : Number(v).toFixed(d); }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }

  /* ---- header and notes ---- */
  var meta = document.getElementById('gv-meta');
  function metaItem(k, v) { var s = el('span'); s.appendChild(document.createTextNode(k + ': ')); s.appendChild(el('b', v)); meta.appendChild(s); }
  metaItem('GPU CSV', D.csv);
  metaItem('training log', D.log === null ? 'none' : D.log);
  metaItem('time', D.start.replace('T', ' ') + ' \u2192 ' + D.end.replace('T', ' '));
  metaItem('duration', fmtDur(D.end_h));
  metaItem('GPUs', String(D.gpus.length));
  D.gpus.forEach(function (g) { if (g.energy_wh !== undefined) metaItem('GPU' + g.index + ' energy', num(g.energy_wh, 1) + ' Wh'); });
  var buckets = D.series.length ? Math.round(D.points_shown / D.series.length / 2) : 0;
  document.getElementById('gv-note').textContent =
    D.rows_read.toLocaleString('en-US') + ' samples read' +
    (D.rows_skipped ? ' (' + D.rows_skipped.toLocaleString('en-US') + ' bad rows skipped)' : '') +
    '; showing the min and max of about ' + buckets.toLocaleString('en-US') + ' time buckets per series (' +
    D.points_shown.toLocaleString('en-US') + ' points)' +
    (D.cutoff_h !== null ? '; samples after the idle cutoff at ' + D.cutoff_time.replace('T', ' ') + ' are not plotted' : '') + '.';

  /* ---- rows ---- */
  var rowDefs = [
    { key: 'power', title: 'Power (W)', match: function (s) { return s.kind.indexOf('power') === 0; } },
    { key: 'temp', title: 'Temperature (\u00b0C)', match: function (s) { return s.kind === 'temp'; } },
    { key: 'other', title: 'Other', match: function (s) { return s.kind === 'other'; } }
  ].filter(function (r) { return D.series.some(r.match); });
  if (!rowDefs.length) rowDefs = [{ key: 'power', title: 'Power (W)', match: function () { return false; } }];
  var R = rowDefs.length, gap = 0.06, h = (1 - gap * (R - 1)) / R;
  var layout = {
    height: Math.max(560, window.innerHeight * 0.78),
    margin: { l: 64, r: 24, t: 36, b: 48 },
    hovermode: 'closest',
    showlegend: true,
    legend: { orientation: 'h', y: 1.06, x: 0, font: { size: 11 } },
    paper_bgcolor: dark ? '#15181e' : '#ffffff',
    plot_bgcolor: dark ? '#1b1f27' : '#ffffff',
    font: { color: dark ? '#e4e7ee' : '#1d2330' },
    xaxis: { title: { text: 'hours since monitoring start' }, anchor: 'y' + (R > 1 ? R : ''), domain: [0, 1],
             gridcolor: dark ? '#2a303b' : '#eceff3', zeroline: false },
    annotations: [], shapes: []
  };
  rowDefs.forEach(function (r, i) {
    var top = 1 - i * (h + gap), dom = [Math.max(0, top - h), top];
    r.axis = 'y' + (i ? i + 1 : ''); r.evAxis = 'y' + (R + i + 1); r.domain = dom;
    layout['yaxis' + (i ? i + 1 : '')] = { title: { text: r.title }, domain: dom, anchor: 'x',
      gridcolor: dark ? '#2a303b' : '#eceff3', zeroline: false };
    layout['yaxis' + (R + i + 1)] = { domain: dom, range: [0, 1], visible: false, fixedrange: true,
      overlaying: r.axis, tickmode: 'auto', anchor: 'x' };
  });

  var traces = [];
  D.series.forEach(function (s) {
    var row = rowDefs.filter(function (r) { return r.match(s); })[0];
    if (!row) return;
    var text = s.x.map(wall);
    var color = s.gpu >= 0 ? GPU_COLORS[s.gpu % GPU_COLORS.length] : undefined;
    traces.push({
      type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y, yaxis: row.axis, text: text,
      line: { width: 1, color: color, dash: s.kind === 'power_avg' ? 'dot' : 'solid' },
      opacity: s.kind === 'power_avg' ? 0.8 : 1,
      hovertemplate: '%{text}<br>%{x:.4f} h<br>%{y:.2f} ' + esc(s.unit) + '<extra>' + esc(s.name) + '</extra>'
    });
  });

  function eventHover(e) {
    var st = STYLE[e.type], lines = ['<b>' + esc(st.name) + (e.step !== null ? ' \u00b7 step ' + e.step : '') + '</b>'];
    Object.keys(e.metrics).forEach(function (k) { lines.push(esc(k) + ': ' + (e.metrics[k] === null ? 'n/a' : e.metrics[k])); });
    if (e.checkpoint) lines.push(esc(e.checkpoint.kind + ' ' + e.checkpoint.model_tag + ' ' + e.checkpoint.model_id) + ', ' + e.checkpoint.files + ' files');
    lines.push(esc(e.timestamp.replace('T', ' ')) + ' (' + num(e.x_h, 4) + ' h)');
    if (e.duration_s > 0) lines.push('duration ' + num(e.duration_s, 1) + ' s');
    lines.push('log line ' + e.line);
    e.gpu.forEach(function (g) {
      var s = 'GPU' + g.index + ': ' + num(g.power_w, 0) + ' W, ' + num(g.temp_c, 0) + ' \u00b0C';
      if (g.energy_wh !== undefined && g.energy_wh !== null) s += '; window mean ' + num(g.mean_power_w, 0) + ' W, ' + num(g.energy_wh, 2) + ' Wh';
      lines.push(s);
    });
    return lines.join('<br>');
  }

  Object.keys(STYLE).forEach(function (type) {
    var evs = D.events.filter(function (e) { return e.type === type; });
    if (!evs.length) return;
    var st = STYLE[type], xs = [], ys = [];
    evs.forEach(function (e) { xs.push(e.x_h, e.x_h, null); ys.push(0, 1, null); });
    rowDefs.forEach(function (r, i) {
      traces.push({ type: 'scatter', mode: 'lines', x: xs, y: ys, yaxis: r.evAxis, name: st.name + ' (' + evs.length + ')',
        legendgroup: type, showlegend: i === 0, hoverinfo: 'skip',
        line: { color: st.color, dash: st.dash, width: st.width }, opacity: 0.7 });
    });
    traces.push({ type: 'scatter', mode: 'markers', x: evs.map(function (e) { return e.x_h; }),
      y: evs.map(function () { return 0.985; }), yaxis: rowDefs[0].evAxis, legendgroup: type, showlegend: false,
      name: st.name, marker: { color: st.color, symbol: st.symbol, size: 9 },
      hovertext: evs.map(eventHover), hoverinfo: 'text', hoverlabel: { align: 'left' } });
  });

  if (D.anomalies.length) {
    traces.push({ type: 'scatter', mode: 'markers', name: 'Anomalies (' + D.anomalies.length + ')',
      x: D.anomalies.map(function (a) { return a.x_h; }), y: D.anomalies.map(function () { return 0.93; }),
      yaxis: rowDefs[0].evAxis, marker: { color: '#d62728', symbol: 'x', size: 10, line: { width: 2 } },
      hovertext: D.anomalies.map(function (a) {
        return '<b>' + esc(a.kind) + '</b><br>' + esc(a.message) + '<br>' + esc(a.timestamp.replace('T', ' '));
      }), hoverinfo: 'text', hoverlabel: { align: 'left' } });
  }

  if (D.cutoff_h !== null) {
    rowDefs.forEach(function (r, i) {
      traces.push({ type: 'scatter', mode: 'lines', x: [D.cutoff_h, D.cutoff_h], y: [0, 1], yaxis: r.evAxis,
        name: 'idle cutoff', legendgroup: 'cutoff', showlegend: i === 0, hoverinfo: 'skip',
        line: { color: 'red', dash: 'dash', width: 1.5 } });
    });
  }

  /* ---- labels: only on the top row, thinned so that none overlap at the current zoom ---- */
  var plotDiv = document.getElementById('gv-plot');
  var LABEL_PX = 13;
  function labels(x0, x1) {
    var width = plotDiv.clientWidth - layout.margin.l - layout.margin.r;
    var pxPerH = width / Math.max(1e-9, x1 - x0), out = [], lastPx = -1e9;
    var cands = D.events.filter(function (e) { return e.x_h >= x0 && e.x_h <= x1; })
      .sort(function (a, b) { return a.x_h - b.x_h; });
    cands.forEach(function (e) {
      var px = (e.x_h - x0) * pxPerH;
      if (px - lastPx < LABEL_PX) return;
      lastPx = px;
      out.push({ x: e.x_h, xref: 'x', y: rowDefs[0].domain[1], yref: 'paper', yanchor: 'top', xanchor: 'right',
        text: esc(e.label), textangle: -90, showarrow: false, font: { size: 9, color: STYLE[e.type].color } });
    });
    if (D.cutoff_h !== null && D.cutoff_h >= x0 && D.cutoff_h <= x1)
      out.push({ x: D.cutoff_h, xref: 'x', y: rowDefs[0].domain[1], yref: 'paper', yanchor: 'bottom', xanchor: 'right',
        text: 'idle cutoff ' + esc(D.cutoff_time.replace('T', ' ').slice(0, 19)), showarrow: false,
        font: { size: 10, color: 'red' } });
    return out;
  }
  var xmax = D.cutoff_h !== null ? D.cutoff_h : D.end_h;
  layout.xaxis.range = [0, xmax > 0 ? xmax : 1];
  layout.annotations = labels(layout.xaxis.range[0], layout.xaxis.range[1]);

  Plotly.newPlot(plotDiv, traces, layout, { responsive: true, displaylogo: false }).then(function () {
    plotDiv.on('plotly_relayout', function (ev) {
      if (!ev || !('xaxis.range[0]' in ev || 'xaxis.autorange' in ev || 'xaxis.range' in ev)) return;
      var r = plotDiv.layout.xaxis.range;
      Plotly.relayout(plotDiv, { annotations: labels(Number(r[0]), Number(r[1])) });
    });
    document.body.setAttribute('data-gv-ready', '1');
  });

  /* ---- statistics table ---- */
  var sec = document.getElementById('gv-stats');
  sec.appendChild(el('h2', 'Per GPU'));
  var tbl = el('table'), hr = el('tr');
  ['GPU', 'power column', 'mean W', 'min W', 'max W', 'energy Wh', 'mean \u00b0C', 'max \u00b0C']
    .forEach(function (t) { hr.appendChild(el('th', t)); });
  tbl.appendChild(hr);
  D.gpus.forEach(function (g) {
    var tr = el('tr'), p = g.power_w || {}, t = g.temp_c || {};
    ['GPU' + g.index, g.power_column || '', num(p.mean, 1), num(p.min, 1), num(p.max, 1), num(g.energy_wh, 2), num(t.mean, 1), num(t.max, 0)]
      .forEach(function (v) { tr.appendChild(el('td', v)); });
    tbl.appendChild(tr);
  });
  sec.appendChild(tbl);
  sec.appendChild(el('h2', 'Phases'));
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
  var ul = el('ul');
  D.anomalies.forEach(function (a) { ul.appendChild(el('li', a.timestamp.replace('T', ' ') + '  ' + a.kind + ': ' + a.message)); });
  if (!D.anomalies.length) ul.appendChild(el('li', 'none'));
  sec.appendChild(ul);
  var counts = {};
  D.events.forEach(function (e) { counts[e.type] = (counts[e.type] || 0) + 1; });
  sec.appendChild(el('p', 'Events: ' + Object.keys(STYLE).map(function (k) { return (counts[k] || 0) + ' ' + k; }).join(', ') + '.', 'note'));
})();
