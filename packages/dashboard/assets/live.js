// A live run page follows its drill over server-sent events (GET <api>/live): each second's
// lines extend the charts and the figures at the top, faults.ndjson and control.ndjson events
// mark the charts as they happen, and the page reloads when the drill ends (or a new link appears).
(function (pd) {
  'use strict';
  if (!pd) return;
  var data = pd.data, F = pd.F, nf = pd.nf, text = pd.text, charts = pd.charts;

  pd.followLive = function () {
    var totals = data.totals || {};
    var latest = {};
    var es = new EventSource(data.api + '/live?from=' + data.offset);
    var pending = false;
    var reloading = false;
    var lastSeen = data.series.lastT;
    // Faults of the running drill, from faults.ndjson as it grows: name → band; one still on reaches the latest second.
    var liveFaults = {};
    function liveBands() {
      var out = pd.faultBands(data.summary || {});
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
        if (x && x.type === 'linear') { x.max = Math.max(1, lastSeen); x.ticks.stepSize = pd.timeStep(Math.max(1, lastSeen)); }
        charts[k].data.datasets.forEach(function (d) { if (d.pdKey === 'none') d.data = [{ x: 0, y: 0 }, { x: Math.max(1, lastSeen), y: 0 }]; });
        charts[k].update('none');
      }
    }
    function later() { if (!pending) { pending = true; requestAnimationFrame(redraw); } }
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
            d = pd.ds(pd.OUTCOME_LABELS[cls] || cls, [], pd.OUTCOME_COLORS[cls] || pd.C.grey, { pdKey: key });
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
      text(document.querySelector('[data-kpi="p99"]'), F.formatMs(p99));
      text(document.querySelector('[data-kpi="duration"]'), F.formatDuration(maxT + 1) + ' so far');
      later();
    });
    es.addEventListener('faults', function (ev) {
      JSON.parse(ev.data).forEach(function (e) {
        if (e.phase === 'inject' && e.ok) liveFaults[e.fault] = { fromS: e.atS, toS: null };
        else if (e.phase === 'undo' && liveFaults[e.fault]) liveFaults[e.fault].toS = e.atS;
      });
      later();
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
      later();
    });
    es.addEventListener('end', function () { es.close(); setTimeout(function () { location.reload(); }, 800); });
  };
})(window.pd);
