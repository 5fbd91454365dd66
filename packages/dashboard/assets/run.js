// The run page's charts: per link the achieved vs planned rate, latency over time, errors and
// sheds by class, latency by percentile and Server-Timing by hop; every link's rate and p99 on
// two overview charts; the target's own series (observe). The percentile curves and the
// full-resolution series load from the API on demand; a live run continues in live.js.
(function (pd) {
  'use strict';
  if (!pd) return;
  var data = pd.data, C = pd.C, ds = pd.ds, make = pd.make, nf = pd.nf;

  function linkTimeChart(canvas, kind, l) {
    var lastT = Math.max(1, data.series.lastT);
    if (kind === 'rps') {
      var sets = [ds('achieved', l.rps, C.blue, { pdKey: 'rps', fill: { target: 'origin', above: 'rgba(0,114,178,0.10)' } })];
      if (l.planned.length) sets.unshift(ds('planned', l.planned, C.black, { pdKey: 'planned', borderDash: [6, 4], borderWidth: 1.5 }));
      return make(canvas, { type: 'line', data: { datasets: sets }, options: pd.timeOptions('Achieved vs planned rate', 'req/s') });
    }
    if (kind === 'latency') {
      return make(canvas, { type: 'line', data: { datasets: [
        ds('p50', l.p50, C.green, { pdKey: 'p50' }), ds('p90', l.p90, C.orange, { pdKey: 'p90', borderDash: [6, 3] }), ds('p99', l.p99, C.vermillion, { pdKey: 'p99', borderWidth: 2.5 }),
      ] }, options: pd.timeOptions('Latency over time (from scheduled send)', 'latency (ms)') });
    }
    if (kind === 'outcomes') {
      var classes = Object.keys(l.outcomes);
      var sets2 = classes.map(function (k) { return ds(pd.OUTCOME_LABELS[k] || k, l.outcomes[k], pd.OUTCOME_COLORS[k] || C.grey, { pdKey: 'outcome:' + k }); });
      if (!sets2.length) sets2 = [ds('no errors, no sheds', [[0, 0], [lastT, 0]], C.green, { pdKey: 'none' })];
      return make(canvas, { type: 'line', data: { datasets: sets2 }, options: pd.timeOptions('Errors and sheds by class', 'req/s', function (o) { o.scales.y.suggestedMax = 1; }) });
    }
    return null;
  }

  function percentileChart(canvas, linkName, curves) {
    var entry = (curves || []).find(function (c) { return c.link === linkName; });
    var sets = entry && entry.curve.length ? [ds(linkName + ' (whole run, ' + nf(entry.count) + ' requests)', [], C.blue, { data: pd.curvePoints(entry.curve), fill: { target: 'origin', above: 'rgba(0,114,178,0.08)' } })] : [];
    return make(canvas, { type: 'line', data: { datasets: sets }, options: pd.percentileOptions(curves ? 'Latency by percentile' : 'Latency by percentile (loading…)') });
  }

  function hopsChart(canvas, link) {
    var hops = (link && link.hops) || [];
    return make(canvas, { type: 'bar', data: { labels: hops.map(function (h) { return h.name; }), datasets: [
      { label: 'p50', data: hops.map(function (h) { return h.p50; }), backgroundColor: C.sky, borderColor: C.blue, borderWidth: 1 },
      { label: 'p99', data: hops.map(function (h) { return h.p99; }), backgroundColor: C.orange, borderColor: C.vermillion, borderWidth: 1 },
    ] }, options: { indexAxis: 'y', responsive: true, plugins: {
      title: pd.chartTitle('Server-Timing by hop (where the time goes)'),
      legend: { position: 'bottom' } },
      scales: { x: { beginAtZero: true, title: { display: true, text: 'time in hop (ms)' } }, y: { title: { display: false } } } } });
  }

  function overviewChart(canvas, kind) {
    var sets = data.series.links.map(function (l, i) {
      return ds(l.link, kind === 'overview-rps' ? l.rps : l.p99, pd.CYCLE[i % pd.CYCLE.length], { borderDash: pd.DASHES[Math.floor(i / pd.CYCLE.length) % pd.DASHES.length], pdKey: kind === 'overview-rps' ? 'rps' : 'p99', pdLink: l.link });
    });
    return make(canvas, { type: 'line', data: { datasets: sets }, options: pd.timeOptions(kind === 'overview-rps' ? 'Achieved rate, every link' : 'p99 latency, every link', kind === 'overview-rps' ? 'req/s' : 'p99 (ms)') });
  }

  // observe: the target's own series (one chart per source), on the same time axis as ours
  function observeChart(canvas, source) {
    if (!source) return null;
    var sets = source.series.map(function (s, k) { return ds(s.perSecond ? s.name + ' /s' : s.name, s.points, pd.CYCLE[k % pd.CYCLE.length]); });
    return make(canvas, { type: 'line', data: { datasets: sets }, options: pd.timeOptions(source.name, 'value') });
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
  function workDone() { if (--pendingWork === 0) pd.ready(); }
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
      pd.text(document.querySelector('[data-resolution]'), 'full resolution (1 point per second)');
      btn.textContent = 'Full resolution ✓';
    }).catch(function () { btn.disabled = false; btn.textContent = 'Full resolution (retry)'; });
  }

  pd.pages.run = function () {
    if (!pd.hasChart) return;
    drawRunCharts();
    loadPercentiles();
    var btn = document.querySelector('[data-action="full-resolution"]');
    if (btn && data.api) btn.addEventListener('click', function () { fullResolution(btn); });
    if (data.status === 'live' && data.api && typeof EventSource === 'function') pd.followLive();
  };
})(window.pd);
