// What every chart shares (run, live and compare pages): the palette, chart.js defaults, the
// marks drawn on time charts, the time and percentile axes, and the registry of drawn charts.
(function (pd) {
  'use strict';
  if (!pd) return;
  var data = pd.data, nf = pd.nf, clock = pd.F.formatClock;

  // Okabe–Ito: distinguishable with every common colour-vision deficiency.
  var C = pd.C = { blue: '#0072B2', orange: '#E69F00', sky: '#56B4E9', green: '#009E73', yellow: '#F0E442', vermillion: '#D55E00', purple: '#CC79A7', black: '#222222', grey: '#7a828c' };
  pd.CYCLE = [C.blue, C.orange, C.green, C.vermillion, C.purple, C.sky, C.black, C.grey];
  pd.DASHES = [[], [6, 3], [2, 2], [10, 3, 2, 3]];
  pd.OUTCOME_COLORS = { http_5xx: C.vermillion, http_4xx: C.orange, shed: C.purple, timeout: C.black, check_failed: C.sky, connect_refused: C.blue, reset: C.green, other: C.grey };
  pd.OUTCOME_LABELS = { http_5xx: 'HTTP 5xx', http_4xx: 'HTTP 4xx', shed: 'shed (expected, e.g. 429)', timeout: 'timeout', check_failed: 'check failed', connect_refused: 'connection refused', reset: 'connection reset', other: 'other' };

  pd.hasChart = typeof window.Chart === 'function';
  if (pd.hasChart) {
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
  pd.faultBands = function (s) {
    return (s.faults || []).map(function (f) {
      var from = f.injectedAtS !== undefined ? f.injectedAtS : f.plannedS.fromS;
      var to = f.undoneAtS !== undefined ? f.undoneAtS : f.plannedS.toS;
      return { name: f.name, fromS: from, toS: to };
    });
  };

  // Seconds that broke a hold stage's steadiness (any link), ticked under the charts.
  function brokenSeconds(s) {
    var seen = {};
    (s.steadiness || []).forEach(function (st) { st.links.forEach(function (l) { l.broken.forEach(function (b) { seen[b.t] = true; }); }); });
    return Object.keys(seen).map(Number);
  }

  // A round tick step (1 s … 1 h) giving at most ~8 ticks over the run.
  pd.timeStep = function (lastT) {
    var steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
    for (var i = 0; i < steps.length; i++) if (lastT / steps[i] <= 8) return steps[i];
    return 14400;
  };

  function title(text) {
    return { display: true, text: text, align: 'start', font: { weight: '600', size: Math.round((Chart.defaults.font.size || 12) * 1.15) }, color: '#1b1f24' };
  }
  pd.chartTitle = title;

  pd.timeOptions = function (text, yTitle, extra) {
    var s = data.summary || {};
    var win = null;
    (s.links || []).forEach(function (l) { if (!win && l.verdict && l.verdict.window) win = l.verdict.window; });
    var lastT = Math.max(1, (data.series && data.series.lastT) || 1);
    var o = {
      responsive: true, parsing: false, normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        title: title(text),
        legend: { position: 'bottom' },
        tooltip: { callbacks: { title: function (items) { return items.length ? 't = ' + clock(items[0].parsed.x) : ''; } } },
        pdMarks: { window: win, abortS: s.abort ? s.abort.atS : null, faults: pd.faultBands(s), broken: brokenSeconds(s), changes: data.control || [] },
      },
      scales: {
        x: { type: 'linear', min: 0, max: lastT, title: { display: true, text: 'time since start (min:s)' }, ticks: { stepSize: pd.timeStep(lastT), includeBounds: false, maxRotation: 0, callback: function (v) { return Number.isInteger(v) ? clock(v) : ''; } } },
        y: { beginAtZero: true, grace: '5%', title: { display: true, text: yTitle }, ticks: { callback: function (v) { return nf(v, v < 10 && v % 1 ? 1 : 0); } } },
      },
    };
    if (extra) extra(o);
    return o;
  };

  pd.ds = function (label, points, color, more) {
    var d = { label: label, data: pd.pts(points), borderColor: color, backgroundColor: color, pointRadius: 0, pointHitRadius: 6, borderWidth: 2, spanGaps: true };
    if (more) for (var k in more) d[k] = more[k];
    return d;
  };

  // Every chart drawn, by `<kind>:<link index>`: a redraw replaces its chart, the live page updates them.
  var charts = pd.charts = {};
  pd.make = function (canvas, config) {
    var key = canvas.getAttribute('data-chart') + ':' + canvas.getAttribute('data-link');
    if (charts[key]) charts[key].destroy();
    config.plugins = [marks];
    charts[key] = new Chart(canvas, config);
    return charts[key];
  };

  // Latency by percentile: a log x axis where each decade is one more nine.
  function isDecade(v) { var l = Math.log10(v); return Math.abs(l - Math.round(l)) < 1e-9; }
  function percentileX(p, maxX) { return p >= 100 ? maxX : 1 / (1 - p / 100); }
  function pctLabel(x) { var p = 100 * (1 - 1 / x); var d = Math.max(0, Math.round(Math.log10(x)) - 2); return p >= 99.99999 ? p.toFixed(Math.min(6, d + 1)).replace(/0+$/, '').replace(/\.$/, '') : nf(p, d); }
  pd.curvePoints = function (curve) {
    var maxX = 1;
    curve.forEach(function (c) { if (c.p < 100) maxX = Math.max(maxX, 1 / (1 - c.p / 100)); });
    maxX = Math.pow(10, Math.ceil(Math.log10(maxX * 1.5)));
    return curve.map(function (c) { return { x: percentileX(c.p, maxX), y: c.ms }; });
  };
  pd.percentileOptions = function (text) {
    return {
      responsive: true, parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        title: title(text),
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
  };
})(window.pd);
