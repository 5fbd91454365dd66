// The compare page: per link, the base and the new run's latency-by-percentile curves on one chart.
(function (pd) {
  'use strict';
  if (!pd) return;
  pd.pages.compare = function () {
    var data = pd.data;
    if (!pd.hasChart || !data.base || !data.next) return;
    document.querySelectorAll('canvas[data-chart="compare-percentiles"]').forEach(function (canvas) {
      var link = data.links[Number(canvas.getAttribute('data-link'))].link;
      var b = data.base.percentiles.find(function (c) { return c.link === link; });
      var n = data.next.percentiles.find(function (c) { return c.link === link; });
      var sets = [];
      if (b && b.curve.length) sets.push(pd.ds('base ' + data.base.id, [], pd.C.blue, { data: pd.curvePoints(b.curve), borderDash: [6, 4] }));
      if (n && n.curve.length) sets.push(pd.ds('new ' + data.next.id, [], pd.C.orange, { data: pd.curvePoints(n.curve), borderWidth: 2.5 }));
      pd.make(canvas, { type: 'line', data: { datasets: sets }, options: pd.percentileOptions(link) });
    });
    pd.ready();
  };
})(window.pd);
