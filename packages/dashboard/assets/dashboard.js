// peakdrill client script (dashboard and report): draws the charts from the page's inline
// data (#pd-data), follows a live run over server-sent events, and loads the full-resolution
// series on request. All text from scenario authors reaches the DOM through textContent or
// the canvas, never as markup.
(function () {
  'use strict';
  var dataEl = document.getElementById('pd-data');
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent || '{}');

  document.querySelectorAll('[data-width]').forEach(function (el) { el.style.width = el.getAttribute('data-width') + '%'; });

  // Okabe–Ito: distinguishable with every common colour-vision deficiency.
  var C = { blue: '#0072B2', orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442', vermillion: '#D55E00', purple: '#CC79A7', black: '#222222', grey: '#7a828c' };
  var CYCLE = [C.blue, C.orange, C.green, C.vermillion, C.purple, C.sky, C.black, C.grey];
  var DASHES = [[], [6, 3], [2, 2], [10, 3, 2, 3]];
  var OUTCOME_COLORS = { http_5xx: C.vermillion, http_4xx: C.orange, shed: C.purple, timeout: C.black, check_failed: C.sky, connect_refused: C.blue, reset: C.green, other: C.grey };
  var OUTCOME_LABELS = { http_5xx: 'HTTP 5xx', http_4xx: 'HTTP 4xx', shed: 'shed (expected, e.g. 429)', timeout: 'timeout', check_failed: 'check failed', connect_refused: 'connection refused', reset: 'connection reset', other: 'other' };

  // figures are written by core's one formatter (served as figures.js, loaded before this file)
  var F = window.pdFigures;
  function nf(v, d) { return F.formatNumber(v, d || 0, true); }
  var fmtMs = F.formatMs, clock = F.formatClock, fmtDuration = F.formatDuration;
  function pts(a) { var out = new Array(a ? a.length : 0); for (var i = 0; i < out.length; i++) out[i] = { x: a[i][0], y: a[i][1] }; return out; }
  function text(el, s) { if (el) el.textContent = s; }

  var hasChart = typeof window.Chart === 'function';
  if (hasChart) {
    var rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    Chart.defaults.font.size = Math.round(rootPx * 0.8);
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.color = '#3d4550';
    Chart.defaults.animation = false;
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.plugins.legend.labels.boxWidth = 18;
    Chart.defaults.plugins.legend.labels.boxHeight = 2;
    Chart.defaults.elements.point.radius = 0;
    Chart.defaults.elements.line.borderWidth = 2;
    Chart.defaults.elements.line.tension = 0;
  }

  // Vertical marks on time charts: the verdict window (shaded), faults (orange bands) and the abort (dashed line).
  var marks = { id: 'pdMarks', afterDatasetsDraw: function (chart, args, opts) {
    var x = chart.scales.x; if (!x || !opts || x.type !== 'linear') return;
    var ctx = chart.ctx, area = chart.chartArea;
    ctx.save();
    if (opts.window) {
      var a = Math.max(area.left, x.getPixelForValue(opts.window.fromS)), b = Math.min(area.right, x.getPixelForValue(opts.window.toS));
      if (b > a) { ctx.fillStyle = 'rgba(0,114,178,0.07)'; ctx.fillRect(a, area.top, b - a, area.bottom - area.top); }
    }
    (opts.faults || []).forEach(function (f) {
      var fa = Math.max(area.left, x.getPixelForValue(f.fromS)), fb = Math.min(area.right, x.getPixelForValue(f.toS));
      if (fb <= fa) return;
      ctx.fillStyle = 'rgba(230,159,0,0.16)'; ctx.fillRect(fa, area.top, fb - fa, area.bottom - area.top);
      ctx.fillStyle = '#9a6a00'; ctx.textAlign = 'left'; ctx.fillText('⚡ ' + f.name, fa + 3, area.top + 12);
    });
    (opts.broken || []).forEach(function (t) {
      var bx = x.getPixelForValue(t + 0.5);
      if (bx < area.left || bx > area.right) return;
      ctx.fillStyle = C.vermillion; ctx.fillRect(bx - 1.5, area.bottom - 6, 3, 6);
    });
    // live changes (control.ndjson): a dotted line where each took effect
    (opts.changes || []).forEach(function (c) {
      var cx = x.getPixelForValue(c.atS);
      if (cx < area.left || cx > area.right) return;
      ctx.strokeStyle = C.purple; ctx.setLineDash([2, 3]); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(cx, area.top); ctx.lineTo(cx, area.bottom); ctx.stroke();
      ctx.setLineDash([]); ctx.fillStyle = C.purple; ctx.textAlign = 'left';
      ctx.fillText(c.command + (c.level !== undefined ? ' ' + nf(c.level) : ''), cx + 3, area.bottom - 8);
    });
    if (opts.abortS !== undefined && opts.abortS !== null) {
      var px = x.getPixelForValue(opts.abortS);
      if (px >= area.left && px <= area.right) {
        ctx.strokeStyle = C.vermillion; ctx.setLineDash([5, 4]); ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]); ctx.fillStyle = C.vermillion; ctx.textAlign = 'right'; ctx.fillText('abort ■', px - 4, area.top + 12);
      }
    }
    ctx.restore();
  } };

  // Each fault as a band from its injection to its undo (the planned seconds when it never ran).
  function faultBands(s) {
    return (s.faults || []).map(function (f) {
      var from = f.injectedAtS !== undefined ? f.injectedAtS : f.plannedS.fromS;
      var to = f.undoneAtS !== undefined ? f.undoneAtS : f.plannedS.toS;
      return { name: f.name, fromS: from, toS: to };
    });
  }

  // Seconds that broke a hold stage's steadiness (any link), ticked under the charts.
  function brokenSeconds(s) {
    var seen = {};
    (s.steadiness || []).forEach(function (st) { st.links.forEach(function (l) { l.broken.forEach(function (b) { seen[b.t] = true; }); }); });
    return Object.keys(seen).map(Number);
  }

  // A round tick step (1 s … 1 h) giving at most ~8 ticks over the run.
  function timeStep(lastT) {
    var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    for (var i = 0; i < steps.length; i++) if (lastT / steps[i] <= 8) return steps[i];
    return 14400;
  }

  function timeOptions(title, yTitle, extra) {
    var s = data.summary || {};
    var win = null;
    (s.links || []).forEach(function (l) { if (!win && l.verdict && l.verdict.window) win = l.verdict.window; });
    var o = {
      responsive: true, parsing: false, normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        title: { display: true, text: title, align: 'start', font: { weight: '600', size: Math.round((Chart.defaults.font.size || 12) * 1.15) }, color: '#1b1f24' },
        legend: { position: 'bottom' },
        tooltip: { callbacks: { title: function (items) { return items.length ? 't = ' + clock(items[0].parsed.x) : ''; } } },
        pdMarks: { window: win, abortS: s.abort ? s.abort.atS : null, faults: faultBands(s), broken: brokenSeconds(s), changes: data.control || [] },
      },
      scales: {
        x: { type: 'linear', min: 0, max: Math.max(1, (data.series && data.series.lastT) || 1), title: { display: true, text: 'time since start (min:s)' }, ticks: { stepSize: timeStep(Math.max(1, (data.series && data.series.lastT) || 1)), includeBounds: false, maxRotation: 0, callback: function (v) { return Number.isInteger(v) ? clock(v) : ''; } } },
        y: { beginAtZero: true, grace: '5%', title: { display: true, text: yTitle }, ticks: { callback: function (v) { return nf(v, v < 10 && v % 1 ? 1 : 0); } } },
      },
    };
    if (extra) extra(o);
    return o;
  }

  function ds(label, points, color, more) {
    var d = { label: label, data: pts(points), borderColor: color, backgroundColor: color, pointRadius: 0, pointHitRadius: 6, borderWidth: 2, spanGaps: true };
    if (more) for (var k in more) d[k] = more[k];
    return d;
  }

  var charts = {};
  function make(canvas, config) {
    var key = canvas.getAttribute('data-chart') + ':' + canvas.getAttribute('data-link');
    if (charts[key]) charts[key].destroy();
    config.plugins = [marks];
    charts[key] = new Chart(canvas, config);
    return charts[key];
  }

  // ---- run page -------------------------------------------------------------------------
  function linkTimeChart(canvas, kind, l) {
    var lastT = Math.max(1, data.series.lastT);
    if (kind === 'rps') {
      var sets = [ds('achieved', l.rps, C.blue, { pdKey: 'rps', fill: { target: 'origin', above: 'rgba(0,114,178,0.10)' } })];
      if (l.planned.length) sets.unshift(ds('planned', l.planned, C.black, { pdKey: 'planned', borderDash: [6, 4], borderWidth: 1.5 }));
      return make(canvas, { type: 'line', data: { datasets: sets }, options: timeOptions('Achieved vs planned rate', 'req/s') });
    }
    if (kind === 'latency') {
      return make(canvas, { type: 'line', data: { datasets: [
        ds('p50', l.p50, C.green, { pdKey: 'p50' }), ds('p90', l.p90, C.orange, { pdKey: 'p90', borderDash: [6, 3] }), ds('p99', l.p99, C.vermillion, { pdKey: 'p99', borderWidth: 2.5 }),
      ] }, options: timeOptions('Latency over time (from scheduled send)', 'latency (ms)') });
    }
    if (kind === 'outcomes') {
      var classes = Object.keys(l.outcomes);
      var sets2 = classes.map(function (k) { return ds(OUTCOME_LABELS[k] || k, l.outcomes[k], OUTCOME_COLORS[k] || C.grey, { pdKey: 'outcome:' + k }); });
      if (!sets2.length) sets2 = [ds('no errors, no sheds', [[0, 0], [lastT, 0]], C.green, { pdKey: 'none' })];
      return make(canvas, { type: 'line', data: { datasets: sets2 }, options: timeOptions('Errors and sheds by class', 'req/s', function (o) { o.scales.y.suggestedMax = 1; }) });
    }
    return null;
  }

  function isDecade(v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9; }
  function percentileX(p, maxX) { return p >= 100 ? maxX : 1 / (1 - p / 100); }
  function curvePoints(curve) {
    var maxX = 1;
    curve.forEach(function (c) { if (c.p < 100) maxX = Math.max(maxX, 1 / (1 - c.p / 100)); });
    maxX = Math.pow(10, Math.ceil(Math.log10(maxX * 1.5)));
    return curve.map(function (c) { return { x: percentileX(c.p, maxX), y: c.ms }; });
  }
  function percentileOptions(title) {
    return {
      responsive: true, parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        title: { display: true, text: title, align: 'start', font: { weight: '600', size: Math.round((Chart.defaults.font.size || 12) * 1.15) }, color: '#1b1f24' },
        legend: { position: 'bottom' },
        tooltip: { callbacks: { title: function (items) { if (!items.length) return ''; var x = items[0].parsed.x; return 'p' + pctLabel(x); } } },
      },
      scales: {
        x: { type: 'logarithmic', min: 1, title: { display: true, text: 'percentile (log scale: each step is one more nine)' },
          ticks: { autoSkip: false, maxRotation: 0, callback: function (v) { return isDecade(v) ? pctLabel(v) + '%' : ''; } },
          grid: { color: function (c) { return c.tick && isDecade(c.tick.value) ? 'rgba(0,0,0,0.14)' : 'rgba(0,0,0,0.03)'; } } },
        y: { beginAtZero: true, title: { display: true, text: 'latency (ms)' } },
      },
    };
  }
  function pctLabel(x) { var p = 100 * (1 - 1 / x); var d = Math.max(0, Math.round(Math.log10(x)) - 2); return p >= 99.99999 ? p.toFixed(Math.min(6, d + 1)).replace(/0+$/, '').replace(/\.$/, '') : nf(p, d); }

  function percentileChart(canvas, linkName, curves) {
    var entry = (curves || []).find(function (c) { return c.link === linkName; });
    var sets = entry && entry.curve.length ? [ds(linkName + ' (whole run, ' + nf(entry.count) + ' requests)', [], C.blue, { data: curvePoints(entry.curve), fill: { target: 'origin', above: 'rgba(0,114,178,0.08)' } })] : [];
    var chart = make(canvas, { type: 'line', data: { datasets: sets }, options: percentileOptions(curves ? 'Latency by percentile' : 'Latency by percentile (loading…)') });
    return chart;
  }

  function hopsChart(canvas, link) {
    var hops = (link && link.hops) || [];
    return make(canvas, { type: 'bar', data: { labels: hops.map(function (h) { return h.name; }), datasets: [
      { label: 'p50', data: hops.map(function (h) { return h.p50; }), backgroundColor: C.sky, borderColor: C.blue, borderWidth: 1 },
      { label: 'p99', data: hops.map(function (h) { return h.p99; }), backgroundColor: C.orange, borderColor: C.vermillion, borderWidth: 1 },
    ] }, options: { indexAxis: 'y', responsive: true, plugins: {
      title: { display: true, text: 'Server-Timing by hop (where the time goes)', align: 'start', font: { weight: '600', size: Math.round((Chart.defaults.font.size || 12) * 1.15) }, color: '#1b1f24' },
      legend: { position: 'bottom' } },
      scales: { x: { beginAtZero: true, title: { display: true, text: 'time in hop (ms)' } }, y: { title: { display: false } } } } });
  }

  function overviewChart(canvas, kind) {
    var sets = data.series.links.map(function (l, i) {
      return ds(l.link, kind === 'overview-rps' ? l.rps : l.p99, CYCLE[i % CYCLE.length], { borderDash: DASHES[Math.floor(i / CYCLE.length) % DASHES.length], pdKey: kind === 'overview-rps' ? 'rps' : 'p99', pdLink: l.link });
    });
    return make(canvas, { type: 'line', data: { datasets: sets }, options: timeOptions(kind === 'overview-rps' ? 'Achieved rate, every link' : 'p99 latency, every link', kind === 'overview-rps' ? 'req/s' : 'p99 (ms)') });
  }

  // observe: the target's own series (one chart per source), on the same time axis as ours
  function observeChart(canvas, source) {
    if (!source) return null;
    var sets = source.series.map(function (s, k) { return ds(s.perSecond ? s.name + ' /s' : s.name, s.points, CYCLE[k % CYCLE.length]); });
    return make(canvas, { type: 'line', data: { datasets: sets }, options: timeOptions(source.name, 'value') });
  }

  function drawOne(canvas) {
    var kind = canvas.getAttribute('data-chart');
    var i = Number(canvas.getAttribute('data-link'));
    var l = data.series.links[i];
    try {
      if (kind === 'observe') observeChart(canvas, (data.observe || [])[i]);
      else if (kind === 'overview-rps' || kind === 'overview-p99') overviewChart(canvas, kind);
      else if (kind === 'percentiles') percentileChart(canvas, l.link, data.percentiles);
      else if (kind === 'hops') hopsChart(canvas, (data.summary.links || []).find(function (x) { return x.name === l.link; }));
      else linkTimeChart(canvas, kind, l);
    } catch (e) { console.error('chart ' + kind + ' failed', e); }
  }

  // Charts on (or near) the first screen are drawn at once; the rest a few per frame, so a run
  // of ten links shows its top within a blink and the page stays responsive while it fills.
  var pendingWork = 2; // the chart queue and the percentile curves
  function workDone() { if (--pendingWork === 0) ready(); }
  function drawRunCharts() {
    var all = Array.prototype.slice.call(document.querySelectorAll('canvas[data-chart]'));
    var fold = window.innerHeight * 1.5;
    var later = [];
    all.forEach(function (c) { if (c.getBoundingClientRect().top < fold) drawOne(c); else later.push(c); });
    (function next() {
      if (!later.length) { workDone(); return; }
      later.splice(0, 4).forEach(drawOne);
      setTimeout(next, 0);
    })();
  }

  // Set once every chart is drawn with its data (tests and bench/dashboard-open.mjs wait for it).
  function ready() { window.__pdReady = true; document.documentElement.setAttribute('data-ready', '1'); }

  function loadPercentiles() {
    if (data.percentiles || !data.api) { workDone(); return; }
    fetch(data.api + '/percentiles', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
      data.percentiles = j.links || [];
      document.querySelectorAll('canvas[data-chart="percentiles"]').forEach(function (canvas) {
        percentileChart(canvas, data.series.links[Number(canvas.getAttribute('data-link'))].link, data.percentiles);
      });
      workDone();
    }).catch(function (e) { console.error('percentiles', e); });
  }

  function fullResolution(btn) {
    btn.disabled = true; btn.textContent = 'Loading…';
    fetch(data.api + '/timeseries?maxPoints=0', { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
      data.series = { links: j.links, lastT: j.lastT, resolutionS: 1, maxPoints: 0 };
      document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
        var kind = canvas.getAttribute('data-chart');
        if (kind === 'percentiles' || kind === 'hops' || kind === 'observe') return;
        var i = Number(canvas.getAttribute('data-link'));
        if (kind.indexOf('overview') === 0) overviewChart(canvas, kind); else linkTimeChart(canvas, kind, data.series.links[i]);
      });
      text(document.querySelector('[data-resolution]'), 'full resolution (1 point per second)');
      btn.textContent = 'Full resolution ✓';
    }).catch(function () { btn.disabled = false; btn.textContent = 'Full resolution (retry)'; });
  }

  // ---- live -------------------------------------------------------------------------------
  function followLive() {
    var totals = data.totals || {};
    var latest = {};
    var es = new EventSource(data.api + '/live?from=' + data.offset);
    var pending = false;
    var reloading = false;
    var lastSeen = data.series.lastT;
    // Faults of the running drill, from faults.ndjson as it grows: name → band; one still on reaches the latest second.
    var liveFaults = {};
    function liveBands() {
      var out = faultBands(data.summary || {});
      Object.keys(liveFaults).forEach(function (name) {
        if (out.some(function (b) { return b.name === name; })) return;
        var f = liveFaults[name];
        out.push({ name: name, fromS: f.fromS, toS: f.toS !== null ? f.toS : Math.max(f.fromS + 1, lastSeen + 1) });
      });
      return out;
    }
    // Live changes (control.ndjson): the stream sends the file from its start on each connection,
    // so a change the page already has (from its inline data or an earlier connection) is skipped.
    data.control = data.control || [];
    var changeKeys = {};
    function changeKey(c) { return [c.atS, c.command, c.level, c.who, c.via].join('\u0000'); }
    data.control.forEach(function (c) { changeKeys[changeKey(c)] = true; });
    function redraw() {
      pending = false;
      data.series.lastT = lastSeen;
      var bands = liveBands();
      for (var k in charts) {
        var pm = charts[k].options.plugins && charts[k].options.plugins.pdMarks;
        if (pm) { pm.faults = bands; pm.changes = data.control; }
        var x = charts[k].options.scales && charts[k].options.scales.x;
        if (x && x.type === 'linear') { x.max = Math.max(1, lastSeen); x.ticks.stepSize = timeStep(Math.max(1, lastSeen)); }
        charts[k].data.datasets.forEach(function (d) { if (d.pdKey === 'none') d.data = [{ x: 0, y: 0 }, { x: Math.max(1, lastSeen), y: 0 }]; });
        charts[k].update('none');
      }
    }
    es.addEventListener('seconds', function (ev) {
      var lines = JSON.parse(ev.data);
      lines.forEach(function (line) {
        var t = totals[line.link] || (totals[line.link] = { lastT: -1, count: 0, errors: 0, shed: 0 });
        if (line.t <= t.lastT) return;
        t.lastT = line.t; t.count += line.count || 0; t.errors += line.errors || 0; t.shed += line.shed || 0;
        latest[line.link] = line;
        var i = data.series.links.findIndex(function (l) { return l.link === line.link; });
        if (i < 0) {
          // A link this page has no section for yet: reload once to lay it out.
          if (!reloading) { reloading = true; setTimeout(function () { location.reload(); }, 1500); }
          return;
        }
        var x = line.t;
        if (x > lastSeen) lastSeen = x;
        function push(kind, key, y) {
          var ch = charts[kind + ':' + i]; if (!ch) return;
          var d = ch.data.datasets.find(function (s) { return s.pdKey === key; });
          if (!d && key.indexOf('outcome:') === 0 && y > 0) {
            var cls = key.slice(8);
            ch.data.datasets = ch.data.datasets.filter(function (s) { return s.pdKey !== 'none'; });
            d = ds(OUTCOME_LABELS[cls] || cls, [], OUTCOME_COLORS[cls] || C.grey, { pdKey: key });
            ch.data.datasets.push(d);
          }
          if (d) d.data.push({ x: x, y: y });
        }
        push('rps', 'rps', line.rps); if (typeof line.planned === 'number') push('rps', 'planned', line.planned);
        var lat = line.latencyMs || {};
        push('latency', 'p50', lat.p50 || 0); push('latency', 'p90', lat.p90 || 0); push('latency', 'p99', lat.p99 || 0);
        var oc = line.outcomes || {};
        Object.keys(oc).forEach(function (k) { if (k !== 'ok') push('outcomes', 'outcome:' + k, oc[k]); });
        ['overview-rps:', 'overview-p99:'].forEach(function (key) {
          var ch = charts[key]; if (!ch) return;
          var d = ch.data.datasets.find(function (s) { return s.pdLink === line.link; });
          if (d) d.data.push({ x: x, y: key === 'overview-rps:' ? line.rps : (lat.p99 || 0) });
        });
      });
      var req = 0, err = 0, maxT = 0, rps = 0, p99 = 0;
      for (var k in totals) { req += totals[k].count; err += totals[k].errors; maxT = Math.max(maxT, totals[k].lastT); }
      for (var n in latest) { if (latest[n].t === maxT) { rps += latest[n].rps || 0; p99 = Math.max(p99, (latest[n].latencyMs || {}).p99 || 0); } }
      text(document.querySelector('[data-kpi="requests"]'), nf(req));
      var e = document.querySelector('[data-kpi="errors"]'); if (e) { e.textContent = nf(err) + ' '; var sm = document.createElement('small'); sm.textContent = req ? F.formatRatio(err / req) : ''; e.appendChild(sm); }
      var r = document.querySelector('[data-kpi="rps"]'); if (r) { r.textContent = nf(rps, rps < 100 ? 1 : 0) + ' '; var s2 = document.createElement('small'); s2.textContent = 'req/s now'; r.appendChild(s2); }
      text(document.querySelector('[data-kpi="p99"]'), fmtMs(p99));
      text(document.querySelector('[data-kpi="duration"]'), fmtDuration(maxT + 1) + ' so far');
      if (!pending) { pending = true; requestAnimationFrame(redraw); }
    });
    es.addEventListener('faults', function (ev) {
      JSON.parse(ev.data).forEach(function (e) {
        if (e.phase === 'inject' && e.ok) liveFaults[e.fault] = { fromS: e.atS, toS: null };
        else if (e.phase === 'undo' && liveFaults[e.fault]) liveFaults[e.fault].toS = e.atS;
      });
      if (!pending) { pending = true; requestAnimationFrame(redraw); }
    });
    es.addEventListener('control', function (ev) {
      JSON.parse(ev.data).forEach(function (c) {
        if (typeof c.atS !== 'number' || typeof c.command !== 'string' || changeKeys[changeKey(c)]) return;
        changeKeys[changeKey(c)] = true;
        // only what the mark shows (drawn on the canvas as text, never as markup)
        var mark = { atS: c.atS, command: c.command, who: String(c.who || ''), via: String(c.via || ''), unit: String(c.unit || '') };
        if (typeof c.level === 'number') mark.level = c.level;
        data.control.push(mark);
      });
      data.control.sort(function (a, b) { return a.atS - b.atS; });
      if (!pending) { pending = true; requestAnimationFrame(redraw); }
    });
    es.addEventListener('end', function () { es.close(); setTimeout(function () { location.reload(); }, 800); });
  }

  function runPage() {
    if (!hasChart) return;
    drawRunCharts();
    loadPercentiles();
    var btn = document.querySelector('[data-action="full-resolution"]');
    if (btn && data.api) btn.addEventListener('click', function () { fullResolution(btn); });
    if (data.status === 'live' && data.api && typeof EventSource === 'function') followLive();
  }

  // ---- runs list ----------------------------------------------------------------------------
  function runsPage() {
    document.querySelectorAll('select[data-filter]').forEach(function (s) { s.addEventListener('change', function () { s.form.submit(); }); });
    var form = document.querySelector('[data-compare-form]');
    if (form) {
      var btn = form.querySelector('[data-action="compare"]');
      var boxes = form.querySelectorAll('input[name="run"]');
      var sync = function () { var n = 0; boxes.forEach(function (b) { if (b.checked) n++; }); btn.disabled = n !== 2; };
      boxes.forEach(function (b) { b.addEventListener('change', sync); });
      sync();
    }
    // Live runs: refresh the list every 5 s while one is in progress.
    if (data.live > 0) setTimeout(function () { location.reload(); }, 5000);
  }

  // ---- compare ------------------------------------------------------------------------------
  function comparePage() {
    if (!hasChart || !data.base || !data.next) return;
    document.querySelectorAll('canvas[data-chart="compare-percentiles"]').forEach(function (canvas) {
      var link = data.links[Number(canvas.getAttribute('data-link'))].link;
      var b = data.base.percentiles.find(function (c) { return c.link === link; });
      var n = data.next.percentiles.find(function (c) { return c.link === link; });
      var sets = [];
      if (b && b.curve.length) sets.push(ds('base ' + data.base.id, [], C.blue, { data: curvePoints(b.curve), borderDash: [6, 4] }));
      if (n && n.curve.length) sets.push(ds('new ' + data.next.id, [], C.orange, { data: curvePoints(n.curve), borderWidth: 2.5 }));
      make(canvas, { type: 'line', data: { datasets: sets }, options: percentileOptions(link) });
    });
    ready();
  }

  if (data.page === 'run') runPage();
  else if (data.page === 'runs') runsPage();
  else if (data.page === 'compare') comparePage();
  else ready(); // pages drawn on the server (campaign)
})();
