// peakdrill client script, first of its files (dashboard and report; load order in
// src/assets.ts CLIENT_SCRIPTS): the page's inline data (#pd-data), the figure helpers every
// other file uses, and the ready mark. Each file adds its part to `window.pd`; start.js runs
// the page. All text from scenario authors reaches the DOM through textContent or the canvas,
// never as markup.
(function () {
  'use strict';
  var dataEl = document.getElementById('pd-data');
  if (!dataEl) return;
  var pd = window.pd = { data: JSON.parse(dataEl.textContent || '{}'), pages: {} };

  document.querySelectorAll('[data-width]').forEach(function (el) { el.style.width = el.getAttribute('data-width') + '%'; });

  // figures are written by core's one formatter (served as figures.js, loaded before this file)
  var F = pd.F = window.pdFigures;
  pd.nf = function (v, d) { return F.formatNumber(v, d || 0, true); };
  pd.pts = function (a) { var out = new Array(a ? a.length : 0); for (var i = 0; i < out.length; i++) out[i] = { x: a[i][0], y: a[i][1] }; return out; };
  pd.text = function (el, s) { if (el) el.textContent = s; };

  // Set once every chart is drawn with its data (tests and bench/dashboard-open.mjs wait for it).
  pd.ready = function () { window.__pdReady = true; document.documentElement.setAttribute('data-ready', '1'); };
})();
